import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalKeySet, isJwsAlg, type VerifyKey } from '@tessera/jose';
import { decodeToken } from './decode.js';
import { verifyReport } from './verify.js';
import { decodeSecret, readKeyText } from './key-text.js';
import {
  failureId,
  makeFixtures,
  type FixtureCase,
  type Verdict,
} from './test-support/fixtures.js';

const now = new Date();
const cases = makeFixtures(now);

test('the shared fixture set has at least 30 tokens covering every kind of failure', () => {
  assert.ok(cases.length >= 30, String(cases.length));
  const all = cases.flatMap((c) => c.failures).join(' ');
  for (const code of [
    'ERR_JWT_EXPIRED',
    'ERR_JWT_NOT_YET_VALID',
    'ERR_JWT_CLAIM_INVALID iss',
    'ERR_JWT_CLAIM_INVALID aud',
    'ERR_JWT_CLAIM_INVALID typ',
    'ERR_CRIT_UNSUPPORTED',
    'ERR_KEY_INVALID',
    'ERR_JWS_MALFORMED',
    'ERR_NOT_A_JWT',
  ])
    assert.ok(all.includes(code), code);
  assert.ok(cases.some((c) => c.warnings?.includes('WEAK_SECRET')));
});

/** The key as the core takes it, read from the fixture's text the way both front-ends read it. */
function keyFor(c: FixtureCase): VerifyKey {
  if (c.key.kind === 'secret') return decodeSecret(c.key.text, 'utf8')!;
  const k = readKeyText(c.key.text, { algorithms: isJwsAlg(c.options.alg) ? [c.options.alg] : [] });
  return k.kind === 'key' ? k.key : createLocalKeySet(k.jwks);
}

test('@tessera/inspect reaches every fixture verdict and failure list by itself', () => {
  for (const c of cases) {
    const r = verifyReport(decodeToken(c.token), keyFor(c), {
      algorithms: isJwsAlg(c.options.alg) ? [c.options.alg] : [],
      allowWeakKey: true,
      ...(c.options.iss !== undefined ? { issuer: c.options.iss } : {}),
      ...(c.options.aud !== undefined ? { audience: c.options.aud } : {}),
      ...(c.options.sub !== undefined ? { subject: c.options.sub } : {}),
      ...(c.options.typ !== undefined ? { typ: c.options.typ } : {}),
      requiredClaims: c.options.require ?? [],
      clockTolerance: c.options.clockTolerance ?? 0,
      currentDate: now,
    });
    const verdict: Verdict = r.errors.some((e) => e.check === 'key') ? 'key-refused' : r.status;
    assert.equal(verdict, c.verdict, c.name);
    assert.deepEqual(
      r.errors.map((e) => failureId(e.code!, e.reason !== undefined ? e.check : undefined)),
      c.failures,
      c.name,
    );
    assert.deepEqual(
      r.warnings.map((w) => w.code),
      c.warnings ?? [],
      c.name,
    );
  }
});
