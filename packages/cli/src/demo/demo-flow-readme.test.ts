import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../test-support/fixtures.js';

// #13 item 4: the README's trace line works as written against `npm start`. The line is read from
// README.md (so the README cannot drift) and run by a shell in a folder laid out like the clone,
// next to `tessera serve --demo` started there as `npm start` starts it.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = fileURLToPath(new URL('../bin.js', import.meta.url));

function collect(child: ReturnType<typeof spawn>): () => string {
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (out += s));
  return () => out;
}

test(
  "the README's trace line runs examples/demo-flow.json against serve --demo: exit 0, credentials-once passes",
  {
    timeout: 120_000,
  },
  async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const line = readme.split('\n').find((l) => l.startsWith('npx tessera trace run '));
    assert.ok(line, 'the README has a trace line');
    assert.match(line, /examples\/demo-flow\.json/);

    const cwd = tempDir();
    mkdirSync(join(cwd, 'examples', 'out'), { recursive: true });
    copyFileSync(join(root, 'examples', 'demo-flow.json'), join(cwd, 'examples', 'demo-flow.json'));
    // `npm start` = `node packages/cli/dist/bin.js serve --demo` in the clone; a free port here.
    const demo = spawn(process.execPath, [bin, 'serve', '--demo', '--port', '0'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const demoOut = collect(demo);
    try {
      const deadline = Date.now() + 60_000;
      while (!demoOut().includes('Discovery:') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      assert.ok(demoOut().includes('Discovery:'), `the demo started:\n${demoOut()}`);
      const envFile = join(cwd, '.tessera', 'demo.env');
      assert.equal(statSync(envFile).mode & 0o777, 0o600, 'demo.env is readable by its owner only');
      const password = /Demo user: demo \/ (\S+)/.exec(demoOut())?.[1];
      assert.ok(password);
      assert.ok(readFileSync(envFile, 'utf8').includes(`TESSERA_DEMO_PASSWORD=${password}`));
      // The banner points at the same command as the README.
      assert.ok(
        demoOut().includes(
          'npx tessera trace run examples/demo-flow.json --env-file .tessera/demo.env',
        ),
        demoOut(),
      );

      // As written, with `npx tessera` standing for the built bin (the bin-link test proves npx).
      const command = line.replaceAll('npx tessera', `"${process.execPath}" "${bin}"`);
      const run = spawn('sh', ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      const runOut = collect(run);
      const [code] = (await once(run, 'exit')) as [number | null];
      assert.equal(code, 0, runOut());
      assert.match(runOut(), /^✓ credentials-once: /m);
      assert.doesNotMatch(runOut(), /^✗/m);
      const trace = readFileSync(join(cwd, 'examples', 'out', 'trace.json'), 'utf8');
      assert.ok(!trace.includes(password), 'the trace never holds the password');
      assert.match(readFileSync(join(cwd, 'examples', 'out', 'trace.svg'), 'utf8'), /<svg /);
    } finally {
      if (demo.exitCode === null && demo.signalCode === null) {
        demo.kill('SIGTERM');
        await once(demo, 'exit');
      }
      rmSync(cwd, { recursive: true, force: true });
    }
  },
);
