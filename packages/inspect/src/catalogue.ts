/**
 * What each well-known claim and header parameter means, with the specification that defines
 * it: the one list the CLI's claims table and the page's Decode pane both show. A new claim is a
 * row here.
 */
export interface CatalogueEntry {
  readonly description: string;
  /** Short reference, e.g. `RFC 7519 §4.1.4`. */
  readonly spec: string;
  readonly link: string;
}

const RFC = (n: number, section?: string) =>
  `https://www.rfc-editor.org/rfc/rfc${n}${section !== undefined ? `#section-${section}` : ''}`;
const OIDC = 'https://openid.net/specs/openid-connect-core-1_0.html';

const rfc = (description: string, n: number, section?: string): CatalogueEntry =>
  Object.freeze({
    description,
    spec: `RFC ${n}${section !== undefined ? ` §${section}` : ''}`,
    link: RFC(n, section),
  });
const oidc = (description: string, section: string, anchor: string): CatalogueEntry =>
  Object.freeze({ description, spec: `OIDC Core §${section}`, link: `${OIDC}#${anchor}` });

/** Payload claims (RFC 7519 §4.1, RFC 9068 §2.2, OpenID Connect Core §2 and §5.1). */
export const CLAIMS: Readonly<Record<string, CatalogueEntry>> = Object.freeze({
  iss: rfc('Issuer: who created and signed the token', 7519, '4.1.1'),
  sub: rfc('Subject: whom the token is about (user or client id)', 7519, '4.1.2'),
  aud: rfc('Audience: the recipients the token is meant for', 7519, '4.1.3'),
  exp: rfc('Expiration time: not accepted on or after this instant', 7519, '4.1.4'),
  nbf: rfc('Not before: not accepted before this instant', 7519, '4.1.5'),
  iat: rfc('Issued at: when the token was created', 7519, '4.1.6'),
  jti: rfc('JWT ID: unique identifier, used against replay and for revocation', 7519, '4.1.7'),
  client_id: rfc('OAuth client the token was issued to', 9068, '2.2'),
  scope: rfc('Space-separated OAuth scopes granted', 8693, '4.2'),
  sid: Object.freeze({
    description: 'Session ID at the issuer',
    spec: 'OIDC Front-Channel Logout §3',
    link: 'https://openid.net/specs/openid-connect-frontchannel-1_0.html',
  }),
  auth_time: oidc('When the end user authenticated', '2', 'IDToken'),
  nonce: oidc(
    'Value binding an ID token to the client session (replay protection)',
    '2',
    'IDToken',
  ),
  acr: oidc('Authentication context class reference', '2', 'IDToken'),
  amr: rfc('Authentication methods used (e.g. pwd, otp)', 8176),
  azp: oidc('Authorized party: the client the ID token was issued to', '2', 'IDToken'),
  at_hash: oidc('Access token hash', '3.1.3.6', 'CodeIDToken'),
  c_hash: oidc('Authorization code hash', '3.3.2.11', 'HybridIDToken'),
  cnf: rfc('Confirmation: the key the presenter must prove (proof of possession)', 7800, '3.1'),
  act: rfc('Actor: who acts on behalf of the subject (delegation)', 8693, '4.1'),
  may_act: rfc('Authorized actor: who may act on behalf of the subject', 8693, '4.4'),
  roles: rfc('Roles of the subject', 9068, '2.2.3.1'),
  groups: rfc('Groups of the subject', 9068, '2.2.3.1'),
  entitlements: rfc('Entitlements of the subject', 9068, '2.2.3.1'),
  name: oidc('Full name of the end user', '5.1', 'StandardClaims'),
  given_name: oidc('Given name of the end user', '5.1', 'StandardClaims'),
  family_name: oidc('Family name of the end user', '5.1', 'StandardClaims'),
  preferred_username: oidc('Short name the end user wishes to be called', '5.1', 'StandardClaims'),
  email: oidc('E-mail address of the end user', '5.1', 'StandardClaims'),
  email_verified: oidc('Whether the e-mail address was verified', '5.1', 'StandardClaims'),
  picture: oidc('Profile picture URL', '5.1', 'StandardClaims'),
  locale: oidc('Locale of the end user', '5.1', 'StandardClaims'),
  updated_at: oidc('When the profile was last updated', '5.1', 'StandardClaims'),
});

/** JWS protected header parameters (RFC 7515 §4.1, RFC 7797). */
export const JWS_HEADER_PARAMETERS: Readonly<Record<string, CatalogueEntry>> = Object.freeze({
  alg: rfc('Algorithm used to sign', 7515, '4.1.1'),
  jku: rfc('URL of a key set (never fetched by Tessera)', 7515, '4.1.2'),
  jwk: rfc('Embedded public key (never trusted by Tessera)', 7515, '4.1.3'),
  kid: rfc('Key ID: hint to select the verification key', 7515, '4.1.4'),
  x5u: rfc('URL of an X.509 chain (never fetched by Tessera)', 7515, '4.1.5'),
  x5c: rfc('Embedded X.509 chain (never trusted by Tessera)', 7515, '4.1.6'),
  x5t: rfc('X.509 SHA-1 thumbprint', 7515, '4.1.7'),
  'x5t#S256': rfc('X.509 SHA-256 thumbprint', 7515, '4.1.8'),
  typ: rfc('Media type of the whole token (JWT, at+jwt, …)', 7515, '4.1.9'),
  cty: rfc('Content type of the payload (JWT for nested tokens)', 7515, '4.1.10'),
  crit: rfc('Extensions the recipient must understand', 7515, '4.1.11'),
  b64: rfc('Unencoded payload', 7797, '3'),
});

/** JWE protected header parameters (RFC 7516 §4.1, RFC 7518 §4.6 and §4.8). */
export const JWE_HEADER_PARAMETERS: Readonly<Record<string, CatalogueEntry>> = Object.freeze({
  alg: rfc('Key management algorithm (how the content key is encrypted or agreed)', 7516, '4.1.1'),
  enc: rfc('Content encryption algorithm', 7516, '4.1.2'),
  zip: rfc('Compression of the plaintext', 7516, '4.1.3'),
  jku: rfc('URL of a key set (never fetched by Tessera)', 7516, '4.1.4'),
  jwk: rfc('Embedded public key (never trusted by Tessera)', 7516, '4.1.5'),
  kid: rfc('Key ID: hint to select the decryption key', 7516, '4.1.6'),
  x5u: rfc('URL of an X.509 chain (never fetched by Tessera)', 7516, '4.1.7'),
  x5c: rfc('Embedded X.509 chain (never trusted by Tessera)', 7516, '4.1.8'),
  x5t: rfc('X.509 SHA-1 thumbprint', 7516, '4.1.9'),
  'x5t#S256': rfc('X.509 SHA-256 thumbprint', 7516, '4.1.10'),
  typ: rfc('Media type of the whole token', 7516, '4.1.11'),
  cty: rfc('Content type of the plaintext (JWT for nested tokens)', 7516, '4.1.12'),
  crit: rfc('Extensions the recipient must understand', 7516, '4.1.13'),
  epk: rfc('Ephemeral public key (ECDH-ES)', 7518, '4.6.1.1'),
  apu: rfc('Agreement PartyUInfo (ECDH-ES)', 7518, '4.6.1.2'),
  apv: rfc('Agreement PartyVInfo (ECDH-ES)', 7518, '4.6.1.3'),
  iv: rfc('Initialization vector of the key wrap (AES-GCM key wrap)', 7518, '4.7.1.1'),
  tag: rfc('Authentication tag of the key wrap (AES-GCM key wrap)', 7518, '4.7.1.2'),
  p2s: rfc('PBES2 salt', 7518, '4.8.1.1'),
  p2c: rfc('PBES2 iteration count', 7518, '4.8.1.2'),
});

/** The header catalogue for a token: a JWE's header is defined by RFC 7516, not RFC 7515. */
export function headerCatalogue(format: string): Readonly<Record<string, CatalogueEntry>> {
  return format === 'jwe' ? JWE_HEADER_PARAMETERS : JWS_HEADER_PARAMETERS;
}

/** The claim's entry, own members only (a claim named "constructor" has none). */
export function catalogueEntry(
  catalogue: Readonly<Record<string, CatalogueEntry>>,
  name: string,
): CatalogueEntry | undefined {
  return Object.hasOwn(catalogue, name) ? catalogue[name] : undefined;
}

/** The NumericDate claims shown as dates (RFC 7519 §2; OIDC Core §2 and §5.1). */
export const TIME_CLAIMS: readonly string[] = Object.freeze([
  'exp',
  'nbf',
  'iat',
  'auth_time',
  'updated_at',
]);
