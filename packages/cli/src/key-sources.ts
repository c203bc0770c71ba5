import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isJoseError, type JwsAlg } from '@tessera/jose';
import { isInspectError, readKeyText, type KeyText } from '@tessera/inspect';
import type { CliIo } from './io.js';
import { CliError, inputError, keyError } from './exit-codes.js';

/** A key loaded from a file: one key or a key set (read by @tessera/inspect), and its label. */
export type LoadedKey = KeyText & { readonly label: string };

/**
 * Read a file relative to the working directory, capped; unreadable → exit 3 with the path and
 * the reason (`cannot read the key file k.jwk: no such file`). Never the content.
 */
export async function readInputFile(
  path: string,
  io: CliIo,
  what: string,
  max = 1024 * 1024,
): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await readFile(resolve(io.cwd, path));
  } catch (e) {
    throw inputError(`cannot read the ${what} file ${printable(path)}: ${readFailure(e)}`);
  }
  if (buf.length > max) throw inputError(`the ${what} file ${printable(path)} is too large`);
  return buf;
}

/** Why a read failed, in words. */
function readFailure(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return (e as NodeJS.ErrnoException).code ?? 'unreadable';
  }
}

/** A path as typed, with control characters made visible. */
function printable(path: string): string {
  return path.replace(/[^\x20-\x7e]/g, '?');
}

/** Turn a JoseError from key import into a key error (exit 4); anything else is rethrown. */
export function asKeyError(e: unknown): never {
  if (e instanceof CliError) throw e;
  if (isInspectError(e)) throw inputError(e.message, e.code);
  if (isJoseError(e)) throw keyError(e.message, e.code);
  throw keyError('the key could not be used');
}

/**
 * Key text → key, through @tessera/inspect's `readKeyText`: text that is no key at all is an
 * input error (exit 3), a key the core refuses a key error (exit 4).
 */
export function keyFromText(
  text: string,
  label: string,
  o: { algorithms?: readonly JwsAlg[]; use?: 'verify' | 'sign' } = {},
): LoadedKey {
  try {
    const k = readKeyText(text, { ...o, allowSecretJwk: true });
    const kind = k.kind === 'jwks' ? 'JWKS file' : k.source === 'jwk' ? 'JWK file' : 'key file';
    return { ...k, label: label.replace(/^key file/, kind) };
  } catch (e) {
    return asKeyError(e);
  }
}

/**
 * Load `--key FILE`: PEM (SPKI, PKCS#1, SEC1, PKCS#8, X.509 certificate), a JWK, or a JWKS
 * (JSON with `keys`). A PEM is imported for an explicit algorithm: the given `--alg`, or the
 * first algorithm family the key fits.
 */
export async function loadKeyFile(
  path: string,
  io: CliIo,
  algs?: readonly JwsAlg[],
): Promise<LoadedKey> {
  const text = (await readInputFile(path, io, 'key')).toString('utf8');
  return keyFromText(text, `key file ${path}`, algs !== undefined ? { algorithms: algs } : {});
}
