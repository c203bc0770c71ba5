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
