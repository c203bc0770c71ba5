import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main, usage } from './main.js';
import { memoryIo, NOW } from './test-support/memory-io.js';
import { hsToken, SECRET } from './test-support/fixtures.js';
import { EXIT, EXIT_CODE_TABLE } from './exit-codes.js';
import { PACKAGE_COMMANDS } from './index.js';

test('--help lists every command and the exit codes 0-5', async () => {
  const io = memoryIo();
  assert.equal(await main(['--help'], io), 0);
  const out = io.out();
  for (const c of [
    'decode',
    'verify',
    'sign',
    'keygen',
    'jwk',
    'jwks',
    'audit',
    'serve',
    'user',
    'client',
    'trace',
    'ui',
    'completion',
  ]) {
    assert.match(out, new RegExp(`^  ${c}\\s`, 'm'), c);
  }
  for (const code of [0, 1, 2, 3, 4, 5]) assert.match(out, new RegExp(`^  ${code}  \\w`, 'm'));
  assert.equal(EXIT_CODE_TABLE.length, 6);
  assert.equal(out, usage());
});

test('no arguments prints usage to stderr and exits 2', async () => {
  const io = memoryIo();
  assert.equal(await main([], io), 2);
  assert.match(io.err(), /Usage: tessera/);
});

test('--version prints the package version', async () => {
  const io = memoryIo();
  assert.equal(await main(['--version'], io), 0);
  assert.match(io.out(), /^\d+\.\d+\.\d+\n$/);
});

test('unknown command → one line, exit 2', async () => {
  const io = memoryIo();
  assert.equal(await main(['frobnicate'], io), 2);
  assert.equal(io.err(), 'tessera: unknown command "frobnicate" (see tessera --help)\n');
});

test('per-command help: `tessera help verify` and `tessera verify --help`', async () => {
  const a = memoryIo();
  assert.equal(await main(['help', 'verify'], a), 0);
  assert.match(a.out(), /^Usage: tessera verify/);
  const b = memoryIo();
  assert.equal(await main(['verify', '--help'], b), 0);
  assert.equal(a.out(), b.out());
});

test('aliases: inspect → decode, encode → sign', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(await main(['inspect', hsToken(), '--json'], io), 0);
  assert.equal(JSON.parse(io.out()).payload.sub, 'alice');
  const s = memoryIo({ now: NOW, env: { S: SECRET } });
  assert.equal(await main(['encode', '--secret', 'env:S', '--sub', 'x'], s), 0);
  assert.match(s.out(), /^eyJ/);
});

test('delegated commands (serve, user, client, trace, ui) reach their packages: --help exits 0, an unknown flag exits 2', async () => {
  for (const name of PACKAGE_COMMANDS) {
    const help = memoryIo();
    assert.equal(await main([name, '--help'], help), 0, name);
    assert.match(help.out() + help.err(), new RegExp(`tessera ${name}`), name);
    const bad = memoryIo();
    assert.equal(await main([name, '--no-such-flag'], bad), EXIT.USAGE, name);
  }
});

test('every exit code is reachable through main (0 decode, 1 verify, 2 usage, 3 input, 4 key, 5 network)', async () => {
  const s = { env: { S: SECRET }, now: NOW };
  assert.equal(await main(['decode', hsToken()], memoryIo(s)), 0);
  assert.equal(
    await main(['verify', hsToken(), '--secret', 'env:S', '--iss', 'nope'], memoryIo(s)),
    1,
  );
  assert.equal(await main(['verify', hsToken(), '--nope'], memoryIo(s)), 2);
  assert.equal(await main(['decode', 'xx'], memoryIo(s)), 3);
  assert.equal(await main(['verify', hsToken(), '--secret', 'weak'], memoryIo(s)), 4);
  assert.equal(
    await main(['jwks', 'fetch', 'http://127.0.0.1:1/jwks', '--allow-http-loopback'], memoryIo(s)),
    5,
  );
});

test('a mistyped flag carrying a secret is named without its value', async () => {
  const io = memoryIo({ now: NOW });
  assert.equal(await main(['verify', hsToken(), `--sekret=${SECRET}`], io), 2);
  assert.equal(io.err(), 'tessera verify: unknown option --sekret\n');
  const missing = memoryIo();
  assert.equal(await main(['verify', hsToken(), '--secret'], missing), 2);
  assert.equal(missing.err(), 'tessera verify: option --secret needs a value\n');
});

test('a value that starts with "-" (a base64url key id) is refused with the way out, and taken after --', async () => {
  const io = memoryIo();
  assert.equal(await main(['decode', '-Xq3z'], io), 2);
  assert.match(io.err(), /unknown option -X \(a value that starts with "-" goes after "--"\)/);
  // After `--` it is the positional argument: decode reads it (and finds no JWT), no usage error.
  const after = memoryIo();
  const code = await main(['decode', '--', '-Xq3z'], after);
  assert.notEqual(code, 2, after.err());
  assert.doesNotMatch(after.err(), /unknown option/);
});
