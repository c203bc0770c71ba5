import { isJoseError } from '@tessera/jose';
import {
  auditDecoded,
  span,
  verifyReport,
  type DecodedToken,
  type ReportRow,
  type VerifyReport,
} from '@tessera/inspect';
import { nowOf, type CliIo } from '../io.js';
import {
  COMMON_OPTIONS,
  KEY_OPTIONS,
  durationFlag,
  listFlag,
  nowFlag,
  outputFlags,
  parse,
  type OutputFlags,
  readToken,
} from '../args.js';
import { runGuarded } from '../command-runner.js';
import { chooseKey, kidHint, parseAlgs } from './verify-key.js';
import { jsonResult, stringifyResult, type JsonVerificationError } from '../json-result.js';
import { palette, useColor } from '../colors.js';
import { renderToken } from '../render-token.js';
import { EXIT, inputError, keyError, usageError } from '../exit-codes.js';

export const help = `Usage: tessera verify [token|-] (--secret S | --key FILE | --jwks FILE|URL) [options]

Verify the signature, then the claims; every failure is reported at once.

Key sources (exactly one):
  --secret <s>           HMAC secret: @file, env:NAME, - (stdin), or a literal (warns)
  --secret-file <path>   HMAC secret from a file
  --secret-encoding <e>  utf8 | base64 | base64url | hex   (or prefixes b64: b64url: hex:)
  --key <file>           PEM (SPKI, PKCS#1, X.509, PKCS#8), JWK or JWKS file
  --jwks <file|url>      JWKS file, or an https URL (fetched: the only network access)
  --kid <kid>            select this key from a JWKS
  --allow-http-loopback  allow http://127.0.0.1… / localhost JWKS URLs (tests, local issuers)
  --allow-weak-key       accept HMAC secrets shorter than the hash, RSA under 2048 bits
  (no key source and a TTY: a hidden prompt asks for the secret of an HS* token)

Checks:
  --alg <algs>           allowed algorithms (comma list; default: those the key fits; never none)
  --iss <iss>            expected issuer (repeatable)
  --aud <aud>            expected audience (repeatable; one must match)
  --sub <sub>            expected subject
  --typ <typ>            expected header typ (e.g. at+jwt)
  --require <claims>     claims that must be present, e.g. exp,iat,jti
  --max-age <duration>   maximum age from iat, e.g. 1h
  --clock-tolerance <duration>
                         clock skew allowed, e.g. 30s   (default 0)
                         (--leeway: the same, deprecated)
  --ignore-exp           do not check exp
  --now <time>           check against this time (ISO 8601 or unix seconds)

Output: --json, --date <mode>, --color <when>, -q/--quiet (status lines only)
Exit: 0 verified and all checks passed, 1 verification failed, 2 usage, 3 input, 4 key, 5 network
`;

export const OPTIONS = {
  ...COMMON_OPTIONS,
  ...KEY_OPTIONS,
  jwks: { type: 'string' },
  kid: { type: 'string' },
  'allow-http-loopback': { type: 'boolean' },
  'allow-weak-key': { type: 'boolean' },
  timeout: { type: 'string' },
  alg: { type: 'string', multiple: true },
  iss: { type: 'string', multiple: true },
  aud: { type: 'string', multiple: true },
  sub: { type: 'string' },
  typ: { type: 'string' },
  require: { type: 'string', multiple: true },
  'max-age': { type: 'string' },
  'clock-tolerance': { type: 'string' },
  /** Deprecated alias of --clock-tolerance (the core's name for it: clockTolerance). */
  leeway: { type: 'string' },
  'ignore-exp': { type: 'boolean' },
  now: { type: 'string' },
} as const;

/** `--clock-tolerance` (or its deprecated alias `--leeway`, not both) in seconds. */
function clockToleranceFlag(v: { 'clock-tolerance'?: string; leeway?: string }): number {
  if (v['clock-tolerance'] !== undefined && v.leeway !== undefined)
    throw usageError('--leeway is the deprecated name of --clock-tolerance: give one of them');
  return (
    (v.leeway !== undefined
      ? durationFlag(v.leeway, '--leeway')
      : durationFlag(v['clock-tolerance'], '--clock-tolerance')) ?? 0
  );
}

interface TextReport {
  decoded: DecodedToken;
  now: Date;
  signatureOk: boolean;
  verified: boolean;
  errors: ReturnType<typeof jsonError>[];
  warnings: { code: string; message: string }[];
  alg: unknown;
  kid: string | null;
  label: string;
}

/** `--json`: the decoded token with a `verification` member. */
function writeJson(io: CliIo, t: TextReport): void {
  const r = jsonResult(t.decoded, t.now, t.warnings);
  r.verification = {
    status: t.verified ? 'verified' : 'invalid',
    alg: typeof t.alg === 'string' ? t.alg : null,
    kid: t.kid,
    keySource: t.label,
    errors: t.errors,
  };
  io.stdout.write(stringifyResult(r));
}

/** The human output: the token (unless -q), the signature line, every failure, the verdict. */
function writeText(io: CliIo, out: OutputFlags, t: TextReport): void {
  const c = palette(useColor(io, io.stdout, out.color));
  if (!out.quiet)
    io.stdout.write(
      `${renderToken(t.decoded, { colors: c, now: t.now, date: out.date, timeZone: io.env['TZ'] })}\n`,
    );
  const algText =
    typeof t.alg === 'string' ? t.alg.replace(/[^\x20-\x7e]/g, '?').slice(0, 32) : '?';
  const keyText = `${t.label}${t.kid !== null ? `, kid=${t.kid.replace(/[^\x20-\x7e]/g, '?').slice(0, 64)}` : ''}`;
  if (t.signatureOk)
    io.stdout.write(`${c.ok('✓')} ${c.ok(`signature verified (${algText}, ${keyText})`)}\n`);
  for (const e of t.errors) {
    const extra = e.expiredSecondsAgo !== undefined ? ` (${span(e.expiredSecondsAgo)} ago)` : '';
    io.stdout.write(
      `${c.bad('✗')} ${c.bad(`${e.message}${extra}`)} ${c.dim(`[${e.code}${e.claim !== undefined ? ` ${e.claim}` : ''}]`)}\n`,
    );
  }
  if (!out.quiet)
    for (const w of t.warnings) io.stdout.write(`${c.warn('⚠')} ${c.warn(w.message)}\n`);
  io.stdout.write(
    t.verified
      ? `${c.ok('VERIFIED')}\n`
      : `${c.bad(t.signatureOk ? 'INVALID: claim checks failed' : 'INVALID: signature not verified')}\n`,
  );
}

/** `tessera verify`. */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runGuarded('verify', args, io, async () => {
    const { values: v, positionals } = parse(args, OPTIONS);
    if (v.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    if (positionals.length > 1) throw usageError('verify takes one token');
    const out = outputFlags(v);
    const now = nowFlag(v.now, nowOf(io));
    const sources = [v.secret ?? v['secret-file'], v.key, v.jwks].filter(
      (s) => s !== undefined,
    ).length;
    if (sources > 1)
      throw usageError('give one key source: --secret/--secret-file, --key or --jwks');
    const algs = parseAlgs(listFlag(v.alg));
    const clockTolerance = clockToleranceFlag(v);
    const maxAge = durationFlag(v['max-age'], '--max-age');
    const { decoded, fromStdin } = await readToken(positionals[0], io);
    if (decoded.format === 'jwe')
      throw inputError(
        'this is a JWE: it must be decrypted, not verified (tessera decode shows its header)',
        'ERR_JWS_MALFORMED',
      );
    const headerAlg = decoded.header?.json?.['alg'];
    const choice = await chooseKey(
      v,
      io,
      fromStdin,
      algs,
      typeof headerAlg === 'string' ? headerAlg : undefined,
    );
    const report = reportOf(() =>
      verifyReport(decoded, choice.key, {
        algorithms: choice.algorithms,
        allowWeakKey: v['allow-weak-key'] === true,
        issuer: listFlag(v.iss),
        audience: listFlag(v.aud),
        subject: v.sub,
        typ: v.typ,
        clockTolerance,
        maxTokenAge: maxAge,
        requiredClaims: listFlag(v.require) ?? [],
        currentDate: now,
        ignoreExp: v['ignore-exp'] === true,
      }),
    );
    const signatureOk = report.signature;
    const errors = report.errors.map(jsonError).map((e) => ({
      ...e,
      message: `${e.message}${kidHint(e.code, decoded, choice)}`,
    }));
    const verified = report.status === 'verified';
    const warnings = [
      ...report.warnings,
      ...auditDecoded(decoded, { now, skipBuiltinSecrets: true })
        .filter((f) => f.severity !== 'info')
        .map((f) => ({ code: f.id, message: f.message })),
    ];
    const kid =
      typeof decoded.header?.json?.['kid'] === 'string'
        ? (decoded.header.json['kid'] as string)
        : null;
    const t: TextReport = {
      decoded,
      now,
      signatureOk,
      verified,
      errors,
      warnings,
      alg: headerAlg,
      kid,
      label: choice.label,
    };
    if (out.json) writeJson(io, t);
    else writeText(io, out, t);
    return verified ? EXIT.OK : EXIT.VERIFY_FAILED;
  });
}

/** Run the shared report; a key the core refuses is exit 4, a bad claim option exit 2. */
function reportOf(run: () => VerifyReport): VerifyReport {
  let report: VerifyReport;
  try {
    report = run();
  } catch (e) {
    if (isJoseError(e, 'ERR_OPTIONS_INVALID')) throw usageError(e.message);
    throw e;
  }
  const key = report.errors.find((r) => r.check === 'key');
  if (key !== undefined) {
    const hint = key.code === 'ERR_KEY_TOO_WEAK' ? ' (--allow-weak-key to accept it)' : '';
    throw keyError(`${key.message}${hint}`, key.code);
  }
  const tooLarge = report.errors.find((r) => r.code === 'ERR_TOKEN_TOO_LARGE');
  if (tooLarge !== undefined) throw inputError(tooLarge.message, tooLarge.code);
  return report;
}

/** A failing report row in the `--json` shape: claim failures name their claim. */
function jsonError(r: ReportRow): JsonVerificationError {
  return {
    code: r.code ?? 'ERR_VERIFICATION_FAILED',
    ...(r.reason !== undefined ? { claim: r.check } : {}),
    message: r.message,
    ...(r.expiredSecondsAgo !== undefined ? { expiredSecondsAgo: r.expiredSecondsAgo } : {}),
  };
}
