import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '@tessera/server';
import {
  PG_SKIP,
  cli,
  postgresEnv,
  sqliteEnv,
  type IssuerEnv,
} from '../test-support/issuer-env.js';

const bin = fileURLToPath(new URL('../bin.js', import.meta.url));

/**
 * `tessera audit tail` shows an aggregated row (repeated wrong client secrets, #12 item 6) as one
 * line with its count, in text and JSON, and --follow prints it again when the count grows.
 * @see docs/security.md#audit-bounds
 */
async function wrongSecrets(server: RunningServer, clientId: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${server.url}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId,
        client_secret: 'not-the-secret',
      }),
    });
    assert.equal(r.status, 401);
    await r.body?.cancel();
  }
}

async function withIssuer(
  e: IssuerEnv,
  fn: (server: RunningServer, clientId: string) => Promise<void>,
): Promise<void> {
  const c = await cli(e, ['client', 'create', 'svc', '--grant', 'client_credentials', '--json']);
  assert.equal(c.code, 0, c.err);
  const { clientId } = JSON.parse(c.out) as { clientId: string };
  const server = await startServer({ port: 0, ...e.start });
  try {
    await fn(server, clientId);
  } finally {
    await server.close();
    await e.dispose();
  }
}

async function tailShowsCount(e: IssuerEnv): Promise<void> {
  await withIssuer(e, async (server, clientId) => {
    await wrongSecrets(server, clientId, 30);
    const json = await cli(e, [
      'audit',
      'tail',
      '--event',
      'client.authentication_failed',
      '--json',
    ]);
    assert.equal(json.code, 0, json.err);
    const lines = json.out.trim().split('\n');
    assert.equal(lines.length, 1, json.out);
    const row = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(row['count'], 30);
    assert.equal(row['client_id'], clientId);
    assert.match(String(row['last_at']), /^\d{4}-\d\d-\d\dT/);
    const text = await cli(e, ['audit', 'tail', '--event', 'client.authentication_failed']);
    assert.match(
      text.out,
      /client\.authentication_failed .* count=30 last=\d{4}-\d\d-\d\dT\S+Z\n$/,
    );
    assert.doesNotMatch(text.out, /not-the-secret/);
  });
}

test(
  'audit tail shows an aggregated row once, with its count (SQLite)',
  { timeout: 60_000 },
  async () => {
    await tailShowsCount(await sqliteEnv());
  },
);

test(
  'audit tail shows an aggregated row once, with its count (PostgreSQL)',
  { timeout: 60_000, skip: PG_SKIP },
  async () => {
    await tailShowsCount(await postgresEnv());
  },
);

test(
  'audit tail --follow prints an aggregated row again when its count grows',
  { timeout: 60_000 },
  async () => {
    const e = await sqliteEnv();
    await withIssuer(e, async (server, clientId) => {
      await wrongSecrets(server, clientId, 3);
      const child = spawn(
        process.execPath,
        [
          bin,
          'audit',
          'tail',
          '--follow',
          '--json',
          '--event',
          'client.authentication_failed',
          ...e.args,
        ],
        { env: { ...process.env, ...e.env }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
      child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
      try {
        const started = Date.now() + 30_000;
        while (!err.includes('following') && Date.now() < started)
          await new Promise((r) => setTimeout(r, 50));
        assert.match(err, /following the audit log/);
        await wrongSecrets(server, clientId, 2);
        const deadline = Date.now() + 15_000;
        while (!out.includes('"count":5') && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 100));
        const counts = out
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { count: number }).count);
        // The minute may roll over between the bursts: then the 2 are a new row of their own.
        assert.ok(JSON.stringify(counts) === '[3,5]' || JSON.stringify(counts) === '[3,2]', out);
      } finally {
        child.kill('SIGINT');
      }
      await new Promise<void>((r) => child.once('exit', () => r()));
    });
  },
);
