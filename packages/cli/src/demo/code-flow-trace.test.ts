import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo } from '../test-support/memory-io.js';
import { runServeCommand, type DemoInfo } from '../commands/serve.js';
import { renderSvg } from '@tessera/trace';
import { createFlowRecorder, recordingFetch, traceCodeFlow } from './code-flow-trace.js';
import { startDemoResourceServer } from './resource-server.js';
import { startDemoWebApp } from './web-app.js';

// The live trace of `serve --demo`, recorded from the real sign-in over real ports.
test(
  'demo code-flow trace: four lifelines, credentials-once and no-token-in-url pass, the password crosses one arrow (browser → issuer) and never reaches the app',
  { timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-demo-trace-'));
    const abort = new AbortController();
    const io = memoryIo({ env: {} });
    /** stdout and stderr as the terminal shows them. */
    const out = (): string => io.out() + io.err();
    const recorder = createFlowRecorder();
    let demo: DemoInfo | undefined;
    const ready = new Promise<void>((resolve) => {
      void runServeCommand(['--demo', '--port', '0', '--data-dir', dir], io, {
        signal: abort.signal,
        startDemoResourceServer,
        startDemoWebApp: (o) =>
          startDemoWebApp({ ...o, fetch: recordingFetch(recorder, () => recorder.appUrl) }),
        onDemo: (d) => (demo = d),
        onReady: () => resolve(),
      }).then((code) => assert.equal(code, 0, out()));
    });
    await ready;
    try {
      assert.ok(demo?.webAppUrl !== undefined, out());
      recorder.appUrl = demo.webAppUrl;
      const t = await traceCodeFlow(recorder, { ...demo, appUrl: demo.webAppUrl });
      assert.deepEqual(
        t.participants.map((p) => p.label),
        ['Browser', 'Demo web app', 'Issuer (tessera serve)', 'Resource server (guard)'],
      );
      const [browser, app, issuer, rs] = t.participants.map((p) => p.id);
      const once = t.assertions.find((a) => a.name === 'credentials-once');
      assert.equal(once?.status, 'pass', once?.message);
      // RP-initiated logout posts the ID token: no token in any URL of the flow.
      const noUrl = t.assertions.find((a) => a.name === 'no-token-in-url');
      assert.equal(noUrl?.status, 'pass', noUrl?.message);
      const endSession = t.exchanges.find((e) => new URL(e.url).pathname === '/end-session');
      assert.equal(endSession?.method, 'POST');
      assert.equal(new URL(endSession!.url).search, '');

      // Exactly one arrow carries the password: the browser's POST of the issuer's login form.
      const withPassword = t.exchanges.filter((e) =>
        e.credentials.some((c) => c.kind === 'password-field' && c.name === 'password'),
      );
      assert.equal(withPassword.length, 1);
      assert.equal(withPassword[0]!.from, browser);
      assert.equal(withPassword[0]!.to, issuer);
      assert.equal(withPassword[0]!.method, 'POST');
      // No request to the demo app carries any credential.
      const toApp = t.exchanges.filter((e) => e.to === app);
      assert.ok(toApp.length >= 6);
      for (const e of toApp) assert.deepEqual(e.credentials, [], `#${e.seq} ${e.url}`);

      // The app's own arrows: the code exchange and the refresh at the issuer, the API call.
      const fromApp = t.exchanges.filter((e) => e.from === app);
      const grants = fromApp
        .filter((e) => e.to === issuer && new URL(e.url).pathname === '/token')
        .map((e) => e.status);
      assert.deepEqual(grants, [200, 200]);
      assert.ok(
        fromApp.some((e) => e.to === rs && e.status === 200 && e.tokensPresented.length === 1),
      );
      // Access and refresh tokens stay in the app: the browser presents only the ID token, as the
      // id_token_hint of RP-initiated logout (OIDC RP-Initiated Logout 1.0 §2).
      const idToken = t.tokens.find((k) => k.issuedAs === 'id_token');
      const byBrowser = t.exchanges.filter(
        (e) => e.from === browser && e.tokensPresented.length > 0,
      );
      assert.deepEqual(
        byBrowser.map((e) => [
          new URL(e.url).pathname,
          e.tokensPresented.map((p) => p.fingerprint),
        ]),
        [['/end-session', [idToken?.fingerprint]]],
      );
      // The password never appears anywhere in the trace, and the diagram draws all four lifelines.
      assert.ok(!JSON.stringify(t).includes(demo.password));
      const svg = renderSvg(t);
      for (const label of ['Browser', 'Demo web app', 'Issuer (tessera serve)'])
        assert.ok(svg.includes(label));
    } finally {
      abort.abort();
      await new Promise((r) => setTimeout(r, 200));
    }
    // A second start on the same data folder: the app's new port and key are re-registered.
    const again = new AbortController();
    let demo2: DemoInfo | undefined;
    await new Promise<void>((resolve) => {
      void runServeCommand(['--demo', '--port', '0', '--data-dir', dir], io, {
        signal: again.signal,
        startDemoResourceServer,
        startDemoWebApp: (o) =>
          startDemoWebApp({ ...o, fetch: recordingFetch(recorder, () => recorder.appUrl) }),
        onDemo: (d) => (demo2 = d),
        onReady: () => resolve(),
      }).then((code) => assert.equal(code, 0, out()));
    });
    try {
      assert.ok(demo2?.webAppUrl !== undefined, out());
      recorder.appUrl = demo2.webAppUrl;
      const t2 = await traceCodeFlow(recorder, { ...demo2, appUrl: demo2.webAppUrl });
      assert.equal(t2.assertions.find((a) => a.name === 'credentials-once')?.status, 'pass');
    } finally {
      again.abort();
      await new Promise((r) => setTimeout(r, 200));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
