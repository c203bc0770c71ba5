/**
 * `tessera trace run` against a real HTTP server on 127.0.0.1: a login and two calls produce the
 * expected trace and SVG; a client that re-sends the password fails credentials-once.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { displayToken, fingerprint, parseTrace } from '@tessera/trace';
import { run as runTrace } from './trace.js';
import { memoryIo } from '../test-support/memory-io.js';
import {
  DEMO_PASSWORD,
  startDemoServer,
  type DemoServer,
} from '../../../trace/dist/test-support/demo-server.js';
import { matchSnapshot } from '../../../trace/dist/test-support/snapshot.js';

const NOW = '2026-03-01T09:00:00.000Z';
let server: DemoServer;
let dir: string;

before(async () => {
  server = await startDemoServer({ now: new Date(NOW) });
  dir = mkdtempSync(join(tmpdir(), 'tessera-trace-run-'));
});
after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const runArgs = (out: string, extra: string[] = []): string[] => [
  'run',
  '--login',
  'POST',
  `${server.url}/login`,
  '--form',
  'username=alice',
  '--password-stdin',
  '--token-from',
  'json:access_token',
  '--call',
  'GET',
  '/me',
  '--call',
  'GET',
  '/orders',
  '--now',
  NOW,
  '--name',
  `${server.host}="Demo API"`,
  '-o',
  out,
  ...extra,
];

test('trace run: login + two calls → the expected trace, written 0600, no password in it', async () => {
  const out = join(dir, 'trace.json');
  const io = memoryIo({ cwd: dir, stdin: `${DEMO_PASSWORD}\n` });
  const code = await runTrace(
    runArgs('trace.json', ['--assert', 'credentials-once,token-only-after-login']),
    io,
  );
  assert.equal(code, 0, io.err());
  assert.equal(statSync(out).mode & 0o777, 0o600);
  const text = readFileSync(out, 'utf8');
  assert.ok(!text.includes(DEMO_PASSWORD), 'the password is never stored');
  const trace = parseTrace(text);
  assert.equal(trace.source, 'run');
  assert.equal(trace.startedAt, NOW);
  assert.equal(trace.revealed, false);
  assert.deepEqual(trace.participants, [
    { id: 'client', label: 'CLI', kind: 'client' },
    { id: 'svc1', label: 'Demo API', kind: 'service', origin: server.host },
  ]);
  assert.deepEqual(
    trace.exchanges.map((e) => [e.seq, e.t, e.method, e.url, e.status, e.role ?? '']),
    [
      [1, 0, 'POST', `${server.url}/login`, 200, 'login'],
      [2, 0, 'GET', `${server.url}/me`, 200, ''],
      [3, 0, 'GET', `${server.url}/orders`, 200, ''],
    ],
  );
  const [login, me, orders] = trace.exchanges;
  assert.deepEqual(login!.credentials, [
    { kind: 'password-field', location: 'form', name: 'password' },
  ]);
  assert.deepEqual(login!.requestBody, {
    type: 'form',
    fields: ['username', 'password'],
    bytes: 'username=alice&password=correct+horse+battery+staple'.length,
  });
  assert.equal(login!.tokensIssued.length, 1);
  const tok = trace.tokens[0]!;
  assert.equal(trace.tokens.length, 1);
  assert.deepEqual(login!.tokensIssued, [
    { fingerprint: tok.fingerprint, location: 'json', name: 'access_token' },
  ]);
  for (const e of [me!, orders!]) {
    assert.deepEqual(e.credentials, []);
    assert.deepEqual(e.tokensPresented, [
      { fingerprint: tok.fingerprint, location: 'authorization' },
    ]);
    assert.equal(e.requestHeaders.authorization, `Bearer ${tok.display}`);
  }
  assert.equal(tok.kind, 'jwt');
  assert.equal(tok.alg, 'HS256');
  assert.equal(tok.kid, 'demo-1');
  assert.equal(tok.iat, Date.parse(NOW) / 1000);
  assert.equal(tok.lifetimeSec, 900);
  assert.equal(tok.issuedIn, 1);
  assert.deepEqual(tok.presentedIn, [2, 3]);
  assert.match(tok.display, /^eyJhbGci…[A-Za-z0-9_-]{4}$/);
  assert.equal(tok.value, undefined);
  assert.ok(trace.assertions.every((a) => a.status === 'pass'));
  assert.match(io.out(), /✓ credentials-once/);
});

test('trace run is deterministic with --now and matches the committed SVG snapshot', async () => {
  const io1 = memoryIo({ cwd: dir, stdin: DEMO_PASSWORD });
  assert.equal(await runTrace(runArgs('a.json', ['--format', 'svg']), io1), 0, io1.err());
  const io2 = memoryIo({ cwd: dir, stdin: DEMO_PASSWORD });
  assert.equal(await runTrace(runArgs('b.json', ['--format', 'svg']), io2), 0, io2.err());
  const svg = io1.out();
  assert.equal(svg, io2.out(), 'byte-stable output');
  const norm = (s: string) => s.replaceAll(String(server.port), 'PORT');
  assert.equal(
    norm(readFileSync(join(dir, 'a.json'), 'utf8')),
    norm(readFileSync(join(dir, 'b.json'), 'utf8')),
  );
  assert.ok(svg.startsWith('<?xml') && svg.includes('<svg'));
  assert.ok(!svg.includes(String(server.port)), 'the relabelled participant hides the random port');
  assert.ok(svg.includes('only request carrying credentials'));
  assert.ok(svg.includes('authenticated with token #1'));
  assert.ok(svg.includes('password=•••'));
  matchSnapshot('trace-run-login-two-calls.svg', svg);
  const io3 = memoryIo({ cwd: dir });
  assert.equal(await runTrace(['render', 'a.json', '--format', 'mermaid'], io3), 0, io3.err());
  matchSnapshot('trace-run-login-two-calls.mmd', io3.out());
  const io4 = memoryIo({ cwd: dir });
  assert.equal(await runTrace(['render', 'a.json', '--format', 'ascii'], io4), 0, io4.err());
  matchSnapshot('trace-run-login-two-calls.txt', io4.out());
});

test('a client that re-sends the password fails credentials-once; trace check exits 1 naming the exchange', async () => {
  const scenario = {
    login: {
      method: 'POST',
      url: `${server.url}/login`,
      form: { username: 'alice', password: '$password' },
    },
    calls: [
      { method: 'GET', url: '/me', basic: { username: 'alice', password: '$password' } },
      { method: 'GET', url: '/orders' },
    ],
  };
  writeFileSync(join(dir, 'resend.json'), JSON.stringify(scenario));
  const io = memoryIo({ cwd: dir, stdin: DEMO_PASSWORD });
  const code = await runTrace(
    [
      'run',
      'resend.json',
      '--password-stdin',
      '--now',
      NOW,
      '-o',
      'resend-trace.json',
      '--assert',
      'credentials-once',
    ],
    io,
  );
  assert.equal(code, 1, io.err());
  const text = readFileSync(join(dir, 'resend-trace.json'), 'utf8');
  assert.ok(!text.includes(DEMO_PASSWORD));
  assert.ok(
    !text.includes(Buffer.from(`alice:${DEMO_PASSWORD}`).toString('base64')),
    'the Basic credentials are not stored',
  );
  const trace = parseTrace(text);
  assert.deepEqual(trace.exchanges[1]!.credentials, [{ kind: 'basic', location: 'authorization' }]);
  assert.equal(trace.exchanges[1]!.requestHeaders.authorization, 'Basic •••');

  // The default assertions decide the exit code too (no --assert given): 1, as the help says.
  const byDefault = memoryIo({ cwd: dir, stdin: DEMO_PASSWORD });
  assert.equal(
    await runTrace(
      ['run', 'resend.json', '--password-stdin', '--now', NOW, '-o', 'resend-default.json'],
      byDefault,
    ),
    1,
  );
  assert.match(byDefault.out(), /✗ credentials-once/);

  const check = memoryIo({ cwd: dir });
  assert.equal(await runTrace(['check', 'resend-trace.json'], check), 1);
  assert.match(check.out(), /✗ credentials-once: credentials were sent 2 times; again in: #2/);
  assert.match(check.out(), /✗ token-only-after-login: .*#2/);
  assert.match(check.out(), /✓ no-token-in-url/);
  const json = memoryIo({ cwd: dir });
  assert.equal(
    await runTrace(['check', 'resend-trace.json', '--json', '--assert', 'credentials-once'], json),
    1,
  );
  assert.deepEqual(JSON.parse(json.out()), {
    ok: false,
    assertions: [
      {
        name: 'credentials-once',
        status: 'fail',
        message: 'credentials were sent 2 times; again in: #2',
        exchanges: [2],
      },
    ],
  });
  const svg = memoryIo({ cwd: dir });
  assert.equal(await runTrace(['render', 'resend-trace.json'], svg), 0);
  assert.ok(
    svg.out().includes('credentials sent AGAIN') && svg.out().includes('✗ credentials-once'),
  );
});

test('--reveal keeps the full token but never the password', async () => {
  const io = memoryIo({ cwd: dir, stdin: DEMO_PASSWORD });
  assert.equal(await runTrace(runArgs('revealed.json', ['--reveal']), io), 0, io.err());
  assert.match(io.err(), /warning: --reveal/);
  const text = readFileSync(join(dir, 'revealed.json'), 'utf8');
  const trace = parseTrace(text);
  assert.equal(trace.revealed, true);
  const value = trace.tokens[0]!.value!;
  assert.ok(value.split('.').length === 3);
  assert.equal(fingerprint(value), trace.tokens[0]!.fingerprint);
  assert.equal(displayToken(value), trace.tokens[0]!.display);
  assert.equal(trace.exchanges[1]!.requestHeaders.authorization, `Bearer ${value}`);
  assert.ok(!text.includes(DEMO_PASSWORD), 'reveal never keeps the password');
  assert.equal(statSync(join(dir, 'revealed.json')).mode & 0o777, 0o600);
});

test('an existing trace file is narrowed to 0600 when overwritten', async () => {
  const path = join(dir, 'loose.json');
  writeFileSync(path, '{}', { mode: 0o644 });
  const io = memoryIo({ cwd: dir, stdin: DEMO_PASSWORD });
  assert.equal(await runTrace(runArgs('loose.json'), io), 0, io.err());
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(parseTrace(readFileSync(path, 'utf8')).exchanges.length > 0, true);
});

/**
 * #12 item 10: a picture of a trace captured with --reveal holds live tokens; `render -o` used to
 * write it with the umask's mode and leave an existing file's mode as it was.
 */
test('an existing world-readable render target (0644) ends 0600 with the rendering in it', async () => {
  const io = memoryIo({ cwd: dir, stdin: DEMO_PASSWORD });
  assert.equal(await runTrace(runArgs('to-render.json', ['--reveal']), io), 0, io.err());
  for (const [file, format] of [
    ['loose.svg', 'svg'],
    ['loose.html', 'html'],
    ['loose.mmd', 'mermaid'],
  ] as const) {
    const path = join(dir, file);
    writeFileSync(path, 'old', { mode: 0o644 });
    chmodSync(path, 0o644);
    const r = memoryIo({ cwd: dir });
    assert.equal(
      await runTrace(['render', 'to-render.json', '--format', format, '-o', file], r),
      0,
      r.err(),
    );
    assert.equal(statSync(path).mode & 0o777, 0o600, file);
    assert.notEqual(readFileSync(path, 'utf8'), 'old');
    assert.ok(readFileSync(path, 'utf8').length > 100, `${file} holds the rendering`);
  }
});

test('trace run: a wrong password gives a trace without a token and failing assertions', async () => {
  const io = memoryIo({ cwd: dir, stdin: 'wrong' });
  assert.equal(await runTrace(runArgs('wrong.json', ['--assert', 'all']), io), 1);
  assert.match(io.err(), /^login failed: 401 invalid_grant$/m);
  // Without --assert too: a failed login is exit 1, never 0.
  const plain = memoryIo({ cwd: dir, stdin: 'wrong' });
  assert.equal(await runTrace(runArgs('wrong-plain.json'), plain), 1);
  assert.match(plain.err(), /login failed: 401 invalid_grant/);
  const trace = parseTrace(readFileSync(join(dir, 'wrong.json'), 'utf8'));
  assert.equal(trace.exchanges[0]!.status, 401);
  assert.equal(trace.exchanges[1]!.status, 401);
  assert.equal(trace.assertions.find((a) => a.name === 'token-only-after-login')!.status, 'fail');
});

test('trace run exits 5 on a network error and still writes the trace', async () => {
  const closed = await startDemoServer();
  const url = closed.url;
  await closed.close();
  const io = memoryIo({ cwd: dir, env: { PW: 'x' } });
  const code = await runTrace(
    [
      'run',
      '--login',
      `${url}/login`,
      '--form',
      'username=a',
      '--password-env',
      'PW',
      '--call',
      '/me',
      '-o',
      'neterr.json',
      '--timeout',
      '2s',
    ],
    io,
  );
  assert.equal(code, 5);
  assert.match(io.err(), /network error: POST .*ECONNREFUSED/);
  const trace = parseTrace(readFileSync(join(dir, 'neterr.json'), 'utf8'));
  assert.equal(trace.exchanges.length, 1);
  assert.equal(trace.exchanges[0]!.error, 'ECONNREFUSED');
});

test('usage errors exit 2; unreadable or invalid input exits 3', async () => {
  const cases: [string[], number][] = [
    [[], 2],
    [['frobnicate'], 2],
    [['run'], 2],
    [['run', '--login'], 2],
    [['run', '--call', 'GET', '/me'], 2],
    [['run', '--login', `${server.url}/login`, '--bogus'], 2],
    [['run', '--login', `${server.url}/login`, '--now', 'tomorrow'], 2],
    [['run', '--login', `${server.url}/login`, '--assert', 'everything-ok'], 2],
    [['render', 'x.json', '--format', 'png'], 2],
    [['check'], 2],
    [['proxy'], 2],
    [['proxy', '--target', 'https://example.com'], 2],
    [['check', 'missing.json'], 3],
    [['render', 'resend.json'], 3],
    [['import', 'resend.json'], 3],
    [['run', 'missing-scenario.json'], 3],
    [['import', 'missing.har'], 3],
  ];
  writeFileSync(join(dir, 'resend.json'), JSON.stringify({ not: 'a trace' }));
  for (const [args, want] of cases) {
    const io = memoryIo({ cwd: dir });
    assert.equal(await runTrace(args, io), want, `${args.join(' ')}: ${io.err()}`);
    if (want !== 0) assert.match(io.err() + io.out(), /error|Usage/);
  }
  for (const [args, file] of [
    [['run', 'flow.json'], 'flow.json'],
    [['import', 'missing.har'], 'missing.har'],
    [['check', 'missing.json'], 'missing.json'],
  ] as const) {
    const io = memoryIo({ cwd: dir });
    await runTrace([...args], io);
    assert.match(
      io.err(),
      new RegExp(`^error: no such file: ${file} \\(ERR_FILE_UNREADABLE\\)$`, 'm'),
    );
  }
  const help = memoryIo({ cwd: dir });
  assert.equal(await runTrace(['--help'], help), 0);
  assert.match(help.out(), /Exit codes:[\s\S]*5 {2}network error/);
});

test('a scenario file takes ${NAME} values from --env-file: URLs and the password are filled in', async () => {
  writeFileSync(
    join(dir, 'placeholders.json'),
    JSON.stringify({
      base: '${SERVICE}',
      login: {
        method: 'POST',
        url: '/login',
        form: { username: '${USER_NAME}', password: '${USER_PASSWORD}' },
      },
      calls: [{ method: 'GET', url: '${SERVICE}/me' }],
    }),
  );
  writeFileSync(
    join(dir, 'values.env'),
    `# a comment\nSERVICE=${server.url}\nUSER_NAME=alice\nUSER_PASSWORD='${DEMO_PASSWORD}'\n`,
  );
  const io = memoryIo({ cwd: dir });
  const code = await runTrace(
    [
      'run',
      'placeholders.json',
      '--env-file',
      'values.env',
      '--now',
      NOW,
      '-o',
      'placeholders-trace.json',
    ],
    io,
  );
  assert.equal(code, 0, io.err() + io.out());
  assert.match(io.out(), /^✓ credentials-once: /m);
  const text = readFileSync(join(dir, 'placeholders-trace.json'), 'utf8');
  assert.ok(!text.includes(DEMO_PASSWORD), 'the password from the env file is never stored');
  const trace = parseTrace(text);
  assert.deepEqual(
    trace.exchanges.map((e) => [e.method, e.url, e.status]),
    [
      ['POST', `${server.url}/login`, 200],
      ['GET', `${server.url}/me`, 200],
    ],
  );
  // A missing env file is "no such file", like every other input file.
  const missing = memoryIo({ cwd: dir });
  assert.equal(await runTrace(['run', 'placeholders.json', '--env-file', 'nope.env'], missing), 3);
  assert.match(missing.err(), /^error: no such file: nope\.env \(ERR_FILE_UNREADABLE\)$/m);
});

test('a scenario cannot read the process environment: ${NAME} without --env-file is refused and nothing is sent', async () => {
  const { createServer } = await import('node:http');
  let requests = 0;
  const sink = createServer((_req, res) => {
    requests++;
    res.end('{}');
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const port = (sink.address() as { port: number }).port;
  try {
    // A scenario from elsewhere that would send an environment secret to a URL of its choosing.
    writeFileSync(
      join(dir, 'exfiltrate.json'),
      JSON.stringify({
        calls: [
          {
            method: 'GET',
            url: `http://127.0.0.1:${port}/collect`,
            headers: { 'x-leak': '${AWS_SECRET_ACCESS_KEY}' },
          },
        ],
      }),
    );
    // Neither without an env file nor with one that lacks the name.
    writeFileSync(join(dir, 'other.env'), 'SERVICE=http://127.0.0.1:1\n');
    for (const extra of [[], ['--env-file', 'other.env']]) {
      const io = memoryIo({ cwd: dir, env: { AWS_SECRET_ACCESS_KEY: 'do-not-send-me' } });
      const code = await runTrace(
        ['run', 'exfiltrate.json', ...extra, '-o', 'exfiltrate-trace.json'],
        io,
      );
      assert.equal(code, 3, io.err());
      assert.match(
        io.err(),
        /^error: calls\[0\]\.headers\.x-leak: \$\{AWS_SECRET_ACCESS_KEY\} has no value \(give it in --env-file FILE\) \(ERR_SCENARIO_INVALID\)$/m,
      );
      assert.ok(!io.err().includes('do-not-send-me'));
    }
    assert.equal(requests, 0, 'no request was sent');
  } finally {
    await new Promise<void>((r) => sink.close(() => r()));
  }
});
