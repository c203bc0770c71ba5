import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './completion.js';
import { memoryIo } from '../test-support/memory-io.js';
import { COMMAND_NAMES } from '../command-names.js';

for (const [shell, marker] of [
  ['bash', /complete -o default -F _tessera tessera/],
  ['zsh', /^#compdef tessera/],
  ['fish', /complete -c tessera -n '__fish_use_subcommand'/],
  ['powershell', /Register-ArgumentCompleter -Native -CommandName tessera/],
] as const) {
  test(`completion ${shell} prints a script naming every command`, async () => {
    const io = memoryIo();
    assert.equal(await run([shell], io), 0);
    const out = io.out();
    assert.match(out, marker);
    for (const c of COMMAND_NAMES) assert.ok(out.includes(c), `${shell}: ${c}`);
    assert.ok(out.includes('secret-file'));
  });
}

test('completion with no or an unknown shell → exit 2', async () => {
  assert.equal(await run([], memoryIo()), 2);
  assert.equal(await run(['tcsh'], memoryIo()), 2);
});

test('completion offers every flag of every parser option table (serve, user, client, verify, …)', async () => {
  const [serve, user, client, trace, ui] = await Promise.all([
    import('./serve.js'),
    import('./user.js'),
    import('./client.js'),
    import('./trace.js'),
    import('./ui.js'),
  ]);
  const verify = await import('./verify.js');
  const sign = await import('./sign.js');
  const tables: [string, Record<string, unknown>][] = [
    ['serve', serve.OPTIONS],
    ['user', user.OPTIONS],
    ['client', client.OPTIONS],
    ['trace', trace.OPTIONS],
    ['ui', ui.OPTIONS],
    ['verify', verify.OPTIONS],
    ['sign', sign.OPTIONS],
  ];
  for (const shell of ['bash', 'zsh', 'fish', 'powershell'] as const) {
    const io = memoryIo();
    assert.equal(await run([shell], io), 0);
    const out = io.out();
    for (const [cmd, table] of tables) {
      assert.ok(Object.keys(table).length > 2, cmd);
      for (const flag of Object.keys(table))
        assert.ok(
          out.includes(`--${flag}`) || out.includes(`'${flag}'`) || out.includes(` ${flag}`),
          `${shell} ${cmd}: --${flag}`,
        );
    }
  }
  // serve's settings flags come from the settings table too (e.g. --issuer, --data-dir).
  const bash = memoryIo();
  await run(['bash'], bash);
  const serveLine = bash
    .out()
    .split('\n')
    .find((l) => l.trim().startsWith('serve)'));
  assert.ok(serveLine?.includes('--issuer') && serveLine.includes('--demo'), serveLine);
  const clientLine = bash
    .out()
    .split('\n')
    .find((l) => l.trim().startsWith('client)'));
  assert.ok(clientLine?.includes('--token-endpoint-auth-method'), clientLine);
  assert.ok(clientLine?.includes('set-mfa') && clientLine.includes('--mfa'), clientLine);
});
