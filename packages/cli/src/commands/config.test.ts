import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './config.js';
import { memoryIo } from '../test-support/memory-io.js';
import { tempDir } from '../test-support/fixtures.js';

const KEK = Buffer.alloc(32, 9).toString('hex');

test('config check: resolved settings with origins, secrets redacted, exit 0', async () => {
  const dir = tempDir({
    'tessera.config.json': JSON.stringify({ port: 4100, metrics: { enabled: true, port: 9464 } }),
    'kek.txt': `${KEK}\n`,
  });
  const io = memoryIo({
    cwd: dir,
    env: { TESSERA_KEK_FILE: 'kek.txt', TESSERA_DATABASE_URL: 'postgres://t:db-pass-77@db/t' },
  });
  assert.equal(await run(['check', '--json', '--port', '4200'], io), 0, io.err());
  const shown = JSON.parse(io.out()) as {
    settings: Record<string, unknown>;
    origins: Record<string, string>;
  };
  assert.equal(shown.settings['port'], 4200);
  assert.equal(shown.origins['port'], 'flag --port');
  assert.equal(shown.settings['kek'], '[redacted]');
  assert.doesNotMatch(io.out() + io.err(), new RegExp(`${KEK}|db-pass-77`));
});

test('config check: every error on stderr naming key and source, exit 1; --kek refused as a flag', async () => {
  const dir = tempDir({ 'tessera.config.json': JSON.stringify({ alg: 'HS256', colour: 'red' }) });
  const io = memoryIo({ cwd: dir, env: { TESSERA_PORT: 'eighty' } });
  assert.equal(await run(['check'], io), 1);
  assert.match(io.err(), /alg must be one of EdDSA, ES256, RS256 \(from file /);
  assert.match(io.err(), /unknown key "colour"/);
  assert.match(io.err(), /port must be an integer from 0 to 65535 \(from env TESSERA_PORT\)/);
  const flag = memoryIo({ cwd: dir, env: {} });
  assert.equal(await run(['check', '--kek', KEK], flag), 2, 'a secret flag is unknown');
  assert.doesNotMatch(flag.err(), new RegExp(KEK));
});

test('config schema prints the JSON Schema; a wrong subcommand is a usage error', async () => {
  const io = memoryIo();
  assert.equal(await run(['schema'], io), 0);
  const schema = JSON.parse(io.out()) as {
    additionalProperties: boolean;
    properties: Record<string, unknown>;
  };
  assert.equal(schema.additionalProperties, false);
  assert.ok('metrics' in schema.properties && 'trustProxy' in schema.properties);
  assert.equal(await run(['frobnicate'], memoryIo()), 2);
});
