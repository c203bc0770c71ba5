import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningUi } from '@tessera/web';
import { runUi } from './ui.js';
import { memoryIo } from '../test-support/memory-io.js';
import { enterSession, rawRequest } from '../../../web/dist/test-support/ui-session.js';

test('tessera ui --help prints the usage with exit codes and returns 0', async () => {
  const c = memoryIo();
  assert.equal(await runUi(['--help'], c), 0);
  assert.match(c.out(), /--allow-network/);
  assert.match(c.out(), /Exit codes/);
});

test('unknown flags and bad ports are usage errors (exit 2)', async () => {
  for (const args of [
    ['--nope'],
    ['--port'],
    ['--port', 'abc'],
    ['--port=70000'],
    ['positional'],
  ]) {
    const c = memoryIo();
    assert.equal(await runUi(args, c), 2, args.join(' '));
    assert.match(c.err(), /Usage: tessera ui/);
  }
});

test('--allow-http-loopback goes with --allow-network (alone it is a usage error, exit 2)', async () => {
  const c = memoryIo();
  assert.equal(await runUi(['--no-open', '--allow-http-loopback'], c), 2);
  assert.match(c.err(), /--allow-http-loopback goes with --allow-network/);
  const h = memoryIo();
  assert.equal(await runUi(['--help'], h), 0);
  assert.match(h.out(), /--allow-http-loopback/);
});

test('prints the URL, never opens a browser with --no-open, serves until stopped, then exits 0', async () => {
  const stop = new AbortController();
  const c = memoryIo({ signal: stop.signal });
  let running: RunningUi | undefined;
  const opened: string[] = [];
  const done = runUi(['--no-open', '--allow-network'], c, {
    openBrowser: (u) => opened.push(u),
    onListening: (ui) => {
      running = ui as RunningUi;
    },
  });
  const deadline = Date.now() + 5000;
  while (running === undefined && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  assert.ok(running, 'listening within 5 s');
  assert.match(c.out(), new RegExp(`Tessera debugger: http://127\\.0\\.0\\.1:${running.port}/s/`));
  assert.match(c.out(), /Offline — nothing leaves this machine/);
  const cookie = await enterSession(running.url);
  const cfg = await rawRequest(running.port, '/_tessera/api/config', { headers: { cookie } });
  assert.equal(JSON.parse(cfg.body).allowNetwork, true);
  assert.deepEqual(opened, []);
  stop.abort();
  assert.equal(await done, 0);
  await assert.rejects(rawRequest(running.port, '/'), 'the server is closed');
});

test('without --no-open the URL is handed to the opener (never a real browser in tests)', async () => {
  const stop = new AbortController();
  const c = memoryIo({ signal: stop.signal });
  const opened: string[] = [];
  const done = runUi([], c, {
    openBrowser: (u) => {
      opened.push(u);
      stop.abort();
    },
  });
  assert.equal(await done, 0);
  assert.equal(opened.length, 1);
  assert.match(opened[0]!, /^http:\/\/127\.0\.0\.1:\d+\/s\//);
});

test('a port already in use is reported, exit 2', async () => {
  const stop = new AbortController();
  const c1 = memoryIo({ signal: stop.signal });
  let port = 0;
  const first = runUi(['--no-open'], c1, {
    onListening: (ui) => {
      port = ui.port;
    },
  });
  const deadline = Date.now() + 5000;
  while (port === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const c2 = memoryIo({ signal: stop.signal });
  assert.equal(await runUi(['--no-open', '--port', String(port)], c2), 2);
  assert.match(c2.err(), /EADDRINUSE/);
  stop.abort();
  assert.equal(await first, 0);
});
