import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runUiCommand } from './ui-command.js';
import type { RunningUi } from './start-ui.js';
import { enterSession, rawRequest } from './test-support/ui-session.js';

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    },
    out,
    err,
  };
}

test('tessera ui --help prints the usage with exit codes and returns 0', async () => {
  const c = captureIo();
  assert.equal(await runUiCommand(['--help'], c.io), 0);
  assert.match(c.out.join(''), /--allow-network/);
  assert.match(c.out.join(''), /Exit codes/);
});

test('unknown flags and bad ports are usage errors (exit 2)', async () => {
  for (const args of [
    ['--nope'],
    ['--port'],
    ['--port', 'abc'],
    ['--port=70000'],
    ['positional'],
  ]) {
    const c = captureIo();
    assert.equal(await runUiCommand(args, c.io), 2, args.join(' '));
    assert.match(c.err.join(''), /Usage: tessera ui/);
  }
});

test('prints the URL, never opens a browser with --no-open, serves until stopped, then exits 0', async () => {
  const c = captureIo();
  const stop = new AbortController();
  let running: RunningUi | undefined;
  const opened: string[] = [];
  const done = runUiCommand(['--no-open', '--allow-network'], c.io, {
    signal: stop.signal,
    openBrowser: (u) => opened.push(u),
    onListening: (ui) => {
      running = ui;
    },
  });
  const deadline = Date.now() + 5000;
  while (running === undefined && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 10));
  assert.ok(running, 'listening within 5 s');
  assert.match(
    c.out.join(''),
    new RegExp(`Tessera debugger: http://127\\.0\\.0\\.1:${running.port}/s/`),
  );
  assert.match(c.out.join(''), /Offline — nothing leaves this machine/);
  const cookie = await enterSession(running.url);
  const cfg = await rawRequest(running.port, '/_tessera/api/config', { headers: { cookie } });
  assert.equal(JSON.parse(cfg.body).allowNetwork, true);
  assert.deepEqual(opened, []);
  stop.abort();
  assert.equal(await done, 0);
  await assert.rejects(rawRequest(running.port, '/'), 'the server is closed');
});

test('without --no-open the URL is handed to the opener (never a real browser in tests)', async () => {
  const c = captureIo();
  const stop = new AbortController();
  const opened: string[] = [];
  const done = runUiCommand([], c.io, {
    signal: stop.signal,
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
  const c1 = captureIo();
  const stop = new AbortController();
  let port = 0;
  const first = runUiCommand(['--no-open'], c1.io, {
    signal: stop.signal,
    onListening: (ui) => {
      port = ui.port;
    },
  });
  const deadline = Date.now() + 5000;
  while (port === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const c2 = captureIo();
  assert.equal(
    await runUiCommand(['--no-open', '--port', String(port)], c2.io, { signal: stop.signal }),
    2,
  );
  assert.match(c2.err.join(''), /EADDRINUSE/);
  stop.abort();
  assert.equal(await first, 0);
});
