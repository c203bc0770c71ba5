import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { dropPostgresSchema, openPostgresStore } from '../stores/postgres.js';
import { openSqliteStore } from '../stores/sqlite.js';
import type { Store } from '../stores/store.js';
import { PG_URL, type StoreKind, type TestStore } from './harness.js';

/**
 * Two store connections over one database — what two issuer nodes see: one SQLite file opened
 * twice, or one PostgreSQL schema (unique per call) through two pools. `dispose` closes both.
 */
export async function openTwoNodeStores(
  kind: StoreKind,
): Promise<{ a: TestStore; b: Store; dispose(): Promise<void> }> {
  let a: Store;
  let b: Store;
  let cleanup: () => Promise<void>;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-nodes-'));
    a = await openSqliteStore(join(dir, 'shared.db'));
    b = await openSqliteStore(join(dir, 'shared.db'));
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const schema = `tessera_nodes_${process.pid}_${randomBytes(4).toString('hex')}`;
    a = await openPostgresStore(PG_URL!, { schema });
    b = await openPostgresStore(PG_URL!, { schema });
    cleanup = () => dropPostgresSchema(PG_URL!, schema);
  }
  const dispose = async () => {
    await a.close().catch(() => {});
    await b.close().catch(() => {});
    await cleanup();
  };
  // `a` as a TestStore whose dispose does nothing: the caller disposes both at once.
  return { a: { store: a, dispose: async () => {} }, b, dispose };
}
