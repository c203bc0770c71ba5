import type { CliIo } from '../io.js';
import { nowOf } from '../io.js';
import { COMMON_OPTIONS, nowFlag, outputFlags, parse, readToken } from '../args.js';
import { runGuarded } from '../command-runner.js';
import { auditDecoded } from '@tessera/inspect';
import { jsonResult, stringifyResult } from '../json-result.js';
import { palette, useColor } from '../colors.js';
import { renderToken } from '../render-token.js';
import { EXIT, usageError } from '../exit-codes.js';

/** `tessera decode`'s flags (the parser and shell completion both read it). */
export const OPTIONS = { ...COMMON_OPTIONS, now: { type: 'string' } } as const;

export const help = `Usage: tessera decode [token|-] [options]     (alias: inspect)

Decode a JWT, JWE or partial token WITHOUT verifying it. Accepts "Bearer ...",
"access_token: ...", quotes and whitespace. Never exits 1: decoding is not verifying.

Options:
  --json                 machine output (see README: the --json shape)
  --date <mode>          utc | local | relative | unix | +hh:mm   (default: all three)
  --now <time>           judge exp/nbf/iat against this time (ISO 8601 or unix seconds)
  --color <when>         auto | always | never   (NO_COLOR / FORCE_COLOR honoured)
  -q, --quiet            only the header and payload JSON
  -h, --help
`;

/** Lines printed last by decode, whatever else happens. */
export const NOT_VERIFIED = 'signature: NOT VERIFIED (use tessera verify)';

/** `tessera decode`: decode without verifying. */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runGuarded('decode', args, io, async () => {
    const { values, positionals } = parse(args, OPTIONS);
    if (values.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    if (positionals.length > 1) throw usageError('decode takes one token');
    const out = outputFlags(values);
    const now = nowFlag(values.now, nowOf(io));
    const { decoded } = await readToken(positionals[0], io);
    const findings = auditDecoded(decoded, { now, skipBuiltinSecrets: true });
    const warnings = findings.map((f) => ({ code: f.id, message: f.message }));
    if (out.json) {
      io.stdout.write(stringifyResult(jsonResult(decoded, now, warnings)));
      return EXIT.OK;
    }
    const c = palette(useColor(io, io.stdout, out.color));
    if (out.quiet) {
      io.stdout.write(
        stringifyResult({
          header: decoded.header?.json ?? null,
          payload: decoded.payload?.json ?? null,
        }),
      );
    } else {
      io.stdout.write(
        `${renderToken(decoded, { colors: c, now, date: out.date, timeZone: io.env['TZ'] })}\n`,
      );
      if (warnings.length > 0) {
        io.stdout.write(`${c.bold('Warnings')}\n`);
        for (const w of warnings) io.stdout.write(`  ${c.warn('⚠')} ${w.message}\n`);
        io.stdout.write('\n');
      }
    }
    io.stdout.write(`${c.warn(NOT_VERIFIED)}\n`);
    return EXIT.OK;
  });
}
