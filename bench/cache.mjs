// Cache-hit throughput: the same 64 tokens verified over and over, so after the warm-up every
// call is a hit. Beside it, uncached Tessera and fast-jwt with its own cache on. Each call gets a
// fresh copy of the token string, as a server does from each request's header: a string object
// seen before carries its hash with it, which would make every hash-keyed cache look faster than
// it is in production.
import { createVerifier } from '@tessera/jose';
import { createVerifier as fastVerifier } from 'fast-jwt';
import { ALGORITHMS, AUDIENCE, ISSUER, makeTokens, TOKEN_SET_SIZE } from './fixtures.mjs';

const MASK = TOKEN_SET_SIZE - 1;

export async function cacheCases(keys, only) {
  const cases = [];
  for (const alg of ALGORITHMS) {
    if (only && !only.includes(alg)) continue;
    const key = keys[alg];
    const tokens = makeTokens(alg, key);
    const opts = { key: key.publicKey, algorithms: [alg], issuer: ISSUER, audience: AUDIENCE };
    const plain = createVerifier(opts);
    const cached = createVerifier({ ...opts, cache: { max: 1000 } });
    const fast = fastVerifier({
      key: key.publicPem,
      algorithms: [alg],
      allowedIss: ISSUER,
      allowedAud: AUDIENCE,
      cache: true,
    });
    const bytes = tokens.map((t) => Buffer.from(t, 'latin1'));
    const fresh = (i) => bytes[i & MASK].toString('latin1');
    for (const t of tokens) {
      plain(t);
      cached(t);
      fast(t);
    }
    // A cache hit returns the very same frozen result: proof that the timed calls are hits.
    if (cached(tokens[0]) !== cached(tokens[0]) || !Object.isFrozen(cached(tokens[0]).payload)) {
      throw new Error('the Tessera verifier did not cache (is the cache option wired?)');
    }
    cases.push({
      alg,
      op: 'verify-cache-hit',
      participants: [
        { name: 'tessera', async: false, fn: (i) => plain(fresh(i)) },
        { name: 'tessera+cache', async: false, fn: (i) => cached(fresh(i)) },
        { name: 'fast-jwt+cache', async: false, fn: (i) => fast(fresh(i)) },
      ],
    });
  }
  return cases;
}
