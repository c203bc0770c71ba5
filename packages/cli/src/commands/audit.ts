import { nowOf, type CliIo } from '../io.js';
import { COMMON_OPTIONS, durationFlag, nowFlag, outputFlags, parse, readToken } from '../args.js';
import { runGuarded } from '../command-runner.js';
import { auditDecoded, atLeast, SEVERITIES, type Severity } from '@tessera/inspect';
import { readInputFile } from '../key-sources.js';
import { stringifyResult } from '../json-result.js';
import { palette, useColor } from '../colors.js';
import { EXIT, usageError } from '../exit-codes.js';

export const help = `Usage: tessera audit [token|-] [options]
       tessera audit tail [--follow] [--json] [--event TYPE]   (the issuer's audit log; see audit tail --help)

Offline, token-only lint (nothing is sent anywhere): alg none and its case variants, HS*
signed with a known weak secret, jku/x5u/jwk/x5c headers, suspicious kid, missing or distant
exp, iat in the future, milliseconds, typ/crit anomalies, non-canonical encoding, duplicate
members, and sensitive data in the claims (passwords, secrets, card numbers, national ids).

  --fail-on <severity>   exit 1 when a finding is at least: info | low | medium | high (default) | critical | never
  --wordlist <file>      also try these secrets (one per line) on HS* tokens — for your OWN tokens
  --no-builtin-secrets   skip the built-in weak-secret list
  --max-lifetime <dur>   longest acceptable exp - iat (default 24h)
  --now <time>           judge times against this instant
  --json                 { format, findings: [{ id, severity, part, name?, message }], counts, failOn, failed, error }
`;

export const OPTIONS = {
  ...COMMON_OPTIONS,
  'fail-on': { type: 'string' },
  wordlist: { type: 'string' },
  'no-builtin-secrets': { type: 'boolean' },
  'max-lifetime': { type: 'string' },
  now: { type: 'string' },
} as const;

const MAX_WORDS = 100_000;

/** `--wordlist FILE`: one candidate secret a line, at most MAX_WORDS. */
async function readWordlist(path: string | undefined, io: CliIo): Promise<string[]> {
  if (path === undefined) return [];
  const text = (await readInputFile(path, io, 'wordlist', 16 * 1024 * 1024)).toString('utf8');
  return text
    .split(/\r?\n/)
    .filter((w) => w.length > 0)
    .slice(0, MAX_WORDS);
}

/** `tessera audit`. */
export async function run(args: string[], io: CliIo): Promise<number> {
  // `tail` is no JWT: the issuer's audit log, not a token lint.
  if (args[0] === 'tail') return (await import('./audit-tail.js')).run(args.slice(1), io);
  return runGuarded(
    'audit',
    args,
    io,
    async () => {
      const { values: v, positionals } = parse(args, OPTIONS);
      if (v.help === true) {
        io.stdout.write(help);
        return EXIT.OK;
      }
      if (positionals.length > 1) throw usageError('audit takes one token');
      const out = outputFlags(v);
      const failOn = v['fail-on'] ?? 'high';
      if (failOn !== 'never' && !(SEVERITIES as readonly string[]).includes(failOn)) {
        throw usageError(`--fail-on must be one of ${SEVERITIES.join(', ')}, never`);
      }
      const now = nowFlag(v.now, nowOf(io));
      const wordlist = await readWordlist(v.wordlist, io);
      const { decoded } = await readToken(positionals[0], io);
      const findings = auditDecoded(decoded, {
        now,
        wordlist,
        skipBuiltinSecrets: v['no-builtin-secrets'] === true,
        maxLifetimeSeconds: durationFlag(v['max-lifetime'], '--max-lifetime'),
      });
      const counts = Object.fromEntries(
        SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length]),
      );
      const failed =
        failOn !== 'never' && findings.some((f) => atLeast(f.severity, failOn as Severity));
      if (out.json) {
        io.stdout.write(
          stringifyResult({
            format: decoded.format,
            findings,
            counts,
            failOn,
            failed,
            error: null,
          }),
        );
      } else {
        const c = palette(useColor(io, io.stdout, out.color));
        const paint: Record<Severity, (s: string) => string> = {
          info: c.dim,
          low: c.dim,
          medium: c.warn,
          high: c.bad,
          critical: (s) => c.bold(c.bad(s)),
        };
        if (findings.length === 0) io.stdout.write(`${c.ok('✓')} no findings\n`);
        for (const f of findings)
          io.stdout.write(
            `${paint[f.severity](f.severity.toUpperCase().padEnd(8))} ${f.id.padEnd(24)} ${f.message}\n`,
          );
        if (!out.quiet) {
          const summary = SEVERITIES.filter((s) => counts[s]! > 0)
            .map((s) => `${counts[s]} ${s}`)
            .join(', ');
          io.stdout.write(
            `\n${findings.length} finding${findings.length === 1 ? '' : 's'}${summary ? ` (${summary})` : ''}; fail-on ${failOn}: ${failed ? c.bad('FAIL') : c.ok('pass')}\n`,
          );
        }
      }
      return failed ? EXIT.VERIFY_FAILED : EXIT.OK;
    },
    () => ({ format: null, findings: [], counts: {}, failOn: null, failed: false }),
  );
}
