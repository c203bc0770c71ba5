/**
 * File snapshots under src/__snapshots__. `UPDATE_SNAPSHOTS=1` rewrites them; otherwise a
 * missing snapshot is a failure (a test that writes its own expectation cannot fail).
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';

// Compiled tests run from dist/; the snapshots live beside the sources.
const SNAPSHOT_DIR = fileURLToPath(new URL('../../src/__snapshots__/', import.meta.url));

export function matchSnapshot(name: string, actual: string): void {
  const path = join(SNAPSHOT_DIR, name);
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.ok(
    existsSync(path),
    `snapshot ${name} is missing: run the test with UPDATE_SNAPSHOTS=1 and commit it`,
  );
  assert.equal(
    actual,
    readFileSync(path, 'utf8'),
    `snapshot ${name} differs (UPDATE_SNAPSHOTS=1 rewrites it after review)`,
  );
}
