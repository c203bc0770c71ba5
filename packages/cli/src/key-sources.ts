import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import {
  exportJwk,
  importJwk,
  importPem,
  isJoseError,
  JWS_ALGORITHMS,
  JWS_ALGORITHM_NAMES,
  type Jwk,
  type JwkSet,
  type JwsAlg,
} from '@tessera/jose';
import type { CliIo } from './io.js';
import { CliError, inputError, keyError } from './exit-codes.js';

/** A key loaded from a file: one key, or a key set. */
export type LoadedKey =
  | { kind: 'key'; key: KeyObject; jwk: Jwk; label: string }
  | { kind: 'jwks'; jwks: JwkSet; label: string };

/** Algorithms whose key shape fits, tried in this order when a PEM comes without `--alg`. */
const PEM_PROBE: readonly JwsAlg[] = [
  'RS256',
  'PS256',
  'ES256',
  'ES384',
  'ES512',
  'ES256K',
  'EdDSA',
];

/** Read a file relative to the working directory, capped; unreadable → exit 3. */
export async function readInputFile(
  path: string,
  io: CliIo,
  what: string,
  max = 1024 * 1024,
): Promise<Buffer> {
  let buf: Buffer;
  try {
    buf = await readFile(resolve(io.cwd, path));
  } catch {
    throw inputError(`cannot read the ${what} file`);
  }
  if (buf.length > max) throw inputError(`the ${what} file is too large`);
  return buf;
}

/** Turn a JoseError from key import into a key error (exit 4); anything else is rethrown. */
export function asKeyError(e: unknown): never {
  if (e instanceof CliError) throw e;
  if (isJoseError(e)) throw keyError(e.message, e.code);
  throw keyError('the key could not be used');
}

/**
 * Load `--key FILE`: PEM (SPKI, PKCS#1, SEC1, PKCS#8, X.509 certificate), a JWK, or a JWKS
 * (JSON with `keys`). PEM is imported for an explicit algorithm through @tessera/jose: the given
 * `--alg`, or the first algorithm family the key fits.
 */
export async function loadKeyFile(
  path: string,
  io: CliIo,
  algs?: readonly JwsAlg[],
): Promise<LoadedKey> {
  const text = (await readInputFile(path, io, 'key')).toString('utf8').trim();
  const label = `key file ${path}`;
  if (text.startsWith('-----BEGIN')) {
    const tries = (algs ?? []).filter((a) => JWS_ALGORITHMS[a].family !== 'hmac');
    let firstError: unknown;
    for (const alg of tries.length > 0 ? tries : PEM_PROBE) {
      try {
        const key = importPem(text, alg);
        return { kind: 'key', key, jwk: exportJwk(key), label };
      } catch (e) {
        if (isJoseError(e, 'ERR_PEM_INVALID')) asKeyError(e);
        firstError ??= e;
      }
    }
    return asKeyError(firstError);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw inputError('the key file is neither PEM nor JSON (JWK or JWKS)');
  }
  return fromJson(json, label);
}

/** A JWK or JWKS already parsed from JSON. */
export function fromJson(json: unknown, label: string): LoadedKey {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw inputError('the key file must hold a JWK or a JWKS object');
  }
  const o = json as Record<string, unknown>;
  if (Array.isArray(o['keys'])) {
    const keys = (o['keys'] as unknown[]).filter(
      (k): k is Jwk => typeof k === 'object' && k !== null && !Array.isArray(k),
    );
    return { kind: 'jwks', jwks: { keys }, label: label.replace(/^key file/, 'JWKS file') };
  }
  if (typeof o['kty'] !== 'string')
    throw inputError('the JSON is neither a JWK (no "kty") nor a JWKS (no "keys")');
  try {
    const key = importJwk(o as Jwk);
    return { kind: 'key', key, jwk: o as Jwk, label: label.replace(/^key file/, 'JWK file') };
  } catch (e) {
    return asKeyError(e);
  }
}

/** JWS algorithms a (non-secret) key fits, by the registry rows (kty, curve, the JWK's own alg). */
export function algorithmsForJwk(jwk: Jwk): JwsAlg[] {
  if (jwk.kty === 'oct')
    return ['HS256', 'HS384', 'HS512'].filter(
      (a) => jwk.alg === undefined || jwk.alg === a,
    ) as JwsAlg[];
  return JWS_ALGORITHM_NAMES.filter((name) => {
    const row = JWS_ALGORITHMS[name];
    if (row.family === 'hmac' || row.kty !== jwk.kty) return false;
    if (row.curves.length > 0 && !row.curves.includes(String(jwk.crv))) return false;
    return jwk.alg === undefined || jwk.alg === name;
  });
}

/** The union of algorithms the keys of a set fit. */
export function algorithmsForJwks(jwks: JwkSet): JwsAlg[] {
  const out = new Set<JwsAlg>();
  for (const k of jwks.keys) if (k.kty !== 'oct') for (const a of algorithmsForJwk(k)) out.add(a);
  return [...out];
}
