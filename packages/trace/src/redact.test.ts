import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  displayToken,
  fingerprint,
  isJwtShaped,
  redactHeaders,
  redactUrl,
  REQUEST_HEADER_ALLOWLIST,
  RESPONSE_HEADER_ALLOWLIST,
} from './redact.js';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

test('fingerprint is the first 8 hex characters of SHA-256', () => {
  const want = createHash('sha256').update(JWT).digest('hex').slice(0, 8);
  assert.equal(fingerprint(JWT), want);
  assert.match(fingerprint('x'), /^[0-9a-f]{8}$/);
  assert.notEqual(fingerprint(JWT), fingerprint(`${JWT}x`));
});

test('display form keeps 8 leading and 4 trailing characters; short values are masked', () => {
  assert.equal(displayToken(JWT), 'eyJhbGci…sR8U');
  assert.equal(displayToken('short-secret'), '•••');
});

test('JWT shape: three or five base64url segments starting with eyJ', () => {
  assert.equal(isJwtShaped(JWT), true);
  assert.equal(isJwtShaped('eyJhbGciOiJkaXIifQ..iv.ct.tag'), true);
  assert.equal(isJwtShaped('sk_live_abcdefghijklmnop'), false);
  assert.equal(isJwtShaped('eyJ.a.b.c'), false);
  assert.equal(isJwtShaped(`${JWT} `), false);
});

test('URL redaction masks every query value, shows JWTs in display form, drops userinfo', () => {
  const u = redactUrl(
    `https://user:pw@api.example/cb?code=abc123&access_token=${JWT}&password=hunter2`,
    false,
  );
  assert.equal(u, 'https://api.example/cb?code=•••&access_token=eyJhbGci…sR8U&password=•••');
  assert.ok(!u.includes('hunter2') && !u.includes('abc123') && !u.includes('pw@'));
  assert.ok(redactUrl(`https://a.example/?t=${JWT}`, true).includes(JWT), 'reveal keeps the token');
  assert.ok(
    redactUrl('https://a.example/?password=hunter2', true).includes('password=•••'),
    'reveal never keeps a password',
  );
});

test('headers: allow-list only, Authorization and cookies redacted, Set-Cookie flags kept', () => {
  const req = redactHeaders(
    [
      ['Authorization', `Bearer ${JWT}`],
      ['Cookie', `session=${JWT}; theme=dark`],
      ['X-Api-Key', 'secret-key-value'],
      ['Content-Type', 'application/json'],
    ],
    REQUEST_HEADER_ALLOWLIST,
    false,
  );
  assert.deepEqual(req, {
    authorization: 'Bearer eyJhbGci…sR8U',
    'content-type': 'application/json',
    cookie: 'session=eyJhbGci…sR8U; theme=•••',
  });
  const basic = redactHeaders(
    [['authorization', 'Basic YWxpY2U6aHVudGVyMg==']],
    REQUEST_HEADER_ALLOWLIST,
    true,
  );
  assert.equal(basic.authorization, 'Basic •••', 'Basic credentials are masked even with reveal');
  const res = redactHeaders(
    [
      ['set-cookie', `session=${JWT}; Path=/; HttpOnly; SameSite=Lax`],
      ['set-cookie', 'csrf=abcdef; Path=/'],
    ],
    RESPONSE_HEADER_ALLOWLIST,
    false,
  );
  assert.equal(
    res['set-cookie'],
    'session=eyJhbGci…sR8U; Path=/; HttpOnly; SameSite=Lax\ncsrf=•••; Path=/',
  );
});
