import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningServer } from '@tessera/server';
import { memoryIo } from '../test-support/memory-io.js';
import { runServeCommand } from '../commands/serve.js';
import { startDemoResourceServer } from './resource-server.js';

const form = (p: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(p).toString(),
});

// The one real-port test: `tessera serve --demo` end to end over TCP, following the printed walk-through.
test('serve --demo listens, prints the walk-through, and its resource server verifies through JWKS alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-serve-'));
  const abort = new AbortController();
  const io = memoryIo({ env: {} });
  /** stdout and stderr as the terminal shows them. */
  const out = (): string => io.out() + io.err();
  let server: RunningServer | undefined;
  const ready = new Promise<void>((resolve) => {
    void runServeCommand(['--demo', '--port', '0', '--data-dir', dir], io, {
      signal: abort.signal,
      demoRevocationPollMs: 200,
      startDemoResourceServer,
      onReady: (s) => {
        server = s;
        resolve();
      },
    }).then((code) => assert.equal(code, 0, out()));
  });
  const started = Date.now();
  await ready;
  try {
    // Generous: the machine running CI is shared; this guards against a hang, not a speed claim.
    assert.ok(Date.now() - started < 30_000, 'ready within seconds');
    const url = server!.url;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(out().includes(`listening on ${url}`));
    assert.match(out(), /curl -s -u 'demo-app:/);
    assert.equal(statSync(join(dir, 'kek')).mode & 0o777, 0o600);
    const rsUrl = /Demo resource server\s+(\S+)/.exec(out())![1]!;
    const password = /Demo user: demo \/ (\S+)/.exec(out())![1]!;
    const secret = /client: demo-app \/ (\S+)/.exec(out())![1]!;
    const basic = `Basic ${Buffer.from(`demo-app:${secret}`).toString('base64')}`;

    const meta = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as {
      issuer: string;
    };
    assert.equal(meta.issuer, url);
    const tokenRes = await fetch(`${url}/token`, {
      ...form({ grant_type: 'password', username: 'demo', password }),
      headers: { ...form({}).headers, authorization: basic },
    });
    assert.equal(tokenRes.status, 200);
    assert.equal(tokenRes.headers.get('cache-control'), 'no-store');
    const tokens = (await tokenRes.json()) as { access_token: string; refresh_token: string };

    const call = await fetch(`${rsUrl}/hello`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(call.status, 200);
    assert.match(((await call.json()) as { message: string }).message, /^hello /);
    const forged = await fetch(`${rsUrl}/hello`, {
      headers: { authorization: `Bearer ${tokens.access_token.slice(0, -3)}AAA` },
    });
    assert.equal(forged.status, 401);

    const refreshed = await fetch(`${url}/token`, {
      ...form({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
      headers: { ...form({}).headers, authorization: basic },
    });
    assert.equal(refreshed.status, 200);

    const revoked = await fetch(`${url}/revoke`, {
      ...form({ token: tokens.refresh_token }),
      headers: { ...form({}).headers, authorization: basic },
    });
    assert.equal(revoked.status, 200);
    // The resource server learns of the revoked session from the signed feed, without a call per request.
    let status = 200;
    for (let i = 0; i < 30 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (
        await fetch(`${rsUrl}/hello`, {
          headers: { authorization: `Bearer ${tokens.access_token}` },
        })
      ).status;
    }
    assert.equal(status, 401);
  } finally {
    abort.abort();
    await new Promise((r) => setTimeout(r, 200));
    rmSync(dir, { recursive: true, force: true });
  }
});
