/** RFC 6749 §5.1 successful token response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
  scope?: string;
  /** OIDC Core §3.1.3.3, when the scope had `openid`. */
  id_token?: string;
}

export function tokenResponse(
  accessToken: string,
  expiresIn: number,
  scope: string,
  refreshToken?: string,
): TokenResponse {
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: expiresIn,
    ...(refreshToken !== undefined ? { refresh_token: refreshToken } : {}),
    ...(scope.length > 0 ? { scope } : {}),
  };
}
