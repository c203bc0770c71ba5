/**
 * The shared fixture set (@tessera/inspect's test support) through `tessera verify --json`: the
 * same verdicts and failure lists as the debugger page reaches in Chromium (web's
 * verify-fixtures.test.ts), since both render @tessera/inspect's report.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run } from './verify.js';
import { memoryIo } from '../test-support/memory-io.js';
import { tempDir } from '../test-support/fixtures.js';
import {
  failureId,
  makeFixtures,
  type FixtureCase,
  type Verdict,
} from '../../../inspect/dist/test-support/fixtures.js';

const now = new Date();
const cases = makeFixtures(now);

const VERDICT_BY_EXIT: Readonly<Record<number, Verdict>> = {
  0: 'verified',
  1: 'invalid',
  3: 'not_verified',
  4: 'key-refused',
};

/** The flags a user would type for the fixture's key and checks. */
function argsFor(c: FixtureCase, dir: string): string[] {
  const file = join(dir, c.key.kind === 'secret' ? 'secret.txt' : 'key.txt');
  const o = c.options;
  return [
    c.token,
    c.key.kind === 'secret' ? '--secret-file' : '--key',
    file,
    '--alg',
    o.alg,
    '--allow-weak-key',
    '--now',
    String(Math.floor(now.getTime() / 1000)),
    ...(o.iss !== undefined ? ['--iss', o.iss] : []),
    ...(o.aud !== undefined ? ['--aud', o.aud] : []),
    ...(o.sub !== undefined ? ['--sub', o.sub] : []),
    ...(o.typ !== undefined ? ['--typ', o.typ] : []),
    ...(o.require !== undefined ? ['--require', o.require.join(',')] : []),
    ...(o.clockTolerance !== undefined ? ['--clock-tolerance', String(o.clockTolerance)] : []),
    '--json',
  ];
}

/** What `tessera verify --json` answered: verdict, failures, verification warnings. */
export async function cliVerdict(c: FixtureCase) {
  const dir = tempDir({ [c.key.kind === 'secret' ? 'secret.txt' : 'key.txt']: c.key.text });
  const io = memoryIo({ now });
  const code = await run(argsFor(c, dir), io);
  const out = JSON.parse(io.out()) as {
    verification: { errors: { code: string; claim?: string }[] };
    warnings: { code: string }[];
    error: { code: string } | null;
  };
  const verdict = VERDICT_BY_EXIT[code];
  const failures =
    out.error !== null
      ? [out.error.code]
      : out.verification.errors.map((e) => failureId(e.code, e.claim));
  return { verdict, failures, warnings: out.warnings.map((w) => w.code) };
}

test('tessera verify reaches the shared verdict and failure list on every fixture token', async () => {
  assert.ok(cases.length >= 30);
  for (const c of cases) {
    const r = await cliVerdict(c);
    assert.equal(r.verdict, c.verdict, c.name);
    assert.deepEqual(r.failures, c.failures, c.name);
    for (const w of c.warnings ?? []) assert.ok(r.warnings.includes(w), `${c.name}: ${w}`);
  }
});

test('--require constructor / toString / __proto__ are refused exactly as the core refuses them', async () => {
  for (const claim of ['constructor', 'toString', '__proto__']) {
    const c = cases.find((x) => x.options.require?.includes(claim))!;
    const r = await cliVerdict(c);
    assert.equal(r.verdict, 'invalid', claim);
    assert.deepEqual(r.failures, [`ERR_JWT_CLAIM_INVALID ${claim}`]);
  }
});
