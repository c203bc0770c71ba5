/**
 * The runtime matrix: the cases every runtime runs (Node.js, Bun, Deno, workerd, Chromium),
 * written against the fetch standard and Web Crypto only, so this module loads unchanged in
 * each. It imports the Web Crypto entry of the core, the guard (whose `@tessera/jose` import the
 * runtime's export condition resolves) and panva/jose for interop on the same runtime.
 */
import * as T from '@tessera/jose/webcrypto';
import * as J from 'jose';
import { createGuard } from '@tessera/guard';

/** What the Node.js side hands in: its 127.0.0.1 issuer and tokens it minted. */
export interface MatrixInput {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** An RFC 9068 token with scope `orders:read`, signed by the issuer's published key. */
  token: string;
  /** Private JWKs for the JWE cases (made on the Node.js side: RSA 2048, P-256, X25519). */
  jweKeys: { rsa: T.Jwk; p256: T.Jwk; x25519: T.Jwk };
}

export type CaseStatus = 'passed' | 'unsupported' | 'failed';
export interface CaseResult {
  name: string;
  status: CaseStatus;
  detail?: string;
}
export interface MatrixReport {
  runtime: string;
  results: CaseResult[];
}

class Expectation extends Error {}
function expect(ok: unknown, what: string): asserts ok {
  if (!ok) throw new Expectation(what);
}
async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(T.isJoseError(e) && e.code === code, `expected ${code}, got ${(e as Error).message}`);
    return;
  }
  throw new Expectation(`expected ${code}, got success`);
}

const ALGS = T.JWS_ALGORITHM_NAMES;

async function keysFor(alg: T.JwsAlg): Promise<{ sign: CryptoKey; verify: CryptoKey }> {
  if (alg.startsWith('HS')) {
    const k = await T.generateSecret(alg, { extractable: true });
    return { sign: k, verify: k };
  }
  const p = await T.generateKeyPair(alg, { extractable: true });
  return { sign: p.privateKey, verify: p.publicKey };
}

const now = new Date('2030-01-01T00:00:00Z');
const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);

function jwsCases(): [string, () => Promise<void>][] {
  return ALGS.map((alg) => [
    `JWS ${alg} sign+verify`,
    async () => {
      const k = await keysFor(alg);
      const jws = await T.signCompact('hello', k.sign, { alg, kid: 'k1' });
      const r = await T.verifyCompact(jws, k.verify, { algorithms: [alg] });
      expect(new TextDecoder().decode(r.payload) === 'hello', 'payload');
      const bad = `${jws.slice(0, -6)}${jws.slice(-6) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`;
      await rejectsWith(
        T.verifyCompact(bad, k.verify, { algorithms: [alg] }),
        'ERR_SIGNATURE_INVALID',
      );
    },
  ]);
}

// RFC 8037 §A.1/A.2 (Ed25519) and an Ed448 public key of the right length.
const ED25519_PUB = {
  kty: 'OKP',
  crv: 'Ed25519',
  x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
};
const ED448_PUB = {
  kty: 'OKP',
  crv: 'Ed448',
  x: 'X9dEm1m0Yf0s54fsYWrUah2hNCSFpw4fig6nXYDpZ3jt8SR2m0bHBhvWeD3x5Q9s0foavq_oJWGA',
};

function jwkCases(): [string, () => Promise<void>][] {
  return [
    [
      'JWK import/export/thumbprint (RFC 8037 A.3)',
      async () => {
        const key = await T.importJwk(ED25519_PUB, 'EdDSA');
        const back = await T.exportJwk(key);
        expect(back.x === ED25519_PUB.x && back.crv === 'Ed25519', 'round trip');
        // RFC 8037 §A.3: the thumbprint of that key.
        const t = await T.calculateJwkThumbprint(key);
        expect(t === 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k', `thumbprint ${t}`);
      },
    ],
    [
      'JWK export/import RSA, EC, oct',
      async () => {
        for (const alg of ['RS256', 'ES384', 'HS512'] as const) {
          const k = await keysFor(alg);
          const jwk = await T.exportJwk(k.verify);
          const again = await T.importJwk(jwk, alg, { use: 'verify' });
          const jws = await T.signCompact('x', k.sign, { alg });
          await T.verifyCompact(jws, again, { algorithms: [alg] });
          const jt = await J.calculateJwkThumbprint(jwk as J.JWK);
          expect(jt === (await T.calculateJwkThumbprint(jwk)), `${alg} thumbprint`);
        }
      },
    ],
    [
      'JWK Ed448 (EdDSA)',
      async () => {
        await T.importJwk(ED448_PUB, 'EdDSA');
      },
    ],
  ];
}

function jwtCases(): [string, () => Promise<void>][] {
  return [
    [
      'JWT claims with an injected clock',
      async () => {
        const k = await keysFor('ES256');
        const token = await T.signJwt({ scope: 'a' }, k.sign, {
          alg: 'ES256',
          issuer: 'https://i.example',
          audience: 'api',
          subject: 'u1',
          currentDate: now,
          expiresIn: 60,
          notBefore: 10,
        });
        const o = {
          algorithms: ['ES256'] as T.JwsAlg[],
          issuer: 'https://i.example',
          audience: 'api',
        };
        const r = await T.verifyJwt(token, k.verify, { ...o, currentDate: at(30) });
        expect(r.payload.sub === 'u1', 'sub');
        await rejectsWith(
          T.verifyJwt(token, k.verify, { ...o, currentDate: at(61) }),
          'ERR_JWT_EXPIRED',
        );
        await rejectsWith(
          T.verifyJwt(token, k.verify, { ...o, currentDate: at(5) }),
          'ERR_JWT_NOT_YET_VALID',
        );
        await rejectsWith(
          T.verifyJwt(token, k.verify, { ...o, audience: 'other', currentDate: at(30) }),
          'ERR_JWT_CLAIM_INVALID',
        );
        await rejectsWith(
          T.verifyJwt(token, k.verify, { algorithms: ['RS256'] }),
          'ERR_ALG_NOT_ALLOWED',
        );
      },
    ],
  ];
}

function keySetCases(input: MatrixInput): [string, () => Promise<void>][] {
  return [
    [
      'local key set (kid selection)',
      async () => {
        const a = await keysFor('ES256');
        const b = await keysFor('EdDSA');
        const jwks = {
          keys: [
            { ...(await T.exportJwk(a.verify)), kid: 'a' },
            { ...(await T.exportJwk(b.verify)), kid: 'b' },
          ],
        };
        const set = T.createLocalKeySet(jwks);
        const token = await T.signJwt({}, b.sign, { alg: 'EdDSA', kid: 'b' });
        const r = await T.verifyJwt(token, set, { algorithms: ['ES256', 'EdDSA'] });
        expect(r.protectedHeader.kid === 'b', 'kid');
        const unknown = await T.signJwt({}, b.sign, { alg: 'EdDSA', kid: 'zz' });
        await rejectsWith(
          T.verifyJwt(unknown, set, { algorithms: ['EdDSA'] }),
          'ERR_KEY_NOT_FOUND',
        );
      },
    ],
    [
      'remote key set (127.0.0.1 JWKS server)',
      async () => {
        const set = T.createRemoteKeySet(input.jwksUrl, { allowHttpLoopback: true });
        const verify = T.createVerifier({
          key: set,
          algorithms: ['EdDSA', 'ES256'],
          issuer: input.issuer,
          audience: input.audience,
        });
        const r = await verify(input.token);
        expect(r.payload.sub === 'user-1', 'sub');
        expect(set.status().fetches === 1, 'one fetch');
      },
    ],
  ];
}

function guardCases(input: MatrixInput): [string, () => Promise<void>][] {
  return [
    [
      'guard fetch entry 200/401/403',
      async () => {
        const guard = createGuard({
          issuer: input.issuer,
          audience: input.audience,
          allowHttpLoopback: true,
          realm: 'orders',
        });
        const req = (authorization?: string) =>
          new Request(
            'https://api.test/orders',
            authorization ? { headers: { authorization } } : {},
          );
        const ok = await guard.verifyRequest(req(`Bearer ${input.token}`), {
          scopes: ['orders:read'],
        });
        expect(!(ok instanceof Response) && ok.subject === 'user-1', '200');
        const none = await guard.verifyRequest(req());
        expect(none instanceof Response && none.status === 401, '401 without token');
        expect(none.headers.get('www-authenticate') === 'Bearer realm="orders"', 'challenge');
        const bad = await guard.verifyRequest(req(`Bearer ${input.token.slice(0, -4)}AAAA`));
        expect(bad instanceof Response && bad.status === 401, '401 bad signature');
        const scope = await guard.verifyRequest(req(`Bearer ${input.token}`), {
          scopes: ['admin'],
        });
        expect(scope instanceof Response && scope.status === 403, '403');
        guard.close();
      },
    ],
  ];
}

const PUBLIC = ['kty', 'crv', 'x', 'y', 'n', 'e'];
const publicOf = (jwk: T.Jwk): T.Jwk =>
  Object.fromEntries(Object.entries(jwk).filter(([k]) => PUBLIC.includes(k))) as T.Jwk;
const randomOct = (bytes: number): T.Jwk => ({
  kty: 'oct',
  k: T.encodeBase64url(crypto.getRandomValues(new Uint8Array(bytes))),
});

type JweCase = [
  T.EncryptOptions['alg'],
  T.EncryptOptions['enc'],
  'rsa' | 'p256' | 'x25519' | number | 'password',
];
const JWE_CASES: readonly JweCase[] = [
  ['dir', 'A256GCM', 32],
  ['dir', 'A128CBC-HS256', 32],
  ['A128KW', 'A128GCM', 16],
  ['A256GCMKW', 'A256GCM', 32],
  ['RSA-OAEP', 'A256GCM', 'rsa'],
  ['RSA-OAEP-256', 'A256CBC-HS512', 'rsa'],
  ['ECDH-ES', 'A256GCM', 'p256'],
  ['ECDH-ES+A256KW', 'A256GCM', 'p256'],
  ['ECDH-ES+A128KW', 'A128GCM', 'x25519'],
  ['PBES2-HS256+A128KW', 'A128GCM', 'password'],
];

function jweCases(input: MatrixInput): [string, () => Promise<void>][] {
  const out: [string, () => Promise<void>][] = JWE_CASES.map(([alg, enc, kind]) => [
    `JWE ${kind === 'x25519' ? 'X25519' : `${alg}/${enc}`} encrypt+decrypt`,
    async () => {
      let pub: T.WebJweKey;
      let priv: T.WebJweKey;
      if (typeof kind === 'number') pub = priv = randomOct(kind);
      else if (kind === 'password') pub = priv = new TextEncoder().encode('correct horse battery');
      else {
        priv = input.jweKeys[kind];
        pub = publicOf(input.jweKeys[kind]);
      }
      const o = { keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: [enc] };
      const jwe = await T.encryptCompact('secret', pub, { alg, enc, zip: 'DEF' });
      const r = await T.decryptCompact(jwe, priv, o);
      expect(new TextDecoder().decode(r.plaintext) === 'secret', 'plaintext');
      const parts = jwe.split('.');
      parts[4] = parts[4]!.startsWith('A') ? `B${parts[4]!.slice(1)}` : `A${parts[4]!.slice(1)}`;
      await rejectsWith(T.decryptCompact(parts.join('.'), priv, o), 'ERR_JWE_DECRYPTION_FAILED');
    },
  ]);
  out.push([
    'RSA keys with e = 3 refused at import (JWS and JWE), as on the Node.js core',
    async () => {
      const weak = { ...publicOf(input.jweKeys.rsa), e: 'Aw' } as T.Jwk;
      await rejectsWith(T.importJwk(weak, 'RS256'), 'ERR_KEY_INVALID');
      await rejectsWith(
        T.encryptCompact('x', weak, { alg: 'RSA-OAEP-256', enc: 'A128GCM' }),
        'ERR_KEY_INVALID',
      );
    },
  ]);
  out.push([
    'interop JWE: panva/jose and Tessera decrypt each other (ECDH-ES+A256KW)',
    async () => {
      const priv = input.jweKeys.p256;
      const o = {
        keyManagementAlgorithms: ['ECDH-ES+A256KW' as const],
        contentEncryptionAlgorithms: ['A256GCM' as const],
      };
      const ours = await T.encryptCompact('ours', publicOf(priv), {
        alg: 'ECDH-ES+A256KW',
        enc: 'A256GCM',
      });
      const mine = await J.compactDecrypt(ours, await J.importJWK(priv as J.JWK, 'ECDH-ES+A256KW'));
      expect(new TextDecoder().decode(mine.plaintext) === 'ours', 'jose decrypts ours');
      const theirs = await new J.CompactEncrypt(new TextEncoder().encode('theirs'))
        .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' })
        .encrypt(await J.importJWK(publicOf(priv) as J.JWK, 'ECDH-ES+A256KW'));
      const back = await T.decryptCompact(theirs, priv, o);
      expect(new TextDecoder().decode(back.plaintext) === 'theirs', 'we decrypt jose');
    },
  ]);
  return out;
}

const utf8 = (b: Uint8Array) => new TextDecoder().decode(b);

function jsonCases(input: MatrixInput): [string, () => Promise<void>][] {
  const priv = input.jweKeys;
  const jweOptions = (alg: T.EncryptOptions['alg'], enc: T.EncryptOptions['enc']) => ({
    keyManagementAlgorithms: [alg],
    contentEncryptionAlgorithms: [enc],
  });
  return [
    [
      'JWS JSON flattened and general (ES256, HS256)',
      async () => {
        const ec = await keysFor('ES256');
        const hs = await keysFor('HS256');
        const f = await T.signFlattened('flat', ec.sign, {
          alg: 'ES256',
          unprotectedHeader: { kid: 'e' },
        });
        const r = await T.verifyFlattened(f, ec.verify, { algorithms: ['ES256'] });
        expect(utf8(r.payload) === 'flat' && r.unprotectedHeader?.kid === 'e', 'flattened');
        const g = await T.signGeneral('both', [
          { key: ec.sign, alg: 'ES256', kid: 'e' },
          { key: hs.sign, alg: 'HS256', kid: 'h' },
        ]);
        const byHs = await T.verifyGeneral(g, hs.verify, { algorithms: ['HS256'] });
        expect(byHs.protectedHeader.kid === 'h', 'general by HS256');
        await rejectsWith(
          T.verifyFlattened(
            { ...f, payload: T.encodeBase64url(new TextEncoder().encode('x')) },
            ec.verify,
            {
              algorithms: ['ES256'],
            },
          ),
          'ERR_SIGNATURE_INVALID',
        );
        await rejectsWith(
          T.verifyFlattened({ ...f, header: { alg: 'ES256' } }, ec.verify, {
            algorithms: ['ES256'],
          }),
          'ERR_HEADER_INVALID',
        );
      },
    ],
    [
      'JWE JSON flattened and general (ECDH-ES+A256KW, RSA-OAEP-256, A128KW)',
      async () => {
        const kek = randomOct(16);
        const f = await T.encryptFlattened('flat', publicOf(priv.p256), {
          alg: 'ECDH-ES+A256KW',
          enc: 'A256GCM',
          aad: 'context',
          unprotectedHeader: { 'x-u': 1 },
        });
        const o = jweOptions('ECDH-ES+A256KW', 'A256GCM');
        const r = await T.decryptFlattened(f, priv.p256, o);
        expect(
          utf8(r.plaintext) === 'flat' && utf8(r.additionalAuthenticatedData!) === 'context',
          'flattened',
        );
        await rejectsWith(
          T.decryptFlattened({ ...f, aad: 'b3RoZXI' }, priv.p256, o),
          'ERR_JWE_DECRYPTION_FAILED',
        );
        const g = await T.encryptGeneral(
          'many',
          [
            { key: publicOf(priv.rsa), alg: 'RSA-OAEP-256', kid: 'r' },
            { key: kek, alg: 'A128KW', kid: 'k' },
          ],
          { enc: 'A128CBC-HS256', sharedUnprotectedHeader: { 'x-s': 1 } },
        );
        const all = {
          keyManagementAlgorithms: ['RSA-OAEP-256', 'A128KW'] as T.EncryptOptions['alg'][],
          contentEncryptionAlgorithms: ['A128CBC-HS256' as const],
        };
        for (const [key, kid] of [
          [priv.rsa, 'r'],
          [kek, 'k'],
        ] as const) {
          const d = await T.decryptGeneral(g, key, all);
          expect(
            utf8(d.plaintext) === 'many' && d.unprotectedHeader?.kid === kid,
            `general ${kid}`,
          );
        }
      },
    ],
    [
      'encrypted JWT and nested JWT (sign then encrypt)',
      async () => {
        const k = await keysFor('EdDSA');
        const o = {
          ...jweOptions('ECDH-ES', 'A256GCM'),
        };
        const plain = await T.encryptJwt({ n: 1 }, publicOf(priv.x25519), {
          alg: 'ECDH-ES',
          enc: 'A256GCM',
          expiresIn: 60,
          currentDate: now,
        });
        const r = await T.decryptJwt(plain, priv.x25519, { ...o, currentDate: at(30) });
        expect(r.payload['n'] === 1 && r.authenticated === false, 'encrypted only');
        await rejectsWith(
          T.decryptJwt(plain, priv.x25519, { ...o, currentDate: at(61) }),
          'ERR_JWT_EXPIRED',
        );
        const inner = await T.signJwt({ n: 2 }, k.sign, { alg: 'EdDSA', issuer: 'i' });
        const nested = await T.encryptNestedJwt(inner, publicOf(priv.x25519), {
          alg: 'ECDH-ES',
          enc: 'A256GCM',
        });
        const decrypt = T.createDecrypter({
          key: priv.x25519,
          ...o,
          nested: { key: k.verify, algorithms: ['EdDSA'], issuer: 'i' },
        });
        const n = await decrypt(nested);
        expect(n.payload['n'] === 2 && n.authenticated, 'nested');
        await rejectsWith(T.decryptJwt(nested, priv.x25519, o), 'ERR_JWT_NESTED');
        await rejectsWith(decrypt(plain), 'ERR_JWT_NOT_NESTED');
      },
    ],
    [
      'interop JSON: panva/jose and Tessera read each other (general JWS, flattened JWE)',
      async () => {
        const k = await keysFor('ES256');
        const theirs = await new J.GeneralSign(new TextEncoder().encode('theirs'))
          .addSignature(k.sign)
          .setProtectedHeader({ alg: 'ES256' })
          .sign();
        const mine = await T.verifyGeneral(theirs as T.GeneralJws, k.verify, {
          algorithms: ['ES256'],
        });
        expect(utf8(mine.payload) === 'theirs', 'we verify jose');
        const ours = await T.signFlattened('ours', k.sign, { alg: 'ES256' });
        await J.flattenedVerify(ours as J.FlattenedJWSInput, k.verify);
        const jwe = await T.encryptFlattened('secret', publicOf(priv.p256), {
          alg: 'ECDH-ES+A256KW',
          enc: 'A256GCM',
          aad: 'a',
        });
        const out = await J.flattenedDecrypt(
          jwe as J.FlattenedJWE,
          await J.importJWK(priv.p256 as J.JWK, 'ECDH-ES+A256KW'),
        );
        expect(utf8(out.plaintext) === 'secret', 'jose decrypts ours');
      },
    ],
  ];
}

const INTEROP_ALGS = ['HS256', 'RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const;

function interopCases(): [string, () => Promise<void>][] {
  return INTEROP_ALGS.flatMap((alg): [string, () => Promise<void>][] => [
    [
      `interop ${alg}: Tessera signs, panva/jose verifies`,
      async () => {
        const k = await keysFor(alg);
        const token = await T.signJwt({ n: 1 }, k.sign, { alg, issuer: 'i', expiresIn: 60 });
        const r = await J.jwtVerify(token, k.verify, { algorithms: [alg], issuer: 'i' });
        expect(r.payload['n'] === 1, 'claim');
      },
    ],
    [
      `interop ${alg}: panva/jose signs, Tessera verifies`,
      async () => {
        const k = await keysFor(alg);
        const token = await new J.SignJWT({ n: 2 })
          .setProtectedHeader({ alg })
          .setIssuer('i')
          .setIssuedAt()
          .setExpirationTime('1m')
          .sign(k.sign);
        const r = await T.verifyJwt(token, k.verify, { algorithms: [alg], issuer: 'i' });
        expect(r.payload['n'] === 2, 'claim');
      },
    ],
  ]);
}

/** Run every case; an `ERR_ALG_UNSUPPORTED` is "unsupported", anything else unexpected "failed". */
export async function runMatrix(input: MatrixInput): Promise<MatrixReport> {
  const cases = [
    ...jwsCases(),
    ...jwkCases(),
    ...jwtCases(),
    ...keySetCases(input),
    ...guardCases(input),
    ...interopCases(),
    ...jweCases(input),
    ...jsonCases(input),
  ];
  const results: CaseResult[] = [];
  for (const [name, run] of cases) {
    try {
      await run();
      results.push({ name, status: 'passed' });
    } catch (e) {
      if (T.isJoseError(e) && e.code === 'ERR_ALG_UNSUPPORTED') {
        results.push({ name, status: 'unsupported', detail: e.message });
      } else {
        const err = e as Error;
        results.push({
          name,
          status: 'failed',
          detail: `${err?.name}: ${err?.message}`.slice(0, 300),
        });
      }
    }
  }
  return { runtime: T.runtimeName(), results };
}
