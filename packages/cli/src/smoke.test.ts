import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { hsToken, SECRET, tempDir } from './test-support/fixtures.js';
import { join } from 'node:path';
import { NOW_S } from './test-support/memory-io.js';

// The one test that runs the built binary as a user would: `node packages/cli/dist/bin.js`.
const bin = fileURLToPath(new URL('./bin.js', import.meta.url));

test('smoke: the built binary decodes from stdin and verifies with a secret file, with exit codes', () => {
  const now = new Date(NOW_S * 1000).toISOString();
  const token = hsToken();
  const decoded = spawnSync(process.execPath, [bin, 'decode', '--json', '--now', now], {
    input: `Bearer ${token}\n`,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', TZ: 'UTC' },
  });
  assert.equal(decoded.status, 0, decoded.stderr);
  assert.equal(JSON.parse(decoded.stdout).payload.sub, 'alice');
  const dir = tempDir({ secret: SECRET });
  const ok = spawnSync(
    process.execPath,
    [
      bin,
      'verify',
      token,
      '--secret-file',
      join(dir, 'secret'),
      '--now',
      now,
      '--iss',
      'https://issuer.test',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /signature verified/);
  assert.doesNotMatch(ok.stdout, /\x1b\[/, 'no colour when stdout is a pipe');
  const bad = spawnSync(
    process.execPath,
    [bin, 'verify', token, '--secret-file', join(dir, 'secret'), '--now', now, '--aud', 'other'],
    { encoding: 'utf8' },
  );
  assert.equal(bad.status, 1);
  const garbage = spawnSync(process.execPath, [bin, 'decode'], {
    input: Buffer.from([0, 1, 0xff, 0xfe]),
    encoding: 'utf8',
  });
  assert.equal(garbage.status, 3);
  assert.equal(garbage.stderr.trim().split('\n').length, 1);
  assert.doesNotMatch(garbage.stderr, /\bat .*\.js:\d+/);
});
