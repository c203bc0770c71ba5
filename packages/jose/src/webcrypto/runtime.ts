/**
 * Which runtime the Web Crypto entry runs on (for messages that name it), and the one error for
 * an algorithm its Web Crypto lacks.
 */
import { JoseError } from '../base/errors.js';

/** The runtime's name as messages say it: "Bun", "Deno", "workerd", "Node.js", "a browser". */
export function runtimeName(): string {
  const g = globalThis as {
    Bun?: unknown;
    Deno?: unknown;
    navigator?: { userAgent?: string };
    process?: { versions?: { node?: string } };
    document?: unknown;
  };
  // Bun and Deno also define `process`, so they are asked first.
  if (g.Bun !== undefined) return 'Bun';
  if (g.Deno !== undefined) return 'Deno';
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (typeof g.process?.versions?.node === 'string') return 'Node.js';
  if (g.document !== undefined) return 'a browser';
  return 'this runtime';
}

/** `ERR_ALG_UNSUPPORTED`: `what` is not available in this runtime's Web Crypto. */
export function unsupported(what: string, cause?: unknown): JoseError {
  return new JoseError(
    'ERR_ALG_UNSUPPORTED',
    `${what} is not supported by Web Crypto on ${runtimeName()}`,
    cause === undefined ? undefined : { cause },
  );
}

/** The runtime's SubtleCrypto. */
export function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (s === undefined) throw unsupported('Web Crypto (crypto.subtle)');
  return s;
}

/**
 * Map a Web Crypto failure: `NotSupportedError` (and workerd's and Bun's wordings of it) becomes
 * ERR_ALG_UNSUPPORTED naming the runtime; anything else becomes `fallback`.
 */
export function mapCryptoError(e: unknown, what: string, fallback: () => JoseError): JoseError {
  if (e instanceof JoseError) return e;
  const name = (e as { name?: unknown })?.name;
  const message = String((e as { message?: unknown })?.message ?? '');
  if (name === 'NotSupportedError' || /not supported|unsupported|unrecognized/i.test(message))
    return unsupported(what, e);
  const err = fallback();
  return new JoseError(err.code, err.message, { cause: e });
}
