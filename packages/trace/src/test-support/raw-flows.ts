/** Raw exchanges for unit tests of assertions, building and rendering (no sockets). */
import { signJwt } from '@tessera/jose';
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
