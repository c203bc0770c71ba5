/**
 * Property tests (fast-check): every parse and verify entry point turns arbitrary input into a
 * JoseError — never an acceptance, never another exception — and sign → verify round-trips for
 * every algorithm. Run counts stay modest (2 shared cores).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { KeyObject } from 'node:crypto';
import fc from 'fast-check';
import {
  JoseError,
  JWS_ALGORITHM_NAMES,
  createLocalKeySet,
  decodeBase64url,
  decodeJwt,
  decodeProtectedHeader,
  decodeUnsecuredJwt,
  encodeBase64url,
  exportJwk,
  importJwk,
  importPem,
  signCompact,
  signFlattened,
  signGeneral,
  signJwt,
  verifyCompact,
  verifyFlattened,
  verifyGeneral,
  verifyJwt,
  type Jwk,
  type JwsAlg,
  type VerifyKey,
} from './index.js';
import { b64, NOW, NOW_S, pair, PAIR_FOR, rawSign, SECRET } from './test-support/tokens.js';

const RUNS = { numRuns: 200 };

/** Run fn: a JoseError is fine, a result is returned, anything else fails the property. */
function joseOrResult<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: JoseError } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof JoseError) return { ok: false, error: e };
    throw new Error(`not a JoseError: ${String((e as Error)?.stack ?? e)}`);
  }
}
function mustRefuse(fn: () => unknown): void {
  const r = joseOrResult(fn);
  if (r.ok) throw new Error('accepted an arbitrary input');
}

const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ maxLength: 200 }),
);
const b64char = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/. '.split(''),
);
const b64ish = fc.string({ unit: b64char, maxLength: 120 });
const tokenShaped = fc.tuple(b64ish, b64ish, b64ish).map(([a, b, c]) => `${a}.${b}.${c}`);
const jsonSegment = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => b64(JSON.stringify(v) ?? 'null')),
  fc.object({ maxDepth: 2 }).map((o) => b64(o)),
);
const algHeader = fc.record(
  {
    alg: fc.oneof(
      fc.constantFrom<unknown>(...JWS_ALGORITHM_NAMES, 'none', 'None', 'HS256 ', null, 1),
      fc.string(),
    ),
    kid: fc.option(fc.oneof(fc.string(), fc.integer()), { nil: undefined }),
    crit: fc.option(fc.oneof(fc.array(fc.string()), fc.string()), { nil: undefined }),
    b64: fc.option(fc.boolean(), { nil: undefined }),
    typ: fc.option(fc.string(), { nil: undefined }),
  },
  { requiredKeys: [] },
);
const structuredToken = fc
  .tuple(
    fc.oneof(
      jsonSegment,
      algHeader.map((h) => b64(h)),
    ),
    jsonSegment,
    fc.uint8Array({ maxLength: 140 }),
  )
  .map(([h, p, s]) => `${h}.${p}.${Buffer.from(s).toString('base64url')}`);

const KEYS: [VerifyKey, JwsAlg[]][] = [
  [SECRET, ['HS256', 'HS384', 'HS512']],
  [pair('p256').publicKey, ['ES256']],
  [pair('ed25519').publicKey, ['EdDSA', 'Ed25519']],
  [pair('rsa2048').publicKey, ['RS256', 'PS256']],
];

test('property: verifyJwt and verifyCompact never accept arbitrary strings or structured forgeries', () => {
  fc.assert(
    fc.property(
      fc.oneof(anyString, tokenShaped, structuredToken),
      fc.constantFrom(...KEYS),
      (token, [key, algorithms]) => {
        mustRefuse(() => verifyJwt(token, key, { algorithms, currentDate: NOW }));
        // Messages never carry the token (they end up in logs).
        const r = joseOrResult(() => verifyJwt(token, key, { algorithms, currentDate: NOW }));
        if (!r.ok && token.length >= 16) assert.ok(!r.error.message.includes(token));
        for (const seg of token.split('.'))
          if (!r.ok && seg.length >= 16) assert.ok(!r.error.message.includes(seg));
        mustRefuse(() => verifyCompact(token, key, { algorithms }));
        mustRefuse(() => verifyCompact(token, key, { algorithms, detachedPayload: 'x' }));
      },
    ),
    RUNS,
  );
});

test('property: verifyFlattened and verifyGeneral never accept arbitrary values or forged objects', () => {
  const flattenedShaped = fc.record(
    {
      protected: fc.oneof(
        jsonSegment,
        algHeader.map((h) => b64(h)),
        fc.anything(),
      ),
      payload: fc.oneof(b64ish, fc.anything()),
      header: fc.oneof(fc.constant(undefined), fc.object({ maxDepth: 1 }), algHeader),
      signature: fc.oneof(
        fc.uint8Array({ maxLength: 140 }).map((s) => Buffer.from(s).toString('base64url')),
        fc.anything(),
      ),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(
      fc.oneof(fc.anything(), flattenedShaped),
      fc.array(fc.oneof(flattenedShaped, fc.anything()), { maxLength: 3 }),
      fc.constantFrom(...KEYS),
      (flat, sigs, [key, algorithms]) => {
        mustRefuse(() => verifyFlattened(flat as never, key, { algorithms }));
        mustRefuse(() =>
          verifyGeneral(
            { payload: (flat as { payload?: string })?.payload, signatures: sigs } as never,
            key,
            { algorithms },
          ),
        );
        mustRefuse(() => verifyGeneral(flat as never, key, { algorithms }));
      },
    ),
    RUNS,
  );
});

test('property: an HMAC-valid token with arbitrary header and claims gives a checked result or a JoseError', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        algHeader.map((h) => ({ ...h, alg: 'HS256' })),
        fc.object({ maxDepth: 2 }),
      ),
      fc.oneof(
        fc.object({ maxDepth: 3 }),
        fc.jsonValue({ maxDepth: 3 }),
        fc.record(
          {
            exp: fc.oneof(fc.double(), fc.string(), fc.integer()),
            nbf: fc.oneof(fc.double(), fc.integer()),
            iat: fc.oneof(fc.double(), fc.integer()),
            aud: fc.oneof(fc.string(), fc.array(fc.oneof(fc.string(), fc.integer()))),
            iss: fc.anything(),
          },
          { requiredKeys: [] },
        ),
      ),
      (header, claims) => {
        const hp = `${b64(header)}.${b64(JSON.stringify(claims) ?? 'null')}`;
        const token = `${hp}.${b64(rawSign('HS256', SECRET, hp))}`;
        const r = joseOrResult(() =>
          verifyJwt(token, SECRET, {
            algorithms: ['HS256'],
            currentDate: NOW,
            audience: 'api',
            clockTolerance: 5,
          }),
        );
        if (r.ok) {
          const { payload, protectedHeader } = r.value;
          assert.equal(protectedHeader.alg, 'HS256');
          assert.ok(typeof payload === 'object' && payload !== null && !Array.isArray(payload));
          if (payload.exp !== undefined)
            assert.ok(typeof payload.exp === 'number' && NOW_S - 5 < payload.exp);
          if (payload.nbf !== undefined)
            assert.ok(typeof payload.nbf === 'number' && payload.nbf <= NOW_S + 5);
          const aud = payload.aud;
          assert.ok(aud === 'api' || (Array.isArray(aud) && aud.includes('api')));
        }
      },
    ),
    RUNS,
  );
});

test('property: decodeJwt, decodeProtectedHeader and decodeUnsecuredJwt give an object or a JoseError', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        anyString,
        tokenShaped,
        structuredToken,
        structuredToken.map((t) => t.slice(0, t.lastIndexOf('.') + 1)),
      ),
      (token) => {
        for (const fn of [
          () => decodeJwt(token),
          () => decodeProtectedHeader(token),
          () => decodeUnsecuredJwt(token, { currentDate: NOW }).payload,
        ]) {
          const r = joseOrResult(fn);
          if (r.ok)
            assert.ok(typeof r.value === 'object' && r.value !== null && !Array.isArray(r.value));
        }
        // An unsecured decode only ever returns for an alg:none header and an empty signature.
        const u = joseOrResult(() => decodeUnsecuredJwt(token, { currentDate: NOW }));
        if (u.ok) {
          assert.ok(token.endsWith('.'));
          assert.equal(decodeProtectedHeader(token).alg, 'none');
        }
      },
    ),
    RUNS,
  );
});

test('property: decodeBase64url accepts exactly the canonical encodings', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        anyString,
        b64ish,
        fc.uint8Array({ maxLength: 64 }).map((b) => encodeBase64url(b)),
      ),
      (s) => {
        const r = joseOrResult(() => decodeBase64url(s));
        if (r.ok) assert.equal(encodeBase64url(r.value), s, 'only canonical text decodes');
        else assert.equal(r.error.code, 'ERR_BASE64URL_INVALID');
      },
    ),
    { numRuns: 400 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
      assert.deepEqual(new Uint8Array(decodeBase64url(encodeBase64url(bytes))), bytes);
    }),
    RUNS,
  );
});

test('property: importJwk and importPem give a fitting KeyObject or a JoseError', () => {
  const b64member = fc.oneof(
    fc.uint8Array({ minLength: 0, maxLength: 80 }).map((b) => Buffer.from(b).toString('base64url')),
    fc.string({ maxLength: 20 }),
    fc.anything(),
  );
  const jwkShaped = fc.record(
    {
      kty: fc.oneof(fc.constantFrom('oct', 'RSA', 'EC', 'OKP', 'rsa', ''), fc.anything()),
      crv: fc.constantFrom(
        'P-256',
        'P-384',
        'P-521',
        'secp256k1',
        'Ed25519',
        'Ed448',
        'X25519',
        'X448',
        'P-257',
      ),
      x: b64member,
      y: b64member,
      d: b64member,
      n: b64member,
      e: fc.oneof(fc.constant('AQAB'), b64member),
      k: b64member,
      alg: fc.option(fc.constantFrom(...JWS_ALGORITHM_NAMES, 'none'), { nil: undefined }),
      use: fc.option(fc.constantFrom('sig', 'enc', 1), { nil: undefined }),
      key_ops: fc.option(
        fc.oneof(fc.array(fc.constantFrom('sign', 'verify', 'encrypt')), fc.anything()),
        { nil: undefined },
      ),
    },
    { requiredKeys: ['kty'] },
  );
  const alg = fc.option(fc.constantFrom(...JWS_ALGORITHM_NAMES), { nil: undefined });
  fc.assert(
    fc.property(fc.oneof(fc.anything(), jwkShaped), alg, (jwk, a) => {
      const r = joseOrResult(() => importJwk(jwk as Jwk, a));
      if (r.ok) {
        assert.ok(r.value instanceof KeyObject);
        if (a !== undefined && !a.startsWith('HS')) assert.notEqual(r.value.type, 'secret');
        if (a?.startsWith('HS')) assert.equal(r.value.type, 'secret');
      }
    }),
    RUNS,
  );
  const pemShaped = fc
    .tuple(
      fc.constantFrom(
        'PUBLIC KEY',
        'PRIVATE KEY',
        'RSA PUBLIC KEY',
        'CERTIFICATE',
        'EC PRIVATE KEY',
        'X',
      ),
      fc.uint8Array({ maxLength: 200 }),
    )
    .map(
      ([label, body]) =>
        `-----BEGIN ${label}-----\n${Buffer.from(body).toString('base64')}\n-----END ${label}-----\n`,
    );
  fc.assert(
    fc.property(
      fc.oneof(anyString, pemShaped, fc.anything()),
      fc.constantFrom(...JWS_ALGORITHM_NAMES, 'RSA-OAEP', 'nope'),
      (pem, a) => {
        mustRefuse(() => importPem(pem as string, a));
      },
    ),
    RUNS,
  );
});

test('property: createLocalKeySet refuses garbage, and a set built from arbitrary keys never verifies a forgery', () => {
  const realJwks = [
    exportJwk(pair('p256').publicKey),
    exportJwk(pair('ed25519').publicKey),
    { kty: 'oct', k: Buffer.from(SECRET).toString('base64url') },
  ];
  fc.assert(
    fc.property(
      fc.oneof(
        fc.anything(),
        fc.record({
          keys: fc.array(
            fc.oneof(fc.anything(), fc.constantFrom(...realJwks), fc.object({ maxDepth: 1 })),
            { maxLength: 5 },
          ),
        }),
      ),
      structuredToken,
      (jwks, token) => {
        const set = joseOrResult(() => createLocalKeySet(jwks as never));
        if (set.ok)
          mustRefuse(() =>
            verifyJwt(token, set.value, { algorithms: ['ES256', 'EdDSA', 'HS256'] }),
          );
      },
    ),
    RUNS,
  );
});

const claimsArb = fc
  .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 })
  .map((c) => {
    for (const k of ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']) delete c[k];
    return c;
  })
  .filter((c) => !/\\u[dD][89a-fA-F]/.test(JSON.stringify(c)));

test('property: sign → verify round-trips arbitrary claims for every algorithm', () => {
  for (const alg of JWS_ALGORITHM_NAMES) {
    const keys = alg.startsWith('HS')
      ? { privateKey: SECRET, publicKey: SECRET }
      : pair(PAIR_FOR[alg]!);
    fc.assert(
      fc.property(
        claimsArb,
        fc.option(fc.string({ minLength: 1, maxLength: 40 }), { nil: undefined }),
        (claims, kid) => {
          const token = signJwt(claims, keys.privateKey, {
            alg,
            currentDate: NOW,
            expiresIn: '5m',
            ...(kid ? { kid } : {}),
          });
          const { payload, protectedHeader } = verifyJwt(token, keys.publicKey, {
            algorithms: [alg],
            currentDate: NOW,
          });
          assert.deepEqual(payload, {
            ...JSON.parse(JSON.stringify(claims)),
            iat: NOW_S,
            exp: NOW_S + 300,
          });
          assert.equal(protectedHeader.alg, alg);
          assert.equal(protectedHeader.kid, kid);
        },
      ),
      { numRuns: alg.startsWith('RS') || alg.startsWith('PS') ? 15 : 40 },
    );
  }
});

test('property: JWS compact, flattened and general round-trip arbitrary payload bytes (b64 true and false)', () => {
  const { privateKey, publicKey } = pair('p256');
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), fc.string({ maxLength: 60 }), (bytes, text) => {
      const c = signCompact(bytes, privateKey, { alg: 'ES256' });
      assert.deepEqual(
        new Uint8Array(verifyCompact(c, publicKey, { algorithms: ['ES256'] }).payload),
        bytes,
      );
      const f = signFlattened(text, SECRET, { alg: 'HS512', unprotectedHeader: { kid: 'k' } });
      assert.equal(
        Buffer.from(verifyFlattened(f, SECRET, { algorithms: ['HS512'] }).payload).toString(),
        text,
      );
      const g = signGeneral(bytes, [
        { key: SECRET, alg: 'HS256' },
        { key: privateKey, alg: 'ES256' },
      ]);
      assert.deepEqual(
        new Uint8Array(verifyGeneral(g, publicKey, { algorithms: ['ES256'] }).payload),
        bytes,
      );
      const d = signCompact(text, SECRET, { alg: 'HS256', b64: false, detached: true });
      assert.equal(
        Buffer.from(
          verifyCompact(d, SECRET, { algorithms: ['HS256'], detachedPayload: text }).payload,
        ).toString(),
        text,
      );
    }),
    { numRuns: 60 },
  );
});

test('property: arbitrary option objects give a JoseError at configuration time, never another exception', () => {
  const token = signJwt({ sub: 'a', aud: 'api' }, SECRET, { alg: 'HS256', currentDate: NOW });
  const optionValue = fc.oneof(
    fc.anything(),
    fc.constantFrom<unknown>(
      ['HS256'],
      'HS256',
      '15m',
      30,
      -1,
      NaN,
      ['x'],
      { x: true },
      new Date(NaN),
      NOW,
    ),
  );
  const optionsArb = fc.record(
    {
      algorithms: optionValue,
      issuer: optionValue,
      audience: optionValue,
      subject: optionValue,
      typ: optionValue,
      clockTolerance: optionValue,
      maxTokenAge: optionValue,
      requiredClaims: optionValue,
      currentDate: optionValue,
      crit: optionValue,
      maxTokenLength: optionValue,
      allowDuplicateClaims: optionValue,
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(fc.oneof(optionsArb, fc.anything()), (o) => {
      joseOrResult(() => verifyJwt(token, SECRET, o as never));
      joseOrResult(() => verifyCompact(token, SECRET, o as never));
      joseOrResult(() => decodeUnsecuredJwt(token, o as never));
    }),
    RUNS,
  );
  const signOptions = fc.record(
    {
      alg: fc.oneof(fc.constantFrom<unknown>('HS256', 'HS512', 'none'), fc.anything()),
      kid: optionValue,
      typ: optionValue,
      header: optionValue,
      expiresIn: optionValue,
      notBefore: optionValue,
      issuer: optionValue,
      audience: optionValue,
      subject: optionValue,
      jwtId: optionValue,
      issuedAt: optionValue,
      currentDate: optionValue,
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(
      fc.oneof(signOptions, fc.anything()),
      fc.oneof(fc.object({ maxDepth: 2 }), fc.anything()),
      (o, claims) => {
        const r = joseOrResult(() => signJwt(claims as never, SECRET, o as never));
        if (r.ok) assert.equal(typeof r.value, 'string');
      },
    ),
    RUNS,
  );
});
