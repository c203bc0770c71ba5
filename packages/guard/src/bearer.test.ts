import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GuardError,
  extractBearerToken,
  guardErrorResponse,
  quoteString,
  wwwAuthenticate,
} from './bearer.js';

const status = (s: number, error?: string) => (e: unknown) =>
  e instanceof GuardError && e.status === s && e.error === error;

test('RFC 6750 §2.1: the token comes from "Authorization: Bearer", scheme case-insensitive', () => {
  assert.equal(
    extractBearerToken({ authorization: 'Bearer abc.def-_~+/ghi==' }),
    'abc.def-_~+/ghi==',
  );
  assert.equal(extractBearerToken({ authorization: 'bearer   abc' }), 'abc');
  assert.equal(extractBearerToken({ authorization: 'BEARER abc ' }), 'abc');
  assert.equal(extractBearerToken({ authorization: undefined }), undefined);
  assert.equal(extractBearerToken({ authorization: '' }), undefined);
  assert.equal(extractBearerToken({ authorization: 'Basic dXNlcjpwYXNz' }), undefined);
  assert.equal(extractBearerToken({ authorization: 'Bearerabc' }), undefined);
});

test('RFC 6750 §3.1: a malformed Authorization header is invalid_request (400)', () => {
  for (const h of [
    'Bearer',
    'Bearer ',
    'Bearer a b',
    'Bearer a"b',
    'Bearer a=b',
    'Bearer\tabc',
    'Bearer a,b',
    'Bearer ä',
  ]) {
    assert.throws(
      () => extractBearerToken({ authorization: h }),
      status(400, 'invalid_request'),
      h,
    );
  }
});

test('RFC 6750 §2.3: a token in the query string is refused (400), wherever it is', () => {
  for (const url of ['/x?access_token=abc', '/x?a=1&access_token=', '/x?access%5Ftoken=abc']) {
    assert.throws(
      () => extractBearerToken({ authorization: 'Bearer abc', url }),
      status(400, 'invalid_request'),
      url,
    );
  }
  assert.equal(
    extractBearerToken({ authorization: 'Bearer abc', url: '/access_token?x=1' }),
    'abc',
  );
  assert.equal(
    extractBearerToken({ authorization: 'Bearer abc', url: '/x?my_access_token=1' }),
    'abc',
  );
  assert.equal(
    extractBearerToken({ authorization: 'Bearer abc', url: '/x#access_token=1' }),
    'abc',
  );
});

test('the cookie extractor is opt-in, and never together with the header', () => {
  assert.equal(extractBearerToken({ authorization: undefined, cookie: 'at=abc' }), undefined);
  assert.equal(
    extractBearerToken({ authorization: undefined, cookie: 'x=1; at=abc.def; y=2' }, 'at'),
    'abc.def',
  );
  assert.equal(extractBearerToken({ authorization: undefined, cookie: 'at="abc"' }, 'at'), 'abc');
  assert.equal(
    extractBearerToken({ authorization: undefined, cookie: 'other=abc' }, 'at'),
    undefined,
  );
  assert.throws(
    () => extractBearerToken({ authorization: 'Bearer abc', cookie: 'at=abc' }, 'at'),
    status(400, 'invalid_request'),
  );
  assert.throws(
    () => extractBearerToken({ authorization: undefined, cookie: 'at=a b' }, 'at'),
    status(401, 'invalid_token'),
  );
});

test('WWW-Authenticate: quoted-string escaping, no header injection, no error code without credentials', () => {
  assert.equal(quoteString('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(quoteString('a\r\nSet-Cookie: x'), '"a??Set-Cookie: x"');
  const none = new GuardError(401, undefined, 'Authentication required', 'no_token');
  assert.equal(wwwAuthenticate(none), 'Bearer');
  assert.equal(wwwAuthenticate(none, 'api "v1"'), 'Bearer realm="api \\"v1\\""');
  const bad = new GuardError(
    401,
    'invalid_token',
    'The access token is invalid',
    'ERR_SIGNATURE_INVALID',
  );
  assert.equal(
    wwwAuthenticate(bad, 'api'),
    'Bearer realm="api", error="invalid_token", error_description="The access token is invalid"',
  );
  const scope = new GuardError(403, 'insufficient_scope', 'x', 'scope', { scope: ['a:read', 'b'] });
  assert.equal(
    wwwAuthenticate(scope),
    'Bearer error="insufficient_scope", error_description="x", scope="a:read b"',
  );
});

test('guardErrorResponse: status, headers and a body without internal detail', () => {
  const e = new GuardError(
    401,
    'invalid_token',
    'The access token is invalid',
    'ERR_SIGNATURE_INVALID',
    { cause: new Error('secret detail') },
  );
  const r = guardErrorResponse(e);
  assert.equal(r.status, 401);
  assert.equal(r.headers['cache-control'], 'no-store');
  assert.match(r.headers['www-authenticate']!, /^Bearer error="invalid_token"/);
  assert.deepEqual(JSON.parse(r.body), {
    error: 'invalid_token',
    error_description: 'The access token is invalid',
  });
  assert.doesNotMatch(r.body, /SIGNATURE|secret/);
  const down = guardErrorResponse(
    new GuardError(503, undefined, 'The authorization service is unavailable', 'ERR_JWKS_TIMEOUT'),
  );
  assert.equal(down.status, 503);
  assert.equal(down.headers['www-authenticate'], undefined);
  assert.equal(JSON.parse(down.body).error, 'temporarily_unavailable');
});
