import type { CliIo } from '../io.js';
import { durationFlag, parse } from '../args.js';
import { runGuarded } from '../command-runner.js';
import { fetchJwksUrl } from '../jwks-url.js';
import { stringifyResult } from '../json-result.js';
import { EXIT, usageError } from '../exit-codes.js';

export const help = `Usage: tessera jwks fetch <https-url> [options]

Fetch a JWK Set and print it (pretty JSON) for piping. The one explicit network command:
https only, no redirects, a timeout and a size cap.

  --allow-http-loopback  allow http:// to 127.0.0.1 / ::1 / localhost (local issuers, tests)
  --timeout <duration>   default 5s
  --json                 { url, jwks, error }
Exit: 0 fetched, 2 bad URL, 5 network error (connection, status, redirect, not a JWKS)
`;

export const OPTIONS = {
  'allow-http-loopback': { type: 'boolean' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `tessera jwks fetch`. */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runGuarded(
    'jwks',
    args,
    io,
    async () => {
      const { values: v, positionals } = parse(args, OPTIONS);
      if (v.help === true) {
        io.stdout.write(help);
        return EXIT.OK;
      }
      const [sub, url, ...rest] = positionals;
      if (sub !== 'fetch' || url === undefined || rest.length > 0)
        throw usageError('usage: tessera jwks fetch <https-url>');
      const timeout = durationFlag(v.timeout, '--timeout') ?? 5;
      const r = await fetchJwksUrl(url, {
        allowHttpLoopback: v['allow-http-loopback'] === true,
        timeoutMs: timeout * 1000,
      });
      if (v.json === true)
        io.stdout.write(stringifyResult({ url: r.url.href, jwks: r.jwks, error: null }));
      else io.stdout.write(stringifyResult(r.jwks));
      return EXIT.OK;
    },
    () => ({ url: null, jwks: null }),
  );
}
