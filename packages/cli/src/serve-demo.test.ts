import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { tempDir } from './test-support/fixtures.js';

// `npm start` is `tessera serve --demo`: the built binary, as a user runs it.
const bin = fileURLToPath(new URL('./bin.js', import.meta.url));

interface LiveView {
  svgDataUrl?: string;
  summary: {
    participants: string[];
    exchanges: { seq: number; credentials: string[]; presented: string[]; status: number }[];
    assertions: { name: string; ok: boolean }[];
  };
}

test(
  'serve --demo: the issuer, the debugger page at / (with its CSP), and the live flow in the Trace pane',
  { timeout: 90_000 },
  async () => {
    const dir = tempDir();
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--demo', '--port', '0', '--data-dir', dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    try {
      const deadline = Date.now() + 60_000;
      let url: string | undefined;
      while (url === undefined && Date.now() < deadline) {
        url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
        if (url === undefined) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(url, `the issuer printed its URL:\n${out}`);
      const meta = (await (
        await fetch(`${url}/.well-known/oauth-authorization-server`)
      ).json()) as { issuer: string };
      assert.equal(meta.issuer, url);
      // The banner (#13 item 14): the debugger URL, the audience the guard needs, the issuer URL
      // announced once (other lines use it inside commands, never as a second heading).
      while (!out.includes('Discovery:') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      const banner = out.split('\n');
      assert.equal(
        banner.filter((l) => l.includes('listening on')).length,
        1,
        `the issuer URL is announced once:\n${out}`,
      );
      assert.equal(
        banner.filter((l) => /^\s*(Tessera )?issuer\b/i.test(l) && l.includes(url)).length,
        1,
        `no second issuer heading:\n${out}`,
      );
      assert.ok(
        banner.some((l) => l.startsWith('Debugger page') && l.includes(`${url}/`)),
        `the debugger URL is printed:\n${out}`,
      );
      assert.ok(
        banner.some((l) => /audience: demo-api\b/.test(l)),
        `the guard's audience demo-api is printed:\n${out}`,
      );

      const page = await fetch(`${url}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
      assert.match(await page.text(), /Tessera debugger/);

      // The demo records its own flow from real requests: the browser sign-in through the demo
      // web app, on four lifelines; the password is on one exchange only (browser → issuer).
      let live: LiveView | undefined;
      while (Date.now() < deadline) {
        const res = await fetch(`${url}/_tessera/api/trace/live`);
        if (res.status === 200) {
          const body = (await res.json()) as LiveView;
          if (body.summary.exchanges.length >= 10) {
            live = body;
            break;
          }
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(live, 'the live flow was recorded');
      assert.match(live.svgDataUrl ?? '', /^data:image\/svg\+xml/);
      assert.deepEqual(live.summary.participants, [
        'Browser',
        'Demo web app',
        'Issuer (tessera serve)',
        'Resource server (guard)',
      ]);
      const carrying = live.summary.exchanges.filter((e) => e.credentials.length > 0);
      assert.equal(carrying.length, 1, 'one exchange carries the credentials');
      assert.deepEqual(carrying[0]!.presented, []);
      assert.ok(
        live.summary.exchanges.some((e) => e.status === 200 && e.presented.length === 1),
        'the resource server accepted a token',
      );
      assert.equal(
        live.summary.assertions.find((a) => a.name === 'credentials-once')?.ok,
        true,
        'credentials-once',
      );
      // The page's API never hands out the demo password: the trace is redacted.
      const password = /Demo user: demo \/ (\S+)/.exec(out)?.[1];
      assert.ok(password);
      assert.ok(!JSON.stringify(live).includes(password));
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  },
);
