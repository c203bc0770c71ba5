/** Raw exchanges for unit tests of assertions, building and rendering (no sockets). */
import { exportJwk, generateKeyPair, signJwt } from '@tessera/jose';
import type { RawExchange } from '../raw-exchange.js';

export const SECRET = new TextEncoder().encode('unit-test-secret-unit-test-secret-0123');
export const START = new Date('2026-01-01T10:00:00Z');

export function jwtAt(
  now: Date,
  expiresIn: string | number = '15m',
  extra: Record<string, unknown> = {},
): string {
  return signJwt({ ...extra }, SECRET, {
    alg: 'HS256',
    kid: 'k1',
    subject: 'alice',
    expiresIn,
    currentDate: now,
  });
}

export const TOKEN = jwtAt(START);

export function login(over: Partial<RawExchange> = {}, token = TOKEN): RawExchange {
  return {
    t: 0,
    method: 'POST',
    url: 'http://127.0.0.1:3000/login',
    requestHeaders: [['content-type', 'application/x-www-form-urlencoded']],
    requestBody: 'username=alice&password=hunter2-secret',
    status: 200,
    durationMs: 3,
    responseHeaders: [['content-type', 'application/json']],
    responseBody: JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 900 }),
    ...over,
  };
}

export function call(
  path: string,
  t: number,
  headers: [string, string][] = [['authorization', `Bearer ${TOKEN}`]],
  over: Partial<RawExchange> = {},
): RawExchange {
  return {
    t,
    method: 'GET',
    url: `http://127.0.0.1:3000${path}`,
    requestHeaders: headers,
    status: 200,
    durationMs: 2,
    responseHeaders: [['content-type', 'application/json']],
    responseBody: '{"ok":true}',
    ...over,
  };
}

/** An EdDSA signer and another EdDSA key, for signature checks of a trace's tokens. */
export const SIGNER = generateKeyPair('EdDSA');
export const OTHER_KEY = generateKeyPair('EdDSA');
/** A JWKS holding `key` as kid `k1`. */
export const jwksOf = (key: typeof SIGNER.publicKey) => ({
  keys: [{ ...exportJwk(key), kid: 'k1', alg: 'EdDSA' }],
});
/** An RFC 9068 access token signed by {@link SIGNER}. */
export const SIGNED_TOKEN = signJwt({}, SIGNER.privateKey, {
  alg: 'EdDSA',
  kid: 'k1',
  subject: 'alice',
  expiresIn: '10m',
  typ: 'at+jwt',
  currentDate: START,
});
/** A login that issues {@link SIGNED_TOKEN} and one call that presents it. */
export const SIGNED_RAWS = [
  login({}, SIGNED_TOKEN),
  call('/me', 1000, [['authorization', `Bearer ${SIGNED_TOKEN}`]]),
];
