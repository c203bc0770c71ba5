import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { main } from './main.js';
import { memoryIo } from './test-support/memory-io.js';
import { tempDir } from './test-support/fixtures.js';

const bin = fileURLToPath(new URL('./bin.js', import.meta.url));
const WORKERS = 8;

interface Reply {
  status: number;
  body: string;
  connection: string | undefined;
}

function post(agent: Agent, url: string, form: Record<string, string>): Promise<Reply> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (s: string) => (text += s));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function startServe(
  dir: string,
  kek: string,
): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--port', '0', '--data-dir', dir, '--shutdown-drain', '1s'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TESSERA_KEK: kek },
    },
  );
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (url === undefined && Date.now() < deadline) {
    url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    if (url === undefined) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(url, `serve printed its URL:\n${out}`);
  return { child, url, log: () => out };
}

test(
  'SIGTERM under load: no failed request, no lost commit (every chain refreshes after restart)',
  { timeout: 120_000 },
  async () => {
    const dir = tempDir();
    const kek = randomBytes(32).toString('hex');
    const env = { TESSERA_KEK: kek, TESSERA_PASSWORD: 'alice-password-123' };
    const c = memoryIo({ env });
    assert.equal(
      await main(
        [
          'client',
          'create',
          'app',
          '--first-party',
          '--grant',
          'password,refresh_token',
          '--json',
          '--data-dir',
          dir,
        ],
        c,
      ),
      0,
      c.err(),
    );
    const client = JSON.parse(c.out()) as { clientId: string; clientSecret: string };
    const u = memoryIo({ env });
    assert.equal(await main(['user', 'create', 'alice', '--data-dir', dir], u), 0, u.err());
    const creds = { client_id: client.clientId, client_secret: client.clientSecret };

    const first = await startServe(dir, kek);
    const agent = new Agent({ keepAlive: true, maxSockets: WORKERS });
    const tokens: string[] = [];
    for (let i = 0; i < WORKERS; i++) {
      const r = await post(agent, `${first.url}/token`, {
        grant_type: 'password',
        username: 'alice',
        password: env.TESSERA_PASSWORD,
        ...creds,
      });
      assert.equal(r.status, 200, r.body);
      tokens.push((JSON.parse(r.body) as { refresh_token: string }).refresh_token);
    }

    let ok = 0;
    let okAfterSigterm = 0;
    let closeHeaders = 0;
    let refused = 0;
    let sigtermAt = 0;
    const failed: string[] = [];
    const deadline = Date.now() + 20_000;
    const exited = once(first.child, 'exit');
    const worker = async (i: number) => {
      while (Date.now() < deadline) {
        try {
          const r = await post(agent, `${first.url}/token`, {
            grant_type: 'refresh_token',
            refresh_token: tokens[i]!,
            ...creds,
          });
          if (r.status !== 200) {
            failed.push(`${r.status} ${r.body}`);
            return;
          }
          tokens[i] = (JSON.parse(r.body) as { refresh_token: string }).refresh_token;
          ok++;
          if (sigtermAt > 0) okAfterSigterm++;
          if (r.connection === 'close') closeHeaders++;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          // Refused at connect: the request never reached the issuer (a client retries elsewhere).
          if (sigtermAt > 0 && code === 'ECONNREFUSED') {
            refused++;
            return;
          }
          failed.push(`network ${code ?? String(e)}`);
          return;
        }
      }
      failed.push('the load did not end: the issuer kept accepting');
    };
    const load = Array.from({ length: WORKERS }, (_, i) => worker(i));
    while (ok < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sigtermAt = Date.now();
    first.child.kill('SIGTERM');
    await Promise.all(load);
    const [code] = await exited;
    const stopMs = Date.now() - sigtermAt;
    agent.destroy();

    assert.deepEqual(failed, [], 'requests failed');
    assert.equal(code, 0, first.log());
    assert.match(first.log(), /shutting down/);
    assert.ok(okAfterSigterm > 0, 'requests were served while draining');
    assert.ok(closeHeaders > 0, 'draining responses carried Connection: close');
    assert.equal(refused, WORKERS, 'every worker was finally refused at connect');

    // No lost commit: every chain's latest refresh token works on the restarted issuer.
    const second = await startServe(dir, kek);
    const agent2 = new Agent({ keepAlive: false });
    try {
      for (const t of tokens) {
        const r = await post(agent2, `${second.url}/token`, {
          grant_type: 'refresh_token',
          refresh_token: t,
          ...creds,
        });
        assert.equal(r.status, 200, r.body);
      }
    } finally {
      second.child.kill('SIGTERM');
      await once(second.child, 'exit');
      agent2.destroy();
    }
    console.log(
      `# shutdown under load: ${WORKERS} workers, ${ok} refreshes ok (${okAfterSigterm} after SIGTERM), requests failed = ${failed.length}, refused at connect after close = ${refused}, SIGTERM to exit ${stopMs} ms`,
    );
  },
);
