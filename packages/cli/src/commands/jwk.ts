import {
  calculateJwkThumbprint,
  calculateJwkThumbprintUri,
  isJoseError,
  type Jwk,
} from '@tessera/jose';
import { readStdin, type CliIo } from '../io.js';
import { parse } from '../args.js';
import { runGuarded } from '../command-runner.js';
import { keyFromText, loadKeyFile } from '../key-sources.js';
import { stringifyResult } from '../json-result.js';
import { EXIT, inputError, keyError, usageError } from '../exit-codes.js';

export const help = `Usage: tessera jwk thumbprint <jwk-file|pem-file|-|'{"kty":...}'> [options]

Print the RFC 7638 JWK thumbprint (base64url). For a JWKS, one line per key: "kid thumbprint".

  --hash <h>             sha256 (default) | sha384 | sha512
  --uri                  print the RFC 9278 thumbprint URI instead
  --json                 { thumbprints: [{ kid, thumbprint }] }
`;

export const OPTIONS = {
  hash: { type: 'string' },
  uri: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `tessera jwk thumbprint`. */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runGuarded('jwk', args, io, async () => {
    const { values: v, positionals } = parse(args, OPTIONS);
    if (v.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    const [sub, src, ...rest] = positionals;
    if (sub !== 'thumbprint') throw usageError('usage: tessera jwk thumbprint <jwk>');
    if (rest.length > 0) throw usageError('jwk thumbprint takes one key');
    const hash = v.hash ?? 'sha256';
    if (hash !== 'sha256' && hash !== 'sha384' && hash !== 'sha512')
      throw usageError('--hash must be sha256, sha384 or sha512');
    let keys: Jwk[];
    if (src === undefined || src === '-') {
      if (src === undefined && io.stdin.isTTY === true) throw usageError('no key given');
      const buf = await readStdin(io);
      if (buf === undefined) throw inputError('the input is too large');
      keys = jwksOf(buf.toString('utf8'));
    } else if (src.trimStart().startsWith('{')) {
      keys = jwksOf(src);
    } else {
      const loaded = await loadKeyFile(src, io);
      keys = loaded.kind === 'jwks' ? loaded.jwks.keys : [loaded.jwk];
    }
    const rows: { kid: string | null; thumbprint: string }[] = [];
    for (const k of keys) {
      try {
        rows.push({
          kid: typeof k.kid === 'string' ? k.kid : null,
          thumbprint:
            v.uri === true ? calculateJwkThumbprintUri(k, hash) : calculateJwkThumbprint(k, hash),
        });
      } catch (e) {
        throw keyError(
          isJoseError(e) ? e.message : 'invalid JWK',
          isJoseError(e) ? e.code : undefined,
        );
      }
    }
    if (v.json === true) io.stdout.write(stringifyResult({ thumbprints: rows, error: null }));
    else if (keys.length === 1 && rows[0]) io.stdout.write(`${rows[0].thumbprint}\n`);
    else for (const r of rows) io.stdout.write(`${r.kid ?? '-'} ${r.thumbprint}\n`);
    return EXIT.OK;
  });
}

function jwksOf(text: string): Jwk[] {
  const loaded = keyFromText(text, 'key file');
  return loaded.kind === 'jwks' ? loaded.jwks.keys : [loaded.jwk];
}
