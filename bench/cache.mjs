// Cache-hit throughput: the same 64 tokens verified over and over, so after the warm-up every
// call is a hit. Beside it, uncached Tessera and fast-jwt with its own cache on.
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
        { name: 'tessera', async: false, fn: (i) => plain(tokens[i & MASK]) },
        { name: 'tessera+cache', async: false, fn: (i) => cached(tokens[i & MASK]) },
        { name: 'fast-jwt+cache', async: false, fn: (i) => fast(tokens[i & MASK]) },
      ],
    });
  }
  return cases;
}
