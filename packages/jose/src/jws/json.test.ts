/**
 * The JWS JSON serializations (RFC 7515 §7.2), one table of cases run on both entries (the
 * Node.js core and the Web Crypto entry): the same results and the same refusals, and what one
 * entry signs the other verifies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { exportJwk, type GeneralJws, type Jwk } from '../index.js';
import { MAX_SIGNATURES } from './json.js';
import { assertJoseErrorAsync } from '../test-support/assert-jose.js';
import { ENTRIES, NODE, outcome, WEB } from '../test-support/entries.js';
import { pair, SECRET } from '../test-support/tokens.js';

const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const jwkPair = (name: string) => {
  const p = pair(name);
  return { priv: exportJwk(p.privateKey), pub: exportJwk(p.publicKey) as Jwk };
};

for (const E of ENTRIES) {
  test(`${E.name} flattened: protected and unprotected headers come back separately`, async () => {
    const f = await E.signFlattened('hi', SECRET, {
      alg: 'HS384',
      kid: 'p',
      unprotectedHeader: { 'x-u': true },
    });
    const o = { algorithms: ['HS384'] } as const;
    const r = await E.verifyFlattened(f, SECRET, o);
    assert.equal(text(r.payload), 'hi');
    assert.deepEqual(r.protectedHeader, { alg: 'HS384', kid: 'p' });
    assert.deepEqual(r.unprotectedHeader, { 'x-u': true });
    const bad = (jws: unknown) => E.verifyFlattened(jws as never, SECRET, o);
    await assertJoseErrorAsync(() => bad({ ...f, signatures: [] }), 'ERR_JWS_MALFORMED');
    await assertJoseErrorAsync(() => bad({ ...f, payload: 5 }), 'ERR_JWS_MALFORMED');
    await assertJoseErrorAsync(() => bad({ ...f, header: 'x' }), 'ERR_JWS_MALFORMED');
    await assertJoseErrorAsync(() => bad({ ...f, signature: 1 }), 'ERR_JWS_MALFORMED');
    await assertJoseErrorAsync(() => bad({ ...f, header: { kid: 1 } }), 'ERR_HEADER_INVALID');
    // An empty payload member is an empty payload (detached content omits the member instead).
    const empty = await E.signFlattened('', SECRET, { alg: 'HS256' });
    assert.equal(empty.payload, '');
    assert.equal(
      (await E.verifyFlattened(empty, SECRET, { algorithms: ['HS256'] })).payload.length,
      0,
    );
  });

  test(`${E.name} general: any one verifying signature suffices; the count is bounded`, async () => {
    const ec = jwkPair('p384');
    const g = await E.signGeneral('multi', [
      { key: SECRET, alg: 'HS512', unprotectedHeader: { kid: 'mac' } },
      { key: ec.priv, alg: 'ES384', kid: 'ec' },
    ]);
    assert.equal(g.signatures.length, 2);
    const byEc = await E.verifyGeneral(g, ec.pub, { algorithms: ['ES384'] });
    assert.equal(byEc.protectedHeader.kid, 'ec');
    const byMac = await E.verifyGeneral(g, SECRET, { algorithms: ['HS512'] });
    assert.equal(byMac.unprotectedHeader?.kid, 'mac');
    await assertJoseErrorAsync(
      () => E.verifyGeneral(g, jwkPair('p384').pub, { algorithms: ['HS256'] }),
      'ERR_ALG_NOT_ALLOWED',
    );
    const tooMany: GeneralJws = {
      payload: g.payload!,
      signatures: Array.from({ length: MAX_SIGNATURES + 1 }, () => g.signatures[0]!),
    };
    await assertJoseErrorAsync(
      () => E.verifyGeneral(tooMany, SECRET, { algorithms: ['HS512'] }),
      'ERR_JWS_MALFORMED',
    );
    await assertJoseErrorAsync(
      () => E.verifyGeneral({ payload: 'x', signatures: [] }, SECRET, { algorithms: ['HS512'] }),
      'ERR_JWS_MALFORMED',
    );
    await assertJoseErrorAsync(() => E.signGeneral('x', []), 'ERR_OPTIONS_INVALID');
    await assertJoseErrorAsync(
      () =>
        E.signFlattened('x', SECRET, { alg: 'HS256', kid: 'a', unprotectedHeader: { kid: 'b' } }),
      'ERR_HEADER_INVALID',
    );
  });

  test(`${E.name} b64:false in the JSON forms: the payload member is the text itself`, async () => {
    const f = await E.signFlattened('$.02 ✓', SECRET, { alg: 'HS256', b64: false });
    assert.equal(f.payload, '$.02 ✓');
    const o = { algorithms: ['HS256'] } as const;
    assert.equal(text((await E.verifyFlattened(f, SECRET, o)).payload), '$.02 ✓');
    const g = await E.signGeneral('body', [{ key: SECRET, alg: 'HS256' }], { b64: false });
    assert.equal(text((await E.verifyGeneral(g, SECRET, o)).payload), 'body');
    await assertJoseErrorAsync(
      () => E.verifyFlattened({ ...f, payload: 'other' }, SECRET, o),
      'ERR_SIGNATURE_INVALID',
    );
  });

  test(`${E.name} detached content and the unprotected header rules`, async () => {
    const f = await E.signFlattened('body', SECRET, { alg: 'HS256' });
    const { payload: _omitted, ...detached } = f;
    const o = { algorithms: ['HS256'] } as const;
    const r = await E.verifyFlattened(detached, SECRET, { ...o, detachedPayload: 'body' });
    assert.equal(text(r.payload), 'body');
    await assertJoseErrorAsync(() => E.verifyFlattened(detached, SECRET, o), 'ERR_JWS_MALFORMED');
    await assertJoseErrorAsync(
      () => E.verifyFlattened(f, SECRET, { ...o, detachedPayload: 'body' }),
      'ERR_JWS_MALFORMED',
    );
    for (const unprotectedHeader of [{ alg: 'HS256' }, { crit: ['x'] }, { b64: true }, 'x'])
      await assertJoseErrorAsync(
        () => E.signFlattened('x', SECRET, { alg: 'HS256', unprotectedHeader } as never),
        'ERR_OPTIONS_INVALID',
      );
  });
}

test('JWS JSON: what one entry signs the other verifies (every family), with the same result', async () => {
  for (const [alg, name] of [
    ['HS256', undefined],
    ['RS256', 'rsa2048'],
    ['PS384', 'rsa2048'],
    ['ES256', 'p256'],
    ['ES512', 'p521'],
    ['EdDSA', 'ed25519'],
  ] as const) {
    const k = name === undefined ? { priv: SECRET, pub: SECRET } : jwkPair(name);
    const o = { algorithms: [alg] };
    for (const [from, to] of [
      [NODE, WEB],
      [WEB, NODE],
    ] as const) {
      const f = await from.signFlattened('x', k.priv, { alg, unprotectedHeader: { kid: 'u' } });
      const g = await from.signGeneral('y', [{ key: k.priv, alg, kid: 'p' }]);
      const flat = await outcome(() => to.verifyFlattened(f, k.pub, o));
      assert.match(flat, /^ok /, `${alg} ${from.name} → ${to.name}`);
      assert.equal(await outcome(() => from.verifyFlattened(f, k.pub, o)), flat);
      const gen = await outcome(() => to.verifyGeneral(g, k.pub, o));
      assert.match(gen, /^ok /, `${alg} general ${from.name} → ${to.name}`);
    }
  }
});

test('JWS JSON: a table of hostile objects gets the same refusal (class and code) from both entries', async () => {
  const f = await ENTRIES[0]!.signFlattened('hi', SECRET, { alg: 'HS256', kid: 'k' });
  const o = { algorithms: ['HS256'] } as const;
  const prot = (h: unknown) =>
    Buffer.from(typeof h === 'string' ? h : JSON.stringify(h)).toString('base64url');
  const cases: [string, unknown, object?][] = [
    ['not an object', 'x'],
    ['null', null],
    ['no protected', { payload: f.payload, signature: f.signature }],
    ['empty protected', { ...f, protected: '' }],
    ['alg unprotected only', { ...f, protected: prot({ kid: 'k' }), header: { alg: 'HS256' } }],
    ['alg none', { ...f, protected: prot({ alg: 'none' }) }],
    ['alg not allowed', { ...f, protected: prot({ alg: 'HS512' }) }],
    ['duplicate member', { ...f, protected: prot('{"alg":"HS256","alg":"HS256"}') }],
    ['crit unknown', { ...f, protected: prot({ alg: 'HS256', crit: ['x'], x: 1 }) }],
    ['crit in unprotected', { ...f, header: { crit: ['x'] } }],
    ['b64 unprotected', { ...f, header: { b64: false } }],
    ['overlapping headers', { ...f, header: { kid: 'k' } }],
    ['bad base64url signature', { ...f, signature: `${f.signature}=` }],
    ['bad base64url payload', { ...f, payload: '+' }],
    [
      'wrong signature',
      { ...f, signature: f.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) },
    ],
    ['empty signature', { ...f, signature: '' }],
    ['too large', f, { maxTokenLength: 20 }],
    ['general with signatures', { ...f, signatures: [] }],
    ['general: entry not an object', { payload: f.payload, signatures: [1] }],
    ['general: empty', { payload: f.payload, signatures: [] }],
  ];
  const seen = new Set<string>();
  for (const [what, jws, extra] of cases) {
    const options = { ...o, ...extra };
    const isGeneral = what.startsWith('general:');
    const [n, w] = await Promise.all(
      ENTRIES.map((E) =>
        outcome(() =>
          isGeneral
            ? E.verifyGeneral(jws as never, SECRET, options)
            : E.verifyFlattened(jws as never, SECRET, options),
        ),
      ),
    );
    assert.equal(w, n, what);
    assert.doesNotMatch(n!, /^ok /, `${what} is refused`);
    seen.add(n!);
  }
  assert.ok(seen.size >= 6, [...seen].join(', '));
});
