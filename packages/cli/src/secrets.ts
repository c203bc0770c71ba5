import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readStdin, type CliIo } from './io.js';
import { inputError, usageError } from './exit-codes.js';

/** `--secret-encoding` values. */
export const SECRET_ENCODINGS = ['utf8', 'base64', 'base64url', 'hex'] as const;
export type SecretEncoding = (typeof SECRET_ENCODINGS)[number];

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
  let buf: Buffer;
  try {
    buf = await readFile(resolve(io.cwd, path));
  } catch {
    throw inputError('cannot read the secret file');
  }
  if (buf.length > 64 * 1024) throw inputError('the secret file is too large');
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

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * Secret text → bytes. Prefixes `b64:`, `b64url:`, `hex:` select an encoding unless
 * `--secret-encoding` is given; otherwise UTF-8.
 */
export function decodeSecret(text: string, encoding?: SecretEncoding): Uint8Array {
  let enc: SecretEncoding = encoding ?? 'utf8';
  let body = text;
  if (encoding === undefined) {
    const m = /^(b64|b64url|hex):/.exec(text);
    if (m !== null) {
      enc = m[1] === 'b64' ? 'base64' : m[1] === 'b64url' ? 'base64url' : 'hex';
      body = text.slice(m[0].length);
    }
  }
  switch (enc) {
    case 'utf8':
      return new Uint8Array(Buffer.from(body, 'utf8'));
    case 'base64':
      if (!B64.test(body) || body.length % 4 !== 0)
        throw inputError('the secret is not valid base64');
      return new Uint8Array(Buffer.from(body, 'base64'));
    case 'base64url':
      if (!B64URL.test(body) || body.length % 4 === 1)
        throw inputError('the secret is not valid base64url');
      return new Uint8Array(Buffer.from(body, 'base64url'));
    case 'hex':
      if (!HEX.test(body)) throw inputError('the secret is not valid hex');
      return new Uint8Array(Buffer.from(body, 'hex'));
  }
}
