/**
 * What each well-known claim and header parameter means, with the specification that defines
 * it. Shown beside the value in the Decode pane (with its RFC/OIDC reference).
 */
export interface CatalogEntry {
  readonly description: string;
  readonly spec: string;
  readonly link: string;
}

const RFC7519 = 'https://www.rfc-editor.org/rfc/rfc7519';
const RFC7515 = 'https://www.rfc-editor.org/rfc/rfc7515';
const RFC9068 = 'https://www.rfc-editor.org/rfc/rfc9068';
const RFC8693 = 'https://www.rfc-editor.org/rfc/rfc8693';
const OIDC = 'https://openid.net/specs/openid-connect-core-1_0.html';

const entry = (description: string, spec: string, link: string): CatalogEntry =>
  Object.freeze({ description, spec, link });

/** Payload claims (RFC 7519 §4.1, RFC 9068 §2.2, OpenID Connect Core §2 and §5.1). */
export const CLAIMS: Readonly<Record<string, CatalogEntry>> = Object.freeze({
  iss: entry(
    'Issuer: who created and signed the token',
    'RFC 7519 §4.1.1',
    `${RFC7519}#section-4.1.1`,
  ),
  sub: entry(
    'Subject: whom the token is about (user or client id)',
    'RFC 7519 §4.1.2',
    `${RFC7519}#section-4.1.2`,
  ),
  aud: entry(
    'Audience: the recipients the token is meant for',
    'RFC 7519 §4.1.3',
    `${RFC7519}#section-4.1.3`,
  ),
  exp: entry(
    'Expiration time: not accepted on or after this instant',
    'RFC 7519 §4.1.4',
    `${RFC7519}#section-4.1.4`,
  ),
  nbf: entry(
    'Not before: not accepted before this instant',
    'RFC 7519 §4.1.5',
    `${RFC7519}#section-4.1.5`,
  ),
  iat: entry(
    'Issued at: when the token was created',
    'RFC 7519 §4.1.6',
    `${RFC7519}#section-4.1.6`,
  ),
  jti: entry(
    'JWT ID: unique identifier, used against replay and for revocation',
    'RFC 7519 §4.1.7',
    `${RFC7519}#section-4.1.7`,
  ),
  client_id: entry(
    'OAuth client the token was issued to',
    'RFC 9068 §2.2',
    `${RFC9068}#section-2.2`,
  ),
  scope: entry('Space-separated OAuth scopes granted', 'RFC 8693 §4.2', `${RFC8693}#section-4.2`),
  sid: entry(
    'Session ID at the issuer',
    'OIDC Front-Channel Logout §3',
    'https://openid.net/specs/openid-connect-frontchannel-1_0.html',
  ),
  auth_time: entry('When the end user authenticated', 'OIDC Core §2', `${OIDC}#IDToken`),
  nonce: entry(
    'Value binding an ID token to the client session (replay protection)',
    'OIDC Core §2',
    `${OIDC}#IDToken`,
  ),
  acr: entry('Authentication context class reference', 'OIDC Core §2', `${OIDC}#IDToken`),
  amr: entry('Authentication methods used (e.g. pwd, otp)', 'OIDC Core §2', `${OIDC}#IDToken`),
  azp: entry(
    'Authorized party: the client the ID token was issued to',
    'OIDC Core §2',
    `${OIDC}#IDToken`,
  ),
  roles: entry('Roles of the subject', 'RFC 9068 §2.2.3.1', `${RFC9068}#section-2.2.3.1`),
  groups: entry('Groups of the subject', 'RFC 9068 §2.2.3.1', `${RFC9068}#section-2.2.3.1`),
  entitlements: entry(
    'Entitlements of the subject',
    'RFC 9068 §2.2.3.1',
    `${RFC9068}#section-2.2.3.1`,
  ),
  name: entry('Full name of the end user', 'OIDC Core §5.1', `${OIDC}#StandardClaims`),
  email: entry('E-mail address of the end user', 'OIDC Core §5.1', `${OIDC}#StandardClaims`),
  email_verified: entry(
    'Whether the e-mail address was verified',
    'OIDC Core §5.1',
    `${OIDC}#StandardClaims`,
  ),
  preferred_username: entry(
    'Short name the end user wishes to be called',
    'OIDC Core §5.1',
    `${OIDC}#StandardClaims`,
  ),
  cnf: entry(
    'Confirmation: the key the presenter must prove (proof of possession)',
    'RFC 7800 §3.1',
    'https://www.rfc-editor.org/rfc/rfc7800#section-3.1',
  ),
  act: entry(
    'Actor: who acts on behalf of the subject (delegation)',
    'RFC 8693 §4.1',
    `${RFC8693}#section-4.1`,
  ),
});

/** Protected header parameters (RFC 7515 §4.1, RFC 7516 §4.1). */
export const HEADER_PARAMETERS: Readonly<Record<string, CatalogEntry>> = Object.freeze({
  alg: entry(
    'Algorithm used to sign (or encrypt the key)',
    'RFC 7515 §4.1.1',
    `${RFC7515}#section-4.1.1`,
  ),
  kid: entry(
    'Key ID: hint to select the verification key',
    'RFC 7515 §4.1.4',
    `${RFC7515}#section-4.1.4`,
  ),
  typ: entry(
    'Media type of the whole token (JWT, at+jwt, …)',
    'RFC 7515 §4.1.9',
    `${RFC7515}#section-4.1.9`,
  ),
  cty: entry(
    'Content type of the payload (JWT for nested tokens)',
    'RFC 7515 §4.1.10',
    `${RFC7515}#section-4.1.10`,
  ),
  crit: entry(
    'Extensions the recipient must understand',
    'RFC 7515 §4.1.11',
    `${RFC7515}#section-4.1.11`,
  ),
  jku: entry(
    'URL of a key set (never fetched by Tessera)',
    'RFC 7515 §4.1.2',
    `${RFC7515}#section-4.1.2`,
  ),
  jwk: entry(
    'Embedded public key (never trusted by Tessera)',
    'RFC 7515 §4.1.3',
    `${RFC7515}#section-4.1.3`,
  ),
  x5u: entry(
    'URL of an X.509 chain (never fetched by Tessera)',
    'RFC 7515 §4.1.5',
    `${RFC7515}#section-4.1.5`,
  ),
  x5c: entry(
    'Embedded X.509 chain (never trusted by Tessera)',
    'RFC 7515 §4.1.6',
    `${RFC7515}#section-4.1.6`,
  ),
  enc: entry(
    'Content encryption algorithm (JWE)',
    'RFC 7516 §4.1.2',
    'https://www.rfc-editor.org/rfc/rfc7516#section-4.1.2',
  ),
  zip: entry(
    'Compression of the plaintext (JWE)',
    'RFC 7516 §4.1.3',
    'https://www.rfc-editor.org/rfc/rfc7516#section-4.1.3',
  ),
});

/** The NumericDate claims shown with readable dates. */
export const TIME_CLAIMS = ['exp', 'nbf', 'iat', 'auth_time'] as const;
