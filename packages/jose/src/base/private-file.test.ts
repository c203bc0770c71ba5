import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePrivateFile } from './private-file.js';

const skip = process.platform === 'win32' ? 'POSIX modes' : false;
const mode = (p: string) => statSync(p).mode & 0o777;

function inTemp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-private-file-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an existing world-readable file (0644) ends 0600 with the new content, whatever the umask', { skip }, () =>
  inTemp((dir) => {
    const f = join(dir, 'token.jwt');
    writeFileSync(f, 'old\n');
    chmodSync(f, 0o644);
    const old = process.umask(0o000);
    try {
      writePrivateFile(f, 'new\n');
    } finally {
      process.umask(old);
    }
    assert.equal(mode(f), 0o600);
    assert.equal(readFileSync(f, 'utf8'), 'new\n');
    assert.deepEqual(readdirSync(dir), ['token.jwt'], 'no temporary file left behind');
  }),
);

test('a symbolic link at the path is replaced, not written through to its target', { skip }, () =>
  inTemp((dir) => {
    const target = join(dir, 'elsewhere');
    writeFileSync(target, 'keep\n');
    chmodSync(target, 0o644);
    const f = join(dir, 'key.jwk');
    symlinkSync(target, f);
    writePrivateFile(f, 'secret\n');
    assert.equal(readFileSync(target, 'utf8'), 'keep\n');
    assert.equal(mode(f), 0o600);
    assert.equal(readFileSync(f, 'utf8'), 'secret\n');
  }),
);

test('overwrite: false refuses an existing file (EEXIST) and leaves it and the folder as they were', { skip }, () =>
  inTemp((dir) => {
    const f = join(dir, 'key.jwk');
    writeFileSync(f, 'first\n');
    assert.throws(
      () => writePrivateFile(f, 'second\n', { overwrite: false }),
      (e: NodeJS.ErrnoException) => e.code === 'EEXIST',
    );
    assert.equal(readFileSync(f, 'utf8'), 'first\n');
    assert.deepEqual(readdirSync(dir), ['key.jwk']);
    const g = join(dir, 'public.jwk');
    writePrivateFile(g, 'pub\n', { overwrite: false, mode: 0o644 });
    assert.equal(mode(g), 0o644, 'an explicit mode is set exactly');
    assert.deepEqual(readdirSync(dir).sort(), ['key.jwk', 'public.jwk']);
  }),
);

test('a folder that does not exist is an ENOENT error, nothing written', () =>
  inTemp((dir) => {
    assert.throws(
      () => writePrivateFile(join(dir, 'missing', 'token.jwt'), 'x'),
      (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
    );
  }),
);
