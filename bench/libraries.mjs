// One adapter per library: a signer and a verifier for one algorithm, configured alike
// (header {alg, typ: "JWT"}; claims + iss, aud, iat, exp; verification with an algorithm
// allowlist, issuer and audience). Each is the library's documented fast path.
import { createSigner, createVerifier } from '@tessera/jose';
import * as jose from 'jose';
import { createSigner as fastSigner, createVerifier as fastVerifier } from 'fast-jwt';
import jsonwebtoken from 'jsonwebtoken';
import { AUDIENCE, ISSUER, LIFETIME } from './fixtures.mjs';
import { makeFloor } from './floor.mjs';

export const LIBRARIES = ['tessera', 'fast-jwt', 'jose', 'jsonwebtoken', 'floor'];

/**
 * `{ sign(claims), verify(token), async }` for a library and algorithm, or undefined when the
 * library does not support the algorithm (jsonwebtoken has no EdDSA).
 */
export function makeAdapter(lib, alg, key, options = {}) {
  switch (lib) {
    case 'tessera': {
      const sign = createSigner({
        key: key.privateKey,
        alg,
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: LIFETIME,
      });
      const verify = createVerifier({
        key: key.publicKey,
        algorithms: [alg],
        issuer: ISSUER,
        audience: AUDIENCE,
        ...(options.cache !== undefined ? { cache: options.cache } : {}),
      });
      return { sign, verify, async: false };
    }
    case 'fast-jwt': {
      const sign = fastSigner({
        key: key.privatePem,
        algorithm: alg,
        iss: ISSUER,
        aud: AUDIENCE,
        expiresIn: LIFETIME * 1000,
      });
      const verify = fastVerifier({
        key: key.publicPem,
        algorithms: [alg],
        allowedIss: ISSUER,
        allowedAud: AUDIENCE,
        cache: false,
      });
      return { sign, verify, async: false };
    }
    case 'jose': {
      const sign = (claims) =>
        new jose.SignJWT(claims)
          .setProtectedHeader({ alg, typ: 'JWT' })
          .setIssuedAt()
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime(`${LIFETIME}s`)
          .sign(key.privateKey);
      const opts = { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE };
      const verify = (token) => jose.jwtVerify(token, key.publicKey, opts);
      return { sign, verify, async: true };
    }
    case 'jsonwebtoken': {
      if (alg === 'EdDSA') return undefined;
      const signOpts = { algorithm: alg, issuer: ISSUER, audience: AUDIENCE, expiresIn: LIFETIME };
      const verifyOpts = { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE };
      // KeyObjects for every algorithm: given a Buffer secret, jsonwebtoken first tries (and fails)
      // to read it as a public key on every call, which would make it look ~50x slower.
      const priv = key.privateKey;
      const pub = key.publicKey;
      return {
        sign: (claims) => jsonwebtoken.sign(claims, priv, signOpts),
        verify: (token) => jsonwebtoken.verify(token, pub, verifyOpts),
        async: false,
      };
    }
    case 'floor': {
      const f = makeFloor(alg, key);
      return { sign: f.sign, verify: f.verify, async: false };
    }
    default:
      throw new Error(`unknown library ${lib}`);
  }
}
