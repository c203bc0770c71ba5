/**
 * `tessera trace proxy` and `tessera trace import` through the CLI: the proxy records a real
 * client against a real server on 127.0.0.1 until stopped; `--jwks` problems map to exit codes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrace } from '@tessera/trace';
import { run as runTrace } from './trace.js';
import { memoryIo } from '../test-support/memory-io.js';
import {
  loginAndCalls,
  startDemoServer,
  type DemoServer,
} from '../../../trace/dist/test-support/demo-server.js';
import { jwksOf, SIGNED_RAWS, SIGNER, START } from '../../../trace/dist/test-support/raw-flows.js';

let server: DemoServer;
let dir: string;
before(async () => {
  server = await startDemoServer({ cookie: true });
  dir = mkdtempSync(join(tmpdir(), 'tessera-trace-proxy-'));
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('trace proxy command: records until stopped, then writes trace.json with mode 0600', async () => {
  const ac = new AbortController();
  const io = memoryIo({ cwd: dir, signal: ac.signal });
  const done = runTrace(
    [
      'proxy',
      '--listen',
      '127.0.0.1:0',
      '--target',
      server.url,
      '-o',
      'proxied.json',
      '--now',
      '2026-03-01T09:00:00Z',
      '--format',
      'mermaid',
    ],
    io,
  );
  // The command prints the URL it listens on; wait for it (bounded).
  let url: string | undefined;
  for (let i = 0; i < 100 && url === undefined; i++) {
    url = /recording (http:\/\/127\.0\.0\.1:\d+)/.exec(io.err())?.[1];
    if (url === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(url, io.err());
  await loginAndCalls(url);
  ac.abort();
  assert.equal(await done, 0, io.err());
  const path = join(dir, 'proxied.json');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const trace = parseTrace(readFileSync(path, 'utf8'));
  assert.equal(trace.exchanges.length, 3);
  assert.equal(trace.startedAt, '2026-03-01T09:00:00.000Z');
  assert.match(io.out(), /^sequenceDiagram\n/);
});

test('trace render/import: --jwks errors map to exit codes 2, 3 and 4', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-trace-jwks-'));
  try {
    writeFileSync(join(dir, 'good.json'), JSON.stringify(jwksOf(SIGNER.publicKey)));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ keys: 'nope' }));
    const har = {
      log: {
        version: '1.2',
        entries: SIGNED_RAWS.map((r, i) => ({
          startedDateTime: new Date(START.getTime() + r.t).toISOString(),
          time: i,
          request: {
            method: r.method,
            url: r.url,
            headers: r.requestHeaders.map(([name, value]) => ({ name, value })),
            ...(r.requestBody
              ? { postData: { mimeType: 'application/x-www-form-urlencoded', text: r.requestBody } }
              : {}),
          },
          response: {
            status: r.status,
            headers: r.responseHeaders.map(([name, value]) => ({ name, value })),
            content: { text: r.responseBody ?? '' },
          },
        })),
      },
    };
    writeFileSync(join(dir, 's.har'), JSON.stringify(har));
    const run = async (args: string[]) => {
      const io = memoryIo({ cwd: dir });
      return [await runTrace(args, io), io] as const;
    };
    const [ok, io] = await run([
      'import',
      's.har',
      '--jwks',
      'good.json',
      '--actor',
      'Alice',
      '--format',
      'json',
      '-o',
      't.json',
    ]);
    assert.equal(ok, 0, io.err());
    const trace = JSON.parse(io.out()) as {
      tokens: { verified: string }[];
      participants: { label: string }[];
    };
    assert.equal(trace.tokens[0]!.verified, 'valid');
    assert.equal(trace.participants[0]!.label, 'Alice');
    assert.equal((await run(['import', 's.har', '--jwks', 'missing.json']))[0], 3);
    assert.equal((await run(['import', 's.har', '--jwks', 'bad.json']))[0], 4);
    assert.equal((await run(['import', 's.har', '--alg', 'EdDSA']))[0], 2);
    assert.equal((await run(['import', 's.har', '--jwks', 'https://issuer.example/jwks']))[0], 2);
    assert.equal((await run(['import', 's.har', '--jwks', 'good.json', '--alg', 'XX256']))[0], 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
