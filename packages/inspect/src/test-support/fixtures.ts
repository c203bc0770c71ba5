/**
 * The shared fixture set: the same tokens, keys and options are fed to `tessera verify` (the CLI
 * test) and to the debugger page in real Chromium (the web test); both must reach the verdict
 * and the failure list written here. Times are relative to `now` with margins of an hour, so the
 * page (which checks against the real clock) and the CLI (`--now`) agree.
 */
import { createHmac } from 'node:crypto';
import {
  encodeBase64url,
  encryptCompact,
  exportJwk,
  exportPem,
  generateKeyPair,
  generateSecret,
  signJwt,
  type JwsAlg,
} from '@tessera/jose';

/** A key as both front-ends take it: secret text, or PEM/JWK/JWKS text. */
export interface FixtureKey {
  readonly kind: 'secret' | 'public';
  /** The text typed into the page, and written to the file given to the CLI. */
  readonly text: string;
}

/** Checks asked for; names as the CLI flags (`--iss`, `--require` …) and the page fields. */
export interface FixtureOptions {
  readonly alg: string;
  readonly iss?: string;
  readonly aud?: string;
  readonly sub?: string;
  readonly typ?: string;
  readonly require?: readonly string[];
  /** Seconds. */
  readonly clockTolerance?: number;
}

/**
 * `verified`, `invalid` (signature or claims), `key-refused` (the key cannot do the job),
 * `not_verified` (a JWE, or not a JWT at all).
 */
export type Verdict = 'verified' | 'invalid' | 'key-refused' | 'not_verified';

export interface FixtureCase {
  readonly name: string;
  readonly token: string;
  readonly key: FixtureKey;
  readonly options: FixtureOptions;
  readonly verdict: Verdict;
  /** `CODE` or `CODE claim`, in the order the core meets them. */
  readonly failures: readonly string[];
  /** Warnings of the verification itself (weak keys accepted by a debugger). */
  readonly warnings?: readonly string[];
}

const hmac = (alg: 'sha256' | 'sha384', key: Uint8Array, input: string) =>
  encodeBase64url(createHmac(alg, key).update(input).digest());

/** A compact JWS from raw header and payload text, HMAC-signed (for shapes signJwt refuses). */
function rawHs(header: string, payload: string, key: Uint8Array): string {
  const input = `${encodeBase64url(header)}.${encodeBase64url(payload)}`;
  return `${input}.${hmac('sha256', key, input)}`;
}

/** Build the fixture set around `now` (fresh keys each time). */
export function makeFixtures(now: Date): FixtureCase[] {
  const t = Math.floor(now.getTime() / 1000);
  const H = 3600;
  const secretText = 'fixture-secret-of-at-least-32-bytes-for-hs256';
  const secret = new TextEncoder().encode(secretText);
  const weakText = 'weak-secret';
  const es = generateKeyPair('ES256');
  const esOther = generateKeyPair('ES256');
  const rs = generateKeyPair('RS256');
  const ed = generateKeyPair('EdDSA');
  const edJwks = JSON.stringify({
    keys: [{ ...exportJwk(ed.publicKey), kid: 'ed-1', alg: 'EdDSA', use: 'sig' }],
  });
  const keys = {
    hs: { kind: 'secret', text: secretText },
    weak: { kind: 'secret', text: weakText },
    es: { kind: 'public', text: exportPem(es.publicKey) },
    esOther: { kind: 'public', text: exportPem(esOther.publicKey) },
    rsJwk: { kind: 'public', text: JSON.stringify(exportJwk(rs.publicKey)) },
    edJwks: { kind: 'public', text: edJwks },
  } as const satisfies Record<string, FixtureKey>;
  const base = { sub: 'alice', iss: 'https://as.test', aud: 'api', iat: t - 60, exp: t + H };
  const hs = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    signJwt({ ...base, ...claims }, secret, { alg: 'HS256', issuedAt: false, header });
  const HS = { alg: 'HS256' };
  const checks = { ...HS, iss: 'https://as.test', aud: 'api' };
  const cases: FixtureCase[] = [
    {
      name: 'HS256 valid',
      token: hs({}),
      key: keys.hs,
      options: checks,
      verdict: 'verified',
      failures: [],
    },
    {
      name: 'expired',
      token: hs({ exp: t - H }),
      key: keys.hs,
      options: HS,
      verdict: 'invalid',
      failures: ['ERR_JWT_EXPIRED exp'],
    },
    {
      name: 'expired, within the clock tolerance',
      token: hs({ exp: t - 30 }),
      key: keys.hs,
      options: { ...HS, clockTolerance: 600 },
      verdict: 'verified',
      failures: [],
    },
    {
      name: 'nbf in the future',
      token: hs({ nbf: t + H }),
      key: keys.hs,
      options: HS,
      verdict: 'invalid',
      failures: ['ERR_JWT_NOT_YET_VALID nbf'],
    },
    {
      name: 'iat in the future',
      token: hs({ iat: t + H }),
      key: keys.hs,
      options: HS,
      verdict: 'invalid',
      failures: ['ERR_JWT_NOT_YET_VALID iat'],
    },
    {
      name: 'exp not a number',
      token: rawHs('{"alg":"HS256"}', JSON.stringify({ ...base, exp: 'tomorrow' }), secret),
      key: keys.hs,
      options: HS,
      verdict: 'invalid',
      failures: ['ERR_JWT_CLAIM_INVALID exp'],
    },
    {
      name: 'iss mismatch',
      token: hs({ iss: 'https://evil.test' }),
      key: keys.hs,
      options: checks,
      verdict: 'invalid',
      failures: ['ERR_JWT_CLAIM_INVALID iss'],
    },
    {
      name: 'iss missing',
      token: signJwt({ sub: 'alice', aud: 'api', exp: t + H }, secret, {
        alg: 'HS256',
        issuedAt: false,
      }),
      key: keys.hs,
      options: checks,
      verdict: 'invalid',
      failures: ['ERR_JWT_CLAIM_INVALID iss'],
    },
    {
      name: 'aud mismatch',
      token: hs({ aud: 'other' }),
      key: keys.hs,
      options: checks,
      verdict: 'invalid',
      failures: ['ERR_JWT_CLAIM_INVALID aud'],
    },
    {
      name: 'aud array with a match',
      token: hs({ aud: ['x', 'api'] }),
      key: keys.hs,
      options: checks,
      verdict: 'verified',
      failures: [],
    },
    {
      name: 'aud array with a non-string',
      token: rawHs('{"alg":"HS256"}', JSON.stringify({ ...base, aud: ['api', 7] }), secret),
      key: keys.hs,
      options: checks,
      verdict: 'invalid',
      failures: ['ERR_JWT_CLAIM_INVALID aud'],
    },
    {
      name: 'sub mismatch',
      token: hs({}),
      key: keys.hs,
      options: { ...HS, sub: 'bob' },
      verdict: 'invalid',
      failures: ['ERR_JWT_CLAIM_INVALID sub'],
    },
    {
      name: 'expired, wrong iss and aud: every failure listed',
      token: hs({ exp: t - H, iss: 'x', aud: 'y' }),
      key: keys.hs,
      options: checks,
      verdict: 'invalid',
      failures: ['ERR_JWT_EXPIRED exp', 'ERR_JWT_CLAIM_INVALID iss', 'ERR_JWT_CLAIM_INVALID aud'],
    },
    {
      name: 'required jti missing',
      token: hs({}),
      key: keys.hs,
      options: { ...HS, require: ['jti'] },
      verdict: 'invalid',
      failures: ['ERR_JWT_CLAIM_INVALID jti'],
    },
    {
      name: 'required jti present',
      token: hs({ jti: 'j1' }),
      key: keys.hs,
      options: { ...HS, require: ['jti'] },
      verdict: 'verified',
      failures: [],
    },
    {
      name: 'required "constructor" is never inherited',
      token: hs({}),
      key: keys.hs,
      options: { ...HS, require: ['constructor'] },
      verdict: 'invalid',
      failures: ['ERR_JWT_CLAIM_INVALID constructor'],
    },
    {
      name: 'required "toString" is never inherited',
      token: hs({}),
      key: keys.hs,
      options: { ...HS, require: ['toString'] },
      verdict: 'invalid',
      failures: ['ERR_JWT_CLAIM_INVALID toString'],
    },
    {
      name: 'required "__proto__" is never inherited',
      token: hs({}),
      key: keys.hs,
      options: { ...HS, require: ['__proto__'] },
      verdict: 'invalid',
      failures: ['ERR_JWT_CLAIM_INVALID __proto__'],
    },
    {
      name: 'typ mismatch',
      token: hs({}),
      key: keys.hs,
      options: { ...HS, typ: 'at+jwt' },
      verdict: 'invalid',
      failures: ['ERR_JWT_CLAIM_INVALID typ'],
    },
    {
      name: 'typ matches case-insensitively without application/',
      token: hs({}, { typ: 'at+JWT' }),
      key: keys.hs,
      options: { ...HS, typ: 'application/at+jwt' },
      verdict: 'verified',
      failures: [],
    },
    {
      name: 'crit extension not understood',
      token: rawHs('{"alg":"HS256","crit":["exp"],"exp":1}', JSON.stringify(base), secret),
      key: keys.hs,
      options: HS,
      verdict: 'invalid',
      failures: ['ERR_CRIT_UNSUPPORTED'],
    },
    {
      name: 'duplicate claim names',
      token: rawHs('{"alg":"HS256"}', `{"sub":"a","sub":"b","exp":${t + H}}`, secret),
      key: keys.hs,
      options: HS,
      verdict: 'invalid',
      failures: ['ERR_JSON_DUPLICATE_MEMBER'],
    },
    {
      name: 'payload is not a JSON object',
      token: rawHs('{"alg":"HS256"}', '[1,2]', secret),
      key: keys.hs,
      options: HS,
      verdict: 'invalid',
      failures: ['ERR_JSON_INVALID'],
    },
    {
      name: 'wrong secret',
      token: signJwt(base, generateSecret('HS256'), { alg: 'HS256', issuedAt: false }),
      key: keys.hs,
      options: HS,
      verdict: 'invalid',
      failures: ['ERR_SIGNATURE_INVALID'],
    },
    {
      name: 'weak secret: verified by a debugger, with a warning',
      token: signJwt(base, new TextEncoder().encode(weakText), {
        alg: 'HS256',
        issuedAt: false,
        allowWeakSecret: true,
      }),
      key: keys.weak,
      options: HS,
      verdict: 'verified',
      failures: [],
      warnings: ['WEAK_SECRET'],
    },
    {
      name: 'alg not in the allowlist',
      token: signJwt(base, new Uint8Array(48).fill(7), { alg: 'HS384', issuedAt: false }),
      key: keys.hs,
      options: HS,
      verdict: 'invalid',
      failures: ['ERR_ALG_NOT_ALLOWED'],
    },
    {
      name: 'alg none is never accepted',
      token: `${encodeBase64url('{"alg":"none"}')}.${encodeBase64url(JSON.stringify(base))}.`,
      key: keys.hs,
      options: HS,
      verdict: 'invalid',
      failures: ['ERR_ALG_NOT_ALLOWED'],
    },
    {
      name: 'HS256 token with a public key as the secret (alg confusion)',
      token: hs({}),
      key: keys.es,
      options: HS,
      verdict: 'key-refused',
      failures: ['ERR_KEY_INVALID'],
    },
    {
      name: 'ES256 valid (PEM)',
      token: signJwt(base, es.privateKey, { alg: 'ES256', issuedAt: false }),
      key: keys.es,
      options: { ...checks, alg: 'ES256' },
      verdict: 'verified',
      failures: [],
    },
    {
      name: 'ES256 with the wrong key',
      token: signJwt(base, es.privateKey, { alg: 'ES256', issuedAt: false }),
      key: keys.esOther,
      options: { alg: 'ES256' },
      verdict: 'invalid',
      failures: ['ERR_SIGNATURE_INVALID'],
    },
    {
      name: 'ES256 token, RSA key (wrong key type)',
      token: signJwt(base, es.privateKey, { alg: 'ES256', issuedAt: false }),
      key: keys.rsJwk,
      options: { alg: 'ES256' },
      verdict: 'key-refused',
      failures: ['ERR_KEY_INVALID'],
    },
    {
      name: 'RS256 valid (JWK)',
      token: signJwt(base, rs.privateKey, { alg: 'RS256', issuedAt: false }),
      key: keys.rsJwk,
      options: { ...checks, alg: 'RS256' },
      verdict: 'verified',
      failures: [],
    },
    {
      name: 'RS256 expired (JWK)',
      token: signJwt({ ...base, exp: t - H }, rs.privateKey, { alg: 'RS256', issuedAt: false }),
      key: keys.rsJwk,
      options: { alg: 'RS256' },
      verdict: 'invalid',
      failures: ['ERR_JWT_EXPIRED exp'],
    },
    {
      name: 'EdDSA valid (JWKS, kid)',
      token: signJwt(base, ed.privateKey, { alg: 'EdDSA', kid: 'ed-1', issuedAt: false }),
      key: keys.edJwks,
      options: { ...checks, alg: 'EdDSA' },
      verdict: 'verified',
      failures: [],
    },
    {
      name: 'EdDSA, kid not in the JWKS',
      token: signJwt(base, ed.privateKey, { alg: 'EdDSA', kid: 'ed-9', issuedAt: false }),
      key: keys.edJwks,
      options: { alg: 'EdDSA' },
      verdict: 'key-refused',
      failures: ['ERR_KEY_NOT_FOUND'],
    },
    {
      name: 'partial: two segments',
      token: hs({}).split('.').slice(0, 2).join('.'),
      key: keys.hs,
      options: HS,
      verdict: 'invalid',
      failures: ['ERR_JWS_MALFORMED'],
    },
    {
      name: 'partial: empty signature',
      token: `${hs({}).split('.').slice(0, 2).join('.')}.`,
      key: keys.hs,
      options: HS,
      verdict: 'invalid',
      failures: ['ERR_SIGNATURE_INVALID'],
    },
    {
      name: 'JWE: decrypt, not verify',
      token: encryptCompact(new TextEncoder().encode('{}'), new Uint8Array(32).fill(3), {
        alg: 'dir',
        enc: 'A256GCM',
      }),
      key: keys.hs,
      options: HS,
      verdict: 'not_verified',
      failures: ['ERR_JWS_MALFORMED'],
    },
    {
      name: 'garbage: not a JWT',
      token: 'hello world',
      key: keys.hs,
      options: HS,
      verdict: 'not_verified',
      failures: ['ERR_NOT_A_JWT'],
    },
    {
      name: 'garbage with dots: not a JWT',
      token: 'not.a.jwt',
      key: keys.hs,
      options: HS,
      verdict: 'not_verified',
      failures: ['ERR_NOT_A_JWT'],
    },
  ];
  return cases;
}

/** `CODE` or `CODE claim` for a failure row of either front-end. */
export function failureId(code: string, claim?: string): string {
  return claim === undefined ? code : `${code} ${claim}`;
}

export type { JwsAlg };
