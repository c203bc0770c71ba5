import type { CliIo } from '../io.js';
import { parse } from '../args.js';
import { runGuarded } from '../command-runner.js';
import { EXIT, usageError } from '../exit-codes.js';
import { COMMAND_NAMES } from '../command-names.js';

export const help = `Usage: tessera completion <bash|zsh|fish|powershell>

Print a shell completion script. Examples:
  bash:        source <(tessera completion bash)
  zsh:         tessera completion zsh > "\${fpath[1]}/_tessera"
  fish:        tessera completion fish > ~/.config/fish/completions/tessera.fish
  powershell:  tessera completion powershell | Out-String | Invoke-Expression
`;

const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;

type OptionTable = Readonly<Record<string, { type: string; short?: string }>>;

/** `--flag` names of an option table, in table order. */
export function flagsOf(table: OptionTable): string {
  return Object.keys(table)
    .map((k) => `--${k}`)
    .join(' ');
}

/**
 * Flags offered for completion, per command, read from the same option tables the parsers use
 * (a flag added to a table is completed without touching this file).
 */
export async function completionFlags(): Promise<Readonly<Record<string, string>>> {
  const [decode, verify, sign, keygen, audit, jwk, jwks, serve, user, client, trace, ui] =
    await Promise.all([
      import('./decode.js'),
      import('./verify.js'),
      import('./sign.js'),
      import('./keygen.js'),
      import('./audit.js'),
      import('./jwk.js'),
      import('./jwks.js'),
      import('./serve.js'),
      import('./user.js'),
      import('./client.js'),
      import('./trace-options.js'),
      import('./ui.js'),
    ]);
  return {
    decode: flagsOf(decode.OPTIONS),
    verify: flagsOf(verify.OPTIONS),
    sign: flagsOf(sign.OPTIONS),
    keygen: flagsOf(keygen.OPTIONS),
    audit: flagsOf(audit.OPTIONS),
    jwk: `thumbprint ${flagsOf(jwk.OPTIONS)}`,
    jwks: `fetch ${flagsOf(jwks.OPTIONS)}`,
    serve: flagsOf(serve.OPTIONS),
    user: `create list disable enable set-password set-roles consents mfa ${flagsOf(user.OPTIONS)}`,
    client: `create list disable enable rotate-secret set-mfa ${flagsOf(client.OPTIONS)}`,
    trace: `run proxy import render check ${flagsOf(trace.OPTIONS)} --login --call`,
    ui: flagsOf(ui.OPTIONS),
    completion: SHELLS.join(' '),
  };
}

/** The bash completion script. */
function bashScript(flags: Readonly<Record<string, string>>): string {
  return `# tessera bash completion
_tessera() {
  local cur cmd
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${COMMAND_NAMES.join(' ')} --help --version" -- "$cur") )
    return
  fi
  case "$cmd" in
${Object.entries(flags)
  .map(([c, f]) => `    ${c}) COMPREPLY=( $(compgen -W "${f}" -- "$cur") ) ;;`)
  .join('\n')}
    *) COMPREPLY=( $(compgen -f -- "$cur") ) ;;
  esac
}
complete -o default -F _tessera tessera
`;
}

/** The zsh completion script. */
function zshScript(flags: Readonly<Record<string, string>>): string {
  return `#compdef tessera
# tessera zsh completion
_tessera() {
  local -a commands
  commands=(${COMMAND_NAMES.map((c) => `'${c}'`).join(' ')})
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case "$words[2]" in
${Object.entries(flags)
  .map(([c, f]) => `    ${c}) compadd -- ${f} ;;`)
  .join('\n')}
    *) _files ;;
  esac
}
compdef _tessera tessera
`;
}

/** The fish completion script. */
function fishScript(flags: Readonly<Record<string, string>>): string {
  return `# tessera fish completion
complete -c tessera -f
complete -c tessera -n '__fish_use_subcommand' -a '${COMMAND_NAMES.join(' ')}'
${Object.entries(flags)
  .flatMap(([c, f]) =>
    f
      .split(' ')
      .map((flag) =>
        flag.startsWith('--')
          ? `complete -c tessera -n '__fish_seen_subcommand_from ${c}' -l ${flag.slice(2)}`
          : `complete -c tessera -n '__fish_seen_subcommand_from ${c}' -a ${flag}`,
      ),
  )
  .join('\n')}
`;
}

/** The PowerShell completion script. */
function powershellScript(flags: Readonly<Record<string, string>>): string {
  return `# tessera PowerShell completion
Register-ArgumentCompleter -Native -CommandName tessera -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $commands = @(${COMMAND_NAMES.map((c) => `'${c}'`).join(', ')})
  $flags = @{
${Object.entries(flags)
  .map(
    ([c, f]) =>
      `    '${c}' = @(${f
        .split(' ')
        .map((x) => `'${x}'`)
        .join(', ')})`,
  )
  .join('\n')}
  }
  $words = $commandAst.CommandElements | ForEach-Object { $_.ToString() }
  if ($words.Count -le 1 -or ($words.Count -eq 2 -and $wordToComplete)) { $candidates = $commands }
  elseif ($flags.ContainsKey($words[1])) { $candidates = $flags[$words[1]] }
  else { $candidates = @() }
  $candidates | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
  }
}
`;
}

const SCRIPTS: Readonly<
  Record<(typeof SHELLS)[number], (flags: Readonly<Record<string, string>>) => string>
> = { bash: bashScript, zsh: zshScript, fish: fishScript, powershell: powershellScript };

/** The completion script for `shell`, offering `flags` (per command) after each command. */
export function script(
  shell: (typeof SHELLS)[number],
  flags: Readonly<Record<string, string>>,
): string {
  return SCRIPTS[shell](flags);
}

/** `tessera completion <shell>`. */
export async function run(args: string[], io: CliIo): Promise<number> {
  return runGuarded('completion', args, io, async () => {
    const { values: v, positionals } = parse(args, { help: { type: 'boolean', short: 'h' } });
    if (v.help === true) {
      io.stdout.write(help);
      return EXIT.OK;
    }
    const shell = positionals[0];
    if (positionals.length !== 1 || !(SHELLS as readonly string[]).includes(shell!)) {
      throw usageError(`usage: tessera completion <${SHELLS.join('|')}>`);
    }
    io.stdout.write(script(shell as (typeof SHELLS)[number], await completionFlags()));
    return EXIT.OK;
  });
}
