import { resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import {
  calculateJwkThumbprint,
  isJoseError,
  JWS_ALGORITHM_NAMES,
  JWS_ALGORITHMS,
  signJwt,
  type JwsAlg,
} from '@tessera/jose';
import { nowOf, readStdin, type CliIo } from '../io.js';
import {
  COMMON_OPTIONS,
  KEY_OPTIONS,
  listFlag,
  nowFlag,
  outputFlags,
  parse,
  type Parsed,
  timeFlag,
} from '../args.js';
import { runGuarded } from '../command-runner.js';
import { resolveSecret } from '../secrets.js';
import { loadKeyFile, readInputFile } from '../key-sources.js';
import { decodeToken, duplicateMembers, span } from '@tessera/inspect';
import { jsonResult, stringifyResult } from '../json-result.js';
import { writeOutputFile } from '../output-file.js';
import { EXIT, inputError, keyError, usageError } from '../exit-codes.js';

export const help = `Usage: tessera sign [payload.json|-] (--secret S | --key FILE) [options]     (alias: encode)

Sign claims into a compact JWT. Claims come from a JSON file, stdin, and/or flags.

Key:
  --secret <s> / --secret-file <path> / --secret-encoding <e>   HMAC secret (see verify)
  --key <file>           private key: PEM (PKCS#8, PKCS#1, SEC1) or private JWK
  --alg <alg>            default: HS256 for a secret, else the key's first algorithm
  --kid <kid>            default: the key's RFC 7638 thumbprint (asymmetric keys); --no-kid to omit

Header:
  --typ <typ>            default JWT;  --no-typ leaves it out
  --header <k=v>         extra header parameter (repeatable; value JSON-typed)

Claims:
  -c, --claim <k=v>      a claim (repeatable; value JSON-typed: -c admin=true -c n=3)
  --iss <iss> --sub <sub> --aud <aud> (repeatable)
  --jti <id|auto>        auto = a random UUID
  --iat <time>           default now;  --no-iat leaves it out
  --nbf <time> --exp <time>   +15m, -1h, now, unix seconds or ISO 8601
  --now <time>           the signing time

Output:
  -o, --out <file>       write the token to a file (mode 0600) instead of stdout
  --json                 { token, header, payload, ... } (see README)
  -q, --quiet            no warnings

Warns (but signs) on HMAC secrets shorter than the hash, on an exp in the past and on no exp.
`;

export const OPTIONS = {
  ...COMMON_OPTIONS,
  ...KEY_OPTIONS,
  alg: { type: 'string' },
  kid: { type: 'string' },
  'no-kid': { type: 'boolean' },
  typ: { type: 'string' },
  'no-typ': { type: 'boolean' },
  header: { type: 'string', multiple: true },
  claim: { type: 'string', short: 'c', multiple: true },
  iss: { type: 'string' },
  sub: { type: 'string' },
  aud: { type: 'string', multiple: true },
  jti: { type: 'string' },
  iat: { type: 'string' },
  'no-iat': { type: 'boolean' },
  nbf: { type: 'string' },
  exp: { type: 'string' },
  now: { type: 'string' },
  out: { type: 'string', short: 'o' },
} as const;

/** `k=v` → [k, JSON-typed v] (falls back to a string when v is not JSON). */
export function keyValue(s: string, flag: string): [string, unknown] {
  const i = s.indexOf('=');
  if (i <= 0) throw usageError(`${flag} expects name=value`);
  const name = s.slice(0, i);
  const raw = s.slice(i + 1);
  try {
    return [name, JSON.parse(raw) as unknown];
  } catch {
    return [name, raw];
  }
}

/** Parse a JSON claims document strictly: an object, no duplicate member names. */
export function parseClaims(text: string, what: string): Record<string, unknown> {
  const t = text.replace(/^\uFEFF/, '').trim();
  if (t === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    throw inputError(`the ${what} is not valid JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw inputError(`the ${what} must be a JSON object`);
  const dups = duplicateMembers(t);
  if (dups.length > 0) throw inputError(`the ${what} has a duplicate member name`);
  return v as Record<string, unknown>;
}

type Values = Parsed<typeof OPTIONS>['values'];

/** The claims: the payload file or stdin, then `--claim` and the claim flags on top. */
async function readClaims(
  v: Values,
  positional: string | undefined,
  io: CliIo,
  now: Date,
): Promise<{ claims: Record<string, unknown>; stdinTaken: boolean }> {
  let claims: Record<string, unknown> = {};
  let stdinTaken = false;
  const src = positional;
  if (src === '-' || (src === undefined && io.stdin.isTTY !== true && v.secret !== '-')) {
    const buf = await readStdin(io);
    if (buf === undefined) throw inputError('the payload on stdin is too large');
    claims = parseClaims(buf.toString('utf8'), 'payload');
    stdinTaken = true;
  } else if (src !== undefined) {
    claims = parseClaims(
      (await readInputFile(src, io, 'payload')).toString('utf8'),
      'payload file',
    );
  }
  for (const c of v.claim ?? []) {
    const [k, val] = keyValue(c, '--claim');
    claims[k] = val;
  }
  const set = (name: string, val: unknown) => {
    if (val !== undefined) claims[name] = val;
  };
  set('iss', v.iss);
  set('sub', v.sub);
  const aud = listFlag(v.aud);
  set('aud', aud === undefined ? undefined : aud.length === 1 ? aud[0] : aud);
  set('jti', v.jti === 'auto' ? crypto.randomUUID() : v.jti);
  if (v['no-iat'] === true) delete claims['iat'];
  else
    set(
      'iat',
      timeFlag(v.iat, '--iat', now) ??
        (claims['iat'] === undefined ? Math.floor(now.getTime() / 1000) : undefined),
    );
  set('nbf', timeFlag(v.nbf, '--nbf', now));
  set('exp', timeFlag(v.exp, '--exp', now));
  return { claims, stdinTaken };
}

/** `--header k=v` members (alg, kid and typ have their own flags). */
function headerFlags(v: Values): Record<string, unknown> {
  const header: Record<string, unknown> = {};
  for (const h of v.header ?? []) {
    const [k, val] = keyValue(h, '--header');
    if (k === 'alg' || k === 'kid' || k === 'typ')
      throw usageError(`set ${k} with --${k}, not --header`);
    header[k] = val;
  }
  return header;
}

/** The signing key and algorithm (`--key`, or a secret), the `kid`, and warnings about the key. */
async function signingKey(
  v: Values,
  io: CliIo,
  stdinTaken: boolean,
): Promise<{
  key: KeyObject | Uint8Array;
  alg: JwsAlg;
  kid: string | undefined;
  warnings: { code: string; message: string }[];
}> {
  let key: KeyObject | Uint8Array;
  let alg: JwsAlg;
  let kid: string | undefined = v.kid;
  const warnings: { code: string; message: string }[] = [];
  if (v.key !== undefined) {
    const loaded = await loadKeyFile(
      v.key,
      io,
      v.alg === undefined ? undefined : [v.alg as JwsAlg],
    );
    if (loaded.kind === 'jwks')
      throw usageError('--key for sign must be one private key, not a key set');
    const fits = loaded.algorithms;
    alg = (v.alg as JwsAlg | undefined) ?? fits[0] ?? 'RS256';
    key = loaded.key;
    if (loaded.key.type === 'public')
      throw keyError('signing needs a private key; this is a public key', 'ERR_KEY_INVALID');
    if (kid === undefined && v['no-kid'] !== true && loaded.key.type === 'private') {
      kid =
        typeof loaded.jwk.kid === 'string' ? loaded.jwk.kid : calculateJwkThumbprint(loaded.key);
    }
  } else {
    const secret = await resolveSecret(v, io, { prompt: true, stdinTaken });
    if (secret === undefined) throw usageError('no key: give --secret, --secret-file or --key');
    alg = (v.alg as JwsAlg | undefined) ?? 'HS256';
    const row = JWS_ALGORITHMS[alg];
    if (row.family !== 'hmac')
      throw keyError(`${alg} needs a private key (--key), not a secret`, 'ERR_KEY_INVALID');
    if (secret.bytes.length < row.minSecretBytes) {
      warnings.push({
        code: 'weak-secret',
        message: `the secret is ${secret.bytes.length} bytes; ${alg} needs at least ${row.minSecretBytes} (RFC 7518 §3.2): verifiers will refuse it`,
      });
    }
    key = secret.bytes;
  }
  return { key, alg, kid, warnings };
}

/** RFC 7519 §4.1.4: a token without exp never expires; one already expired is of no use. */
function expWarnings(exp: unknown, now: Date): { code: string; message: string }[] {
  const warnings: { code: string; message: string }[] = [];
  if (exp === undefined) {
    // RFC 7519 §4.1.4: without exp nothing ever makes this token invalid.
    warnings.push({
      code: 'exp-missing',
      message: 'no exp: this token never expires (add --exp +15m)',
    });
  }
  if (typeof exp === 'number' && exp <= now.getTime() / 1000) {
    warnings.push({
      code: 'exp-past',
      message: `exp is in the past (expired ${span(now.getTime() / 1000 - exp)} ago)`,
    });
  }
  return warnings;
}

/** `tessera sign`. */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runGuarded('sign', args, io, async () => {
    const { values: v, positionals } = parse(args, OPTIONS);
    if (v.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    if (positionals.length > 1) throw usageError('sign takes one payload file');
    const out = outputFlags(v);
    if (v.typ !== undefined && v['no-typ'] === true)
      throw usageError('--typ and --no-typ conflict');
    if (v.kid !== undefined && v['no-kid'] === true)
      throw usageError('--kid and --no-kid conflict');
    if (v.iat !== undefined && v['no-iat'] === true)
      throw usageError('--iat and --no-iat conflict');
    if ((v.secret ?? v['secret-file']) !== undefined && v.key !== undefined)
      throw usageError('give either a secret or --key, not both');
    const now = nowFlag(v.now, nowOf(io));
    if (v.alg !== undefined && !(JWS_ALGORITHM_NAMES as readonly string[]).includes(v.alg)) {
      throw usageError(
        v.alg.toLowerCase() === 'none'
          ? 'sign does not produce unsecured (alg: none) tokens'
          : '--alg: unknown algorithm',
      );
    }
    // Claims: file or stdin first, then flags on top.
    const { claims, stdinTaken } = await readClaims(v, positionals[0], io, now);
    const header = headerFlags(v);
    // Key and algorithm.
    const { key, alg, kid, warnings } = await signingKey(v, io, stdinTaken);
    warnings.push(...expWarnings(claims['exp'], now));
    let token: string;
    try {
      token = signJwt(claims, key, {
        alg,
        kid,
        typ: v['no-typ'] === true ? false : (v.typ ?? 'JWT'),
        header: Object.keys(header).length > 0 ? header : undefined,
        issuedAt: false,
        allowWeakSecret: true,
        currentDate: now,
      });
    } catch (e) {
      if (isJoseError(e) && e.code.startsWith('ERR_KEY')) throw keyError(e.message, e.code);
      if (isJoseError(e)) throw inputError(e.message, e.code);
      throw e;
    }
    if (!out.quiet && !out.json)
      for (const w of warnings) io.stderr.write(`warning: ${w.message}\n`);
    if (v.out !== undefined) {
      writeOutputFile(resolve(io.cwd, v.out), `${token}\n`);
    }
    if (out.json) {
      const r = jsonResult(decodeToken(token), now, warnings);
      io.stdout.write(stringifyResult({ token, ...r }));
    } else if (v.out === undefined) io.stdout.write(`${token}\n`);
    return EXIT.OK;
  });
}
