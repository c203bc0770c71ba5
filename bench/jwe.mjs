// JWE beside jose: dir + A256GCM and ECDH-ES+A256KW (+ A256GCM), encrypt and decrypt of the
// same claims (iss, aud, iat, exp checked on decrypt). Runs once @tessera/jose exports
// encryptJwt/decryptJwt; fast-jwt and jsonwebtoken have no JWE.
import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import * as tessera from '@tessera/jose';
import * as jose from 'jose';
import { AUDIENCE, ISSUER, LIFETIME, TOKEN_SET_SIZE, claimsFor } from './fixtures.mjs';

const MASK = TOKEN_SET_SIZE - 1;

const SUITES = [
  {
    name: 'dir+A256GCM',
    alg: 'dir',
    enc: 'A256GCM',
    keys() {
      const k = createSecretKey(randomBytes(32));
      return { encryptKey: k, decryptKey: k };
    },
  },
  {
    name: 'ECDH-ES+A256KW',
    alg: 'ECDH-ES+A256KW',
    enc: 'A256GCM',
    keys() {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      return { encryptKey: publicKey, decryptKey: privateKey };
    },
  },
];

function adapters(s, keys) {
  const tOpts = { alg: s.alg, enc: s.enc, issuer: ISSUER, audience: AUDIENCE, expiresIn: LIFETIME };
  const tDecrypt = {
    keyManagementAlgorithms: [s.alg],
    contentEncryptionAlgorithms: [s.enc],
    issuer: ISSUER,
    audience: AUDIENCE,
  };
  return [
    [
      'tessera',
      {
        async: false,
        encrypt: (claims) => tessera.encryptJwt(claims, keys.encryptKey, tOpts),
        decrypt: (token) => tessera.decryptJwt(token, keys.decryptKey, tDecrypt),
      },
    ],
    [
      'jose',
      {
        async: true,
        encrypt: (claims) =>
          new jose.EncryptJWT(claims)
            .setProtectedHeader({ alg: s.alg, enc: s.enc, typ: 'JWT' })
            .setIssuedAt()
            .setIssuer(ISSUER)
            .setAudience(AUDIENCE)
            .setExpirationTime(`${LIFETIME}s`)
            .encrypt(keys.encryptKey),
        decrypt: (token) => jose.jwtDecrypt(token, keys.decryptKey, tDecrypt),
      },
    ],
  ];
}

export async function jweCases(only) {
  if (typeof tessera.encryptJwt !== 'function' || typeof tessera.decryptJwt !== 'function')
    return [];
  const claims = Array.from({ length: TOKEN_SET_SIZE }, (_, i) => claimsFor(i));
  const cases = [];
  for (const s of SUITES) {
    if (only && !only.includes(s.name)) continue;
    const keys = s.keys();
    const libs = adapters(s, keys);
    const tokens = [];
    for (let i = 0; i < TOKEN_SET_SIZE; i++) tokens.push(libs[0][1].encrypt(claims[i]));
    // Both libraries decrypt both libraries' tokens before anything is timed.
    const joseToken = await libs[1][1].encrypt(claims[0]);
    for (const [, a] of libs) {
      for (const t of [...tokens, joseToken]) {
        const r = await a.decrypt(t);
        if (typeof r.payload.sub !== 'string') throw new Error(`${s.name}: no claims`);
      }
    }
    cases.push({
      alg: s.name,
      op: 'encrypt',
      participants: libs.map(([name, a]) => ({
        name,
        async: a.async,
        fn: (i) => a.encrypt(claims[i & MASK]),
      })),
    });
    cases.push({
      alg: s.name,
      op: 'decrypt',
      participants: libs.map(([name, a]) => ({
        name,
        async: a.async,
        fn: (i) => a.decrypt(tokens[i & MASK]),
      })),
    });
  }
  return cases;
}
