// The per-runtime pass: the same operations for Tessera's Web Crypto entry and panva/jose, on
// one runtime, with the same CryptoKeys (so the crypto calls are the same; the difference is
// parsing and checks). Loaded unchanged by Bun, Deno and workerd.
import * as T from '@tessera/jose/webcrypto';
import * as J from 'jose';

export const ALGS = ['HS256', 'RS256', 'ES256', 'EdDSA'];
const ISSUER = 'https://auth.example';
const AUDIENCE = 'https://api.example';
const TOKENS = 64;

const claimsFor = (i) => ({
  sub: `user-${i}`,
  scope: 'orders:read profile',
  client_id: `client-${i % 7}`,
  sid: `s-${i}`,
});

let state;

/** Keys, signers, verifiers and 64 tokens per alg; every token accepted by both libraries. */
export async function prepare() {
  if (state !== undefined) return state;
  const s = {};
  for (const alg of ALGS) {
    let sign, verify;
    if (alg === 'HS256') sign = verify = await T.generateSecret(alg);
    else ({ privateKey: sign, publicKey: verify } = await T.generateKeyPair(alg));
    const tSign = T.createSigner({
      key: sign,
      alg,
      issuer: ISSUER,
      audience: AUDIENCE,
      expiresIn: 3600,
    });
    const tVerify = T.createVerifier({
      key: verify,
      algorithms: [alg],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const jSign = (claims) =>
      new J.SignJWT(claims)
        .setProtectedHeader({ alg, typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(sign);
    const jVerify = (token) =>
      J.jwtVerify(token, verify, { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE });
    const tokens = [];
    for (let i = 0; i < TOKENS; i++)
      tokens.push(i % 2 ? await tSign(claimsFor(i)) : await jSign(claimsFor(i)));
    for (const t of tokens) {
      await tVerify(t);
      await jVerify(t);
    }
    s[alg] = {
      tessera: { sign: tSign, verify: tVerify },
      jose: { sign: jSign, verify: jVerify },
      tokens,
    };
  }
  state = s;
  return s;
}

/** Run `n` operations of one library, one after the other. */
export async function runOps(lib, alg, op, n) {
  const s = (await prepare())[alg];
  const f = s[lib][op];
  if (op === 'sign') for (let i = 0; i < n; i++) await f(claimsFor(i));
  else for (let i = 0; i < n; i++) await f(s.tokens[i & (TOKENS - 1)]);
}
