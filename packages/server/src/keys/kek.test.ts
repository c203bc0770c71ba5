import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKek, KekError, loadOrCreateKekFile, parseKek } from './kek.js';

test('sealed values open only with the same KEK and the same context', () => {
  const kek = createKek(randomBytes(32));
  const sealed = kek.seal('private key bytes', 'signing-key:k1');
  assert.equal(kek.open(sealed, 'signing-key:k1').toString(), 'private key bytes');
  assert.ok(!sealed.includes('private'));
  assert.throws(() => kek.open(sealed, 'signing-key:k2'), KekError);
  assert.throws(() => createKek(randomBytes(32)).open(sealed, 'signing-key:k1'), KekError);
  const parts = sealed.split('.');
  const flipped = [
    parts[0],
    parts[1],
    // The second-to-last character is wholly ciphertext bits; swap it for a different one.
    `${parts[2]!.slice(0, -2)}${parts[2]!.at(-2) === 'A' ? 'B' : 'A'}${parts[2]!.slice(-1)}`,
    parts[3],
  ].join('.');
  assert.throws(() => kek.open(flipped, 'signing-key:k1'), KekError);
  assert.throws(() => kek.open('v2.a.b.c', 'signing-key:k1'), KekError);
});

test('derived subkeys differ from the KEK and from each other', () => {
  const kek = createKek(randomBytes(32));
  const a = kek.derive('refresh-replay');
  const sealed = a.seal('x', 'ctx');
  assert.throws(() => kek.open(sealed, 'ctx'), KekError);
  assert.throws(() => kek.derive('other').open(sealed, 'ctx'), KekError);
  assert.equal(kek.derive('refresh-replay').open(sealed, 'ctx').toString(), 'x');
});

test('a KEK is exactly 32 bytes, given as base64url or hex', () => {
  assert.throws(() => createKek(randomBytes(16)), KekError);
  assert.throws(() => parseKek('not a key'), KekError);
  const raw = randomBytes(32);
  const sealed = parseKek(raw.toString('hex')).seal('v', 'c');
  assert.equal(parseKek(raw.toString('base64url')).open(sealed, 'c').toString(), 'v');
});

test('embedded mode generates the KEK file once, mode 0600, and reuses it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-kek-'));
  try {
    const a = loadOrCreateKekFile(dir);
    const file = join(dir, 'kek');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const first = readFileSync(file, 'utf8');
    const b = loadOrCreateKekFile(dir);
    assert.equal(readFileSync(file, 'utf8'), first);
    assert.equal(b.open(a.seal('same', 'c'), 'c').toString(), 'same');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
