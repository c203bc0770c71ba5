import { readFileSync } from 'node:fs';
import type { CliIo } from './io.js';
import { EXIT, EXIT_CODE_TABLE } from './exit-codes.js';
import { ALIASES, COMMAND_NAMES, type CommandName } from './command-names.js';

interface CommandModule {
  run(args: string[], io: CliIo): Promise<number>;
  help: string;
}

/** Command name → its module, loaded on first use so `tessera decode` never loads the rest. */
const COMMANDS: Readonly<
  Record<CommandName, { summary: string; load: () => Promise<CommandModule> }>
> = {
  decode: {
    summary: 'decode a token WITHOUT verifying it (alias: inspect)',
    load: () => import('./commands/decode.js'),
  },
  verify: {
    summary: 'verify the signature, then the claims; reports every failure',
    load: () => import('./commands/verify.js'),
  },
  sign: {
    summary: 'sign claims into a JWT (alias: encode)',
    load: () => import('./commands/sign.js'),
  },
  keygen: {
    summary: 'generate a key (EC, RSA, OKP, oct) as JWK or PEM',
    load: () => import('./commands/keygen.js'),
  },
  jwk: {
    summary: 'jwk thumbprint: RFC 7638 thumbprint of a key',
    load: () => import('./commands/jwk.js'),
  },
  jwks: {
    summary: 'jwks fetch: fetch a JWK Set (the one explicit network command)',
    load: () => import('./commands/jwks.js'),
  },
  audit: {
    summary: 'offline lint of a token (alg none, weak secrets, key injection, sensitive data…)',
    load: () => import('./commands/audit.js'),
  },
  serve: {
    summary: 'run the token issuer',
    load: () => import('./commands/serve.js'),
  },
  user: {
    summary: 'manage issuer users',
    load: () => import('./commands/user.js'),
  },
  client: {
    summary: 'manage issuer clients',
    load: () => import('./commands/client.js'),
  },
  config: {
    summary: 'config check: the resolved issuer configuration (secrets redacted); config schema',
    load: () => import('./commands/config.js'),
  },
  keys: {
    summary: "keys list|rotate [--now]|retire KID: the issuer's signing keys (audited)",
    load: () => import('./commands/keys.js'),
  },
  sessions: {
    summary: 'sessions list [--user U]|revoke SID|revoke --user U (onto the revocation feed)',
    load: () => import('./commands/sessions.js'),
  },
  migrate: {
    summary: "run the issuer store's pending migrations (--dry-run lists them)",
    load: () => import('./commands/migrate.js'),
  },
  backup: {
    summary: 'backup FILE: online copy of the SQLite store',
    load: () => import('./commands/backup.js'),
  },
  trace: {
    summary: 'record and draw a login + token flow',
    load: () => import('./commands/trace.js'),
  },
  ui: {
    summary: 'start the local, offline web debugger',
    load: () => import('./commands/ui.js'),
  },
  completion: {
    summary: 'shell completion: bash, zsh, fish, powershell',
    load: () => import('./commands/completion.js'),
  },
};

/** The package version, read from package.json next to dist/. */
export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Top-level help, with the exit-code table (docs/cli.md#exit-codes). */
export function usage(): string {
  const w = Math.max(...COMMAND_NAMES.map((c) => c.length));
  return `tessera ${version()}: JSON Web Tokens from the command line

Usage: tessera <command> [options]     tessera <command> --help

Commands:
${COMMAND_NAMES.map((c) => `  ${c.padEnd(w)}  ${COMMANDS[c].summary}`).join('\n')}

Tokens: an argument, "-" for stdin, or piped stdin. "Bearer …", quotes and whitespace are fine.
Colour: --color=auto|always|never, NO_COLOR and FORCE_COLOR are honoured; none when not a TTY.

Exit codes:
${EXIT_CODE_TABLE.map(([code, text]) => `  ${code}  ${text}`).join('\n')}
`;
}

/**
 * Run `tessera` with arguments (without `node` and the script) against an {@link CliIo}.
 * Returns the exit code; never throws.
 *
 * @example
 * const code = await main(['decode', token], { stdout: process.stdout, stderr: process.stderr,
 *   stdin: process.stdin, env: process.env, cwd: process.cwd() });
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      const topic = first === 'help' ? rest[0] : undefined;
      if (topic !== undefined) return main([topic, '--help'], io);
      (first === undefined ? io.stderr : io.stdout).write(usage());
      return first === undefined ? EXIT.USAGE : EXIT.OK;
    }
    if (first === '--version' || first === '-V' || first === 'version') {
      io.stdout.write(`${version()}\n`);
      return EXIT.OK;
    }
    const name = (ALIASES[first] ?? first) as CommandName;
    if (!Object.prototype.hasOwnProperty.call(COMMANDS, name)) {
      const shown = /^[\w-]{1,32}$/.test(first) ? ` "${first}"` : '';
      io.stderr.write(`tessera: unknown command${shown} (see tessera --help)\n`);
      return EXIT.USAGE;
    }
    const mod = await COMMANDS[name].load();
    return await mod.run([...rest], io);
  } catch (e) {
    // Commands turn their own failures into exit codes; this is the last net: one line, no stack.
    io.stderr.write(
      `tessera: unexpected failure (${e instanceof Error ? e.name.replace(/[^\w]/g, '') : 'unknown'})\n`,
    );
    return EXIT.INPUT;
  }
}
