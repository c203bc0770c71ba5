/** RFC 6749 §5.1 successful token response. */
export interface TokenResponse {
  access_token: string;
  /** `DPoP` when the access token is bound to a DPoP key (RFC 9449 §5). */
  token_type: 'Bearer' | 'DPoP';
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
  dpopBound = false,
): TokenResponse {
  return {
    access_token: accessToken,
    token_type: dpopBound ? 'DPoP' : 'Bearer',
    expires_in: expiresIn,
    ...(refreshToken !== undefined ? { refresh_token: refreshToken } : {}),
    ...(scope.length > 0 ? { scope } : {}),
  };
}
