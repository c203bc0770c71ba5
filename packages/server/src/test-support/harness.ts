import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../app.js';
import { createClient } from '../clients.js';
import type { ServerOptions } from '../config.js';
import { createKek, type Kek } from '../keys/kek.js';
import { createPasswordHasher } from '../passwords.js';
import { dropPostgresSchema, openPostgresStore } from '../stores/postgres.js';
import { openSqliteStore } from '../stores/sqlite.js';
import type { AuditEventRow, Store } from '../stores/store.js';
import { createUser } from '../users.js';

export const PG_URL = process.env['TESSERA_TEST_DATABASE_URL'];
export const PG_SKIP = PG_URL === undefined ? 'TESSERA_TEST_DATABASE_URL is not set' : false;

/** Cheap Argon2id for tests; one test uses the real OWASP parameters. */
export const TEST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 } as const;
export const ISSUER = 'http://issuer.test';

export type StoreKind = 'sqlite' | 'postgres';

export interface TestStore {
  store: Store;
  dispose(): Promise<void>;
}

/** A fresh store: a temp SQLite file, or a unique PostgreSQL schema dropped afterwards. */
export async function openTestStore(
  kind: StoreKind,
  pgOptions: { max?: number } = {},
): Promise<TestStore> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-store-'));
    const store = await openSqliteStore(join(dir, 'test.db'));
    return {
      store,
      dispose: async () => {
        await store.close().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `tessera_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const store = await openPostgresStore(PG_URL!, { schema, ...pgOptions });
  return {
    store,
    dispose: async () => {
      await store.close().catch(() => {});
      await dropPostgresSchema(PG_URL!, schema);
    },
  };
}

export interface TestIssuer {
  app: FastifyInstance;
  store: Store;
  kek: Kek;
  clientId: string;
  clientSecret: string;
  publicClientId: string;
  ccClientId: string;
  ccClientSecret: string;
  username: string;
  password: string;
  userId: string;
  clock: { ms: number };
  basic(id?: string, secret?: string): string;
  close(): Promise<void>;
}

/**
 * An issuer over a fresh store with a first-party client, a public client, a
 * client_credentials-only client and one user. Time is a settable clock.
 */
export async function makeIssuer(
  kind: StoreKind = 'sqlite',
  overrides: Partial<ServerOptions> = {},
  existing?: TestStore,
  appOptions: Partial<Omit<AppOptions, 'config' | 'store' | 'kek'>> = {},
): Promise<TestIssuer> {
  const ts = existing ?? (await openTestStore(kind));
  const clock = { ms: Date.now() };
  const kek = createKek(randomBytes(32));
  const app = await buildApp({
    config: { issuer: ISSUER, argon2: TEST_ARGON2, now: () => clock.ms, ...overrides },
    store: ts.store,
    kek,
    ...appOptions,
  });
  const deps = { store: ts.store, defaultAudience: 'api' };
  const web = await createClient(deps, {
    name: 'web',
    clientId: 'web-app',
    firstParty: true,
    scopes: ['read', 'write'],
  });
  const spa = await createClient(deps, {
    name: 'spa',
    clientId: 'spa',
    firstParty: true,
    public: true,
    scopes: ['read'],
  });
  const svc = await createClient(deps, {
    name: 'svc',
    clientId: 'svc',
    scopes: ['read'],
    audience: 'reports',
  });
  const password = 'correct horse battery staple';
  const user = await createUser(
    { store: ts.store, hasher: createPasswordHasher(TEST_ARGON2) },
    { username: 'alice', password, roles: ['reader'] },
  );
  return {
    app,
    store: ts.store,
    kek,
    clientId: web.client.clientId,
    clientSecret: web.clientSecret!,
    publicClientId: spa.client.clientId,
    ccClientId: svc.client.clientId,
    ccClientSecret: svc.clientSecret!,
    username: 'alice',
    password,
    userId: user.id,
    clock,
    basic(id = web.client.clientId, secret = web.clientSecret!) {
      return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    },
    close: async () => {
      await app.close();
      if (existing === undefined) await ts.dispose();
    },
  };
}

/**
 * How many audit events of `type` were recorded (optionally only rows matching `where`): the sum
 * of the rows' counts, since repeated failures share one row per minute (audit.ts).
 */
export async function countAuditEvents(
  store: Store,
  type: string,
  where: (row: AuditEventRow) => boolean = () => true,
): Promise<number> {
  const rows = await store.listAuditEvents(100_000, type);
  return rows.filter(where).reduce((n, r) => n + r.count, 0);
}

/** x-www-form-urlencoded body from pairs. */
export function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' } as const;

/** POST a form to the app and return status, headers and parsed JSON. */
export async function post(
  app: FastifyInstance,
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const res = await app.inject({
    method: 'POST',
    url,
    headers: { ...FORM, ...headers },
    payload: form(params),
  });
  let json: Record<string, unknown> = {};
  try {
    json = res.body.length > 0 ? (JSON.parse(res.body) as Record<string, unknown>) : {};
  } catch {
    json = {};
  }
  return { status: res.statusCode, headers: res.headers, json, body: res.body };
}

/** Log in alice with the first-party client; returns the token response. */
export async function login(t: TestIssuer, extra: Record<string, string> = {}) {
  const r = await post(
    t.app,
    '/token',
    { grant_type: 'password', username: t.username, password: t.password, ...extra },
    { authorization: t.basic() },
  );
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.body}`);
  return r.json as {
    access_token: string;
    refresh_token: string;
    expires_in: number;
    scope?: string;
    token_type: string;
  };
}
