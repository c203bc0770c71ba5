import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalKeySet } from '@tessera/jose';
import { buildTrace } from './build-trace.js';
import { renderMermaid } from './render/mermaid.js';
import { renderSvg } from './render/svg.js';
import { jwksOf, OTHER_KEY, SIGNED_RAWS, SIGNER, START } from './test-support/raw-flows.js';

const signer = SIGNER;
const other = OTHER_KEY;
const jwks = jwksOf;
const raws = SIGNED_RAWS;

test('tokens are summarised from the unverified header and claims and linked by fingerprint', () => {
  const t = buildTrace(raws, { source: 'run', startedAt: START });
  assert.equal(t.tokens.length, 1);
  const s = t.tokens[0]!;
  assert.deepEqual(
    {
      kind: s.kind,
      alg: s.alg,
      kid: s.kid,
      typ: s.typ,
      lifetimeSec: s.lifetimeSec,
      issuedIn: s.issuedIn,
      issuedAs: s.issuedAs,
      presentedIn: s.presentedIn,
    },
    {
      kind: 'jwt',
      alg: 'EdDSA',
      kid: 'k1',
      typ: 'at+jwt',
      lifetimeSec: 600,
      issuedIn: 1,
      issuedAs: 'access_token',
      presentedIn: [2],
    },
  );
  assert.equal(s.verified, undefined, 'no keys, no verdict');
});

test('with keys, signatures are checked: valid with the signer key, invalid (with a finding) with another', () => {
  const good = buildTrace(raws, {
    source: 'run',
    startedAt: START,
    verify: { keys: createLocalKeySet(jwks(signer.publicKey)), algorithms: ['EdDSA'] },
  });
  assert.equal(good.tokens[0]!.verified, 'valid');
  assert.match(renderMermaid(good), /EdDSA, exp \+10m, verified\)/);
  const bad = buildTrace(raws, {
    source: 'run',
    startedAt: START,
    verify: { keys: createLocalKeySet(jwks(other.publicKey)), algorithms: ['EdDSA'] },
  });
  assert.equal(bad.tokens[0]!.verified, 'invalid');
  assert.equal(bad.tokens[0]!.verifyError, 'ERR_SIGNATURE_INVALID');
  assert.ok(bad.findings.some((f) => f.code === 'token-not-verified' && f.exchanges[0] === 1));
  assert.ok(renderSvg(bad).includes('NOT VERIFIED: ERR_SIGNATURE_INVALID'));
  const notAllowed = buildTrace(raws, {
    source: 'run',
    startedAt: START,
    verify: { keys: createLocalKeySet(jwks(signer.publicKey)), algorithms: ['ES256'] },
  });
  assert.equal(notAllowed.tokens[0]!.verifyError, 'ERR_ALG_NOT_ALLOWED');
});

test('an actor lifeline sits left of the client', () => {
  const t = buildTrace(raws, { source: 'har', startedAt: START, actor: 'Alice' });
  assert.deepEqual(
    t.participants.map((p) => [p.id, p.kind, p.label]),
    [
      ['actor', 'actor', 'Alice'],
      ['client', 'client', 'Browser'],
      ['svc1', 'service', '127.0.0.1:3000'],
    ],
  );
  assert.match(renderMermaid(t), /\n {2}actor actor as Alice\n {2}participant client as Browser\n/);
});
