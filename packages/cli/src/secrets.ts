import { readStdin, type CliIo } from './io.js';
import {
  decodeSecret as decodeSecretText,
  SECRET_ENCODINGS,
  type SecretEncoding,
} from '@tessera/inspect';
import { inputError, usageError } from './exit-codes.js';
import { readInputFile } from './key-sources.js';

/** `--secret-encoding` values: @tessera/inspect's secret encodings. */
export { SECRET_ENCODINGS, type SecretEncoding };

/** Where a secret came from (shown as `keySource`, never with the secret). */
export type SecretSource = 'secret-file' | 'file' | 'env' | 'stdin' | 'prompt' | 'argument';

export interface SecretFlags {
  secret?: string | undefined;
  'secret-file'?: string | undefined;
  'secret-encoding'?: string | undefined;
  quiet?: boolean | undefined;
}

export interface ResolvedSecret {
  bytes: Uint8Array;
  source: SecretSource;
  /** A description for `keySource`: `secret (env:NAME)`; never the value. */
  label: string;
}

/**
 * Resolve a secret in the documented precedence (docs/cli.md#secret-sources): `--secret-file`, `--secret @file`, `--secret env:NAME`,
 * `--secret -` (stdin), a hidden prompt when `prompt` is set and stdin is a TTY. A literal
 * `--secret value` works but warns on stderr (it lands in shell history and `ps`) unless
 * `--quiet`; the warning never echoes it. Returns undefined when no secret was given.
 */
export async function resolveSecret(
  flags: SecretFlags,
  io: CliIo,
  opts: { prompt?: boolean; stdinTaken?: boolean } = {},
): Promise<ResolvedSecret | undefined> {
  const encoding = parseEncoding(flags['secret-encoding']);
  if (flags['secret-file'] !== undefined && flags.secret !== undefined) {
    throw usageError('give either --secret-file or --secret, not both');
  }
  let text: string | Uint8Array;
  let source: SecretSource;
  let label: string;
  const s = flags.secret;
  if (flags['secret-file'] !== undefined) {
    text = await readSecretFile(flags['secret-file'], io);
    source = 'secret-file';
    label = 'secret (file)';
  } else if (s !== undefined && s.startsWith('@') && s.length > 1) {
    text = await readSecretFile(s.slice(1), io);
    source = 'file';
    label = 'secret (file)';
  } else if (s !== undefined && s.startsWith('env:') && s.length > 4) {
    const name = s.slice(4);
    const v = io.env[name];
    if (v === undefined || v === '')
      throw usageError(`environment variable ${name} is not set or empty`);
    text = v;
    source = 'env';
    label = `secret (env:${name})`;
  } else if (s === '-') {
    if (opts.stdinTaken === true)
      throw usageError('stdin cannot hold both the token and the secret');
    const buf = await readStdin(io, 64 * 1024);
    if (buf === undefined) throw inputError('the secret on stdin is too large');
    text = stripOneNewline(buf.toString('utf8'));
    source = 'stdin';
    label = 'secret (stdin)';
  } else if (s !== undefined) {
    if (flags.quiet !== true) {
      io.stderr.write(
        'warning: a secret given on the command line is visible in shell history and process lists; prefer --secret-file, env:NAME or -\n',
      );
    }
    text = s;
    source = 'argument';
    label = 'secret (argument)';
  } else if (
    opts.prompt === true &&
    io.stdin.isTTY === true &&
    io.promptHidden !== undefined &&
    opts.stdinTaken !== true
  ) {
    text = await io.promptHidden('secret: ');
    source = 'prompt';
    label = 'secret (prompt)';
  } else {
    return undefined;
  }
  const bytes = decodeSecret(
    typeof text === 'string' ? text : Buffer.from(text).toString('utf8'),
    encoding,
  );
  if (bytes.length === 0) throw inputError('the secret is empty');
  return { bytes, source, label };
}

async function readSecretFile(path: string, io: CliIo): Promise<string> {
  const buf = await readInputFile(path, io, 'secret', 64 * 1024);
  return stripOneNewline(buf.toString('utf8'));
}

function stripOneNewline(s: string): string {
  return s.replace(/\r?\n$/, '');
}

function parseEncoding(v: string | undefined): SecretEncoding | undefined {
  if (v === undefined) return undefined;
  if (!(SECRET_ENCODINGS as readonly string[]).includes(v)) {
    throw usageError(`--secret-encoding must be one of ${SECRET_ENCODINGS.join(', ')}`);
  }
  return v as SecretEncoding;
}

/**
 * Secret text → bytes, through @tessera/inspect's `decodeSecret` (the page reads secrets the same
 * way): prefixes `b64:`, `b64url:`, `hex:` select an encoding unless `--secret-encoding` is given;
 * otherwise UTF-8. Text that is not valid in its encoding is an input error (exit 3).
 */
export function decodeSecret(text: string, encoding?: SecretEncoding): Uint8Array {
  const bytes = decodeSecretText(text, encoding);
  if (bytes !== undefined) return bytes;
  const prefix = /^(b64|b64url|hex):/.exec(text)?.[1];
  const named =
    encoding ?? (prefix === 'b64' ? 'base64' : prefix === 'b64url' ? 'base64url' : 'hex');
  throw inputError(`the secret is not valid ${named}`);
}
