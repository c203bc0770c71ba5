/** `tessera verify`'s key: which source (secret, --key, --jwks), which key in a set, which algorithms. */
import type { KeyObject } from 'node:crypto';
import {
  calculateJwkThumbprint,
  createLocalKeySet,
  isJoseError,
  JWS_ALGORITHM_NAMES,
  JWS_ALGORITHMS,
  type JwsAlg,
  type JwkSet,
  type VerifyKey,
} from '@tessera/jose';
import { algorithmsForKeySet, selectKid, type DecodedToken } from '@tessera/inspect';
import type { CliIo } from '../io.js';
import { durationFlag } from '../args.js';
import { resolveSecret } from '../secrets.js';
import { loadKeyFile } from '../key-sources.js';
import { fetchJwksUrl } from '../jwks-url.js';
import { CliError, EXIT, inputError, keyError, usageError } from '../exit-codes.js';

export interface KeyChoice {
  key: VerifyKey;
  algorithms: JwsAlg[];
  label: string;
  /** For one key (not a set or a secret): its `kid` and RFC 7638 thumbprint, the ids a token may name it by. */
  ids?: readonly string[];
}

export function parseAlgs(list: string[] | undefined): JwsAlg[] | undefined {
  if (list === undefined) return undefined;
  for (const a of list) {
    if (a.toLowerCase() === 'none')
      throw usageError(
        '--alg none is never accepted by verify (an unsecured token has no signature to verify)',
      );
    if (!(JWS_ALGORITHM_NAMES as readonly string[]).includes(a))
      throw usageError(`--alg: unknown algorithm (known: ${JWS_ALGORITHM_NAMES.join(', ')})`);
  }
  return list as JwsAlg[];
}

type VerifyValues = {
  secret?: string | undefined;
  'secret-file'?: string | undefined;
  'secret-encoding'?: string | undefined;
  key?: string | undefined;
  jwks?: string | undefined;
  kid?: string | undefined;
  quiet?: boolean | undefined;
  timeout?: string | undefined;
  'allow-http-loopback'?: boolean | undefined;
};

export async function chooseKey(
  v: VerifyValues,
  io: CliIo,
  stdinTaken: boolean,
  algs: JwsAlg[] | undefined,
  headerAlg: string | undefined,
): Promise<KeyChoice> {
  if (v.key !== undefined) {
    const loaded = await loadKeyFile(v.key, io, algs);
    if (loaded.kind === 'jwks') return fromKeySet(loaded.jwks, v.kid, algs, loaded.label);
    const choice = keyChoice(
      loaded.key,
      loaded.algorithms,
      algs,
      loaded.label,
      loaded.jwk.kty === 'oct' ? 'secret' : 'key',
    );
    const ids = [loaded.jwk.kid, calculateJwkThumbprint(loaded.jwk)].filter(
      (id): id is string => typeof id === 'string',
    );
    return { ...choice, ids };
  }
  if (v.jwks !== undefined) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v.jwks)) {
      const timeoutMs = durationFlagMs(v.timeout) ?? 5000;
      const { url, jwks } = await fetchJwksUrl(v.jwks, {
        allowHttpLoopback: v['allow-http-loopback'] === true,
        timeoutMs,
      });
      return fromKeySet(jwks, v.kid, algs, `JWKS ${url.origin}${url.pathname}`);
    }
    const loaded = await loadKeyFile(v.jwks, io, algs);
    if (loaded.kind !== 'jwks')
      throw inputError('--jwks expects a key set ({"keys": [...]}); use --key for a single key');
    return fromKeySet(loaded.jwks, v.kid, algs, loaded.label);
  }
  const hmacToken = headerAlg !== undefined && /^HS(256|384|512)$/.test(headerAlg);
  const secret = await resolveSecret(v, io, { prompt: hmacToken, stdinTaken });
  if (secret === undefined)
    throw usageError('no key: give --secret, --secret-file, --key or --jwks');
  const hs = ['HS256', 'HS384', 'HS512'] as JwsAlg[];
  return keyChoice(secret.bytes, hs, algs, secret.label, 'secret');
}

/**
 * When the signature failed and the token names a `kid` that is not the given key's (its `kid`
 * or RFC 7638 thumbprint), say so: the usual cause is simply the wrong key.
 */
export function kidHint(code: string, decoded: DecodedToken, choice: KeyChoice): string {
  const kid = decoded.header?.json?.['kid'];
  if (code !== 'ERR_SIGNATURE_INVALID' || typeof kid !== 'string' || choice.ids === undefined)
    return '';
  if (choice.ids.includes(kid)) return '';
  const show = (s: string) => JSON.stringify(s.replace(/[^\x20-\x7e]/g, '?').slice(0, 64));
  const own =
    choice.ids.length > 1
      ? `kid ${show(choice.ids[0]!)}, thumbprint ${show(choice.ids[1]!)}`
      : `thumbprint ${show(choice.ids[0]!)}`;
  return ` (the token's kid ${show(kid)} does not match this key: ${own}; probably the wrong key)`;
}

function durationFlagMs(v: string | undefined): number | undefined {
  const s = durationFlag(v, '--timeout');
  return s === undefined ? undefined : s * 1000;
}

function keyChoice(
  key: KeyObject | Uint8Array,
  fits: JwsAlg[],
  algs: JwsAlg[] | undefined,
  label: string,
  kind: 'secret' | 'key',
): KeyChoice {
  const algorithms = algs ?? fits;
  if (algorithms.length === 0) throw keyError('the key fits no JWS algorithm');
  if (algs !== undefined && kind === 'key' && !algs.some((a) => fits.includes(a))) {
    throw keyError(`the key does not fit ${algs.join(', ')}`, 'ERR_KEY_INVALID');
  }
  if (
    algs !== undefined &&
    kind === 'secret' &&
    !algs.some((a) => JWS_ALGORITHMS[a].family === 'hmac')
  ) {
    throw keyError(`a secret cannot verify ${algs.join(', ')}`, 'ERR_KEY_INVALID');
  }
  return { key, algorithms, label };
}

function fromKeySet(
  jwks: JwkSet,
  kid: string | undefined,
  algs: JwsAlg[] | undefined,
  label: string,
): KeyChoice {
  let selected: JwkSet;
  let set;
  try {
    selected = selectKid(jwks, kid);
  } catch (e) {
    throw new CliError(EXIT.KEY, isJoseError(e) ? e.message : 'no key', 'ERR_KEY_NOT_FOUND');
  }
  try {
    set = createLocalKeySet(selected);
  } catch (e) {
    throw keyError(isJoseError(e) ? e.message : 'the key set is invalid', 'ERR_JWKS_INVALID');
  }
  const algorithms = algs ?? algorithmsForKeySet(selected);
  if (algorithms.length === 0)
    throw keyError(
      'no key in the key set fits a JWS algorithm (secret keys are never taken from a key set)',
      'ERR_KEY_NOT_FOUND',
    );
  return { key: set, algorithms, label: kid === undefined ? label : `${label} (kid selected)` };
}
