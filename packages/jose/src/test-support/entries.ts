/**
 * The two entries of the package behind one async API, so one table of test cases runs on both
 * and any divergence fails: the Node.js core (its synchronous functions, awaited) and the Web
 * Crypto entry. Cases pass keys both accept (JWKs and byte arrays); results are compared as
 * values, refusals by error class and code.
 */
import * as N from '../index.js';
import * as W from '../webcrypto/index.js';

/** The functions a shared case may call: the Web Crypto entry's async shape. */
export type EntryApi = Pick<
  typeof W,
  | 'signCompact'
  | 'verifyCompact'
  | 'createLocalKeySet'
  | 'signFlattened'
  | 'verifyFlattened'
  | 'signGeneral'
  | 'verifyGeneral'
  | 'encryptCompact'
  | 'decryptCompact'
  | 'encryptFlattened'
  | 'decryptFlattened'
  | 'encryptGeneral'
  | 'decryptGeneral'
  | 'signJwt'
  | 'verifyJwt'
  | 'encryptJwt'
  | 'encryptNestedJwt'
  | 'decryptJwt'
  | 'createDecrypter'
  | 'createSigner'
  | 'createVerifier'
>;

export interface Entry extends EntryApi {
  readonly name: 'Node.js core' | 'Web Crypto entry';
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => any;
/** A synchronous function as its async twin: a throw becomes a rejection, as on Web Crypto. */
const lift =
  <F extends AnyFn>(f: F) =>
  async (...args: Parameters<F>): Promise<ReturnType<F>> =>
    f(...args) as ReturnType<F>;

export const NODE = {
  name: 'Node.js core',
  signCompact: lift(N.signCompact),
  verifyCompact: lift(N.verifyCompact),
  createLocalKeySet: N.createLocalKeySet,
  signFlattened: lift(N.signFlattened),
  verifyFlattened: lift(N.verifyFlattened),
  signGeneral: lift(N.signGeneral),
  verifyGeneral: lift(N.verifyGeneral),
  encryptCompact: lift(N.encryptCompact),
  decryptCompact: lift(N.decryptCompact),
  encryptFlattened: lift(N.encryptFlattened),
  decryptFlattened: lift(N.decryptFlattened),
  encryptGeneral: lift(N.encryptGeneral),
  decryptGeneral: lift(N.decryptGeneral),
  signJwt: lift(N.signJwt),
  verifyJwt: lift(N.verifyJwt),
  encryptJwt: lift(N.encryptJwt),
  encryptNestedJwt: lift(N.encryptNestedJwt),
  decryptJwt: lift(N.decryptJwt),
  // Configuration errors throw when the decrypter is made, on both entries.
  createDecrypter: (o: Parameters<typeof N.createDecrypter>[0]) => lift(N.createDecrypter(o)),
  createSigner: (o: Parameters<typeof N.createSigner>[0]) => lift(N.createSigner(o)),
  createVerifier: (o: Parameters<typeof N.createVerifier>[0]) => lift(N.createVerifier(o)),
} as unknown as Entry;

export const WEB: Entry = {
  name: 'Web Crypto entry',
  signCompact: W.signCompact,
  verifyCompact: W.verifyCompact,
  createLocalKeySet: W.createLocalKeySet,
  signFlattened: W.signFlattened,
  verifyFlattened: W.verifyFlattened,
  signGeneral: W.signGeneral,
  verifyGeneral: W.verifyGeneral,
  encryptCompact: W.encryptCompact,
  decryptCompact: W.decryptCompact,
  encryptFlattened: W.encryptFlattened,
  decryptFlattened: W.decryptFlattened,
  encryptGeneral: W.encryptGeneral,
  decryptGeneral: W.decryptGeneral,
  signJwt: W.signJwt,
  verifyJwt: W.verifyJwt,
  encryptJwt: W.encryptJwt,
  encryptNestedJwt: W.encryptNestedJwt,
  decryptJwt: W.decryptJwt,
  createDecrypter: W.createDecrypter,
  createSigner: W.createSigner,
  createVerifier: W.createVerifier,
};

/** Both entries, the Node.js core first. */
export const ENTRIES: readonly Entry[] = [NODE, WEB];

/** The outcome of a call as comparable text: `ok <json>` or `<ErrorClass> <code>`. */
export async function outcome(f: () => Promise<unknown>): Promise<string> {
  try {
    const v = await f();
    return `ok ${JSON.stringify(v, (_k, x: unknown) =>
      x instanceof Uint8Array ? `bytes:${N.encodeBase64url(x)}` : x,
    )}`;
  } catch (e) {
    return N.isJoseError(e) ? `${e.constructor.name} ${e.code}` : `throw ${String(e)}`;
  }
}
