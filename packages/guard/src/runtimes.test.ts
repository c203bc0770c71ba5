/**
 * The runtime matrix (issue: every runtime): the same cases on Node.js (worker condition), Bun,
 * Deno, workerd with and without nodejs_compat, and headless Chromium, against a 127.0.0.1
 * issuer. Every case a runtime's crypto supports passes; the others fail with
 * ERR_ALG_UNSUPPORTED; the jose README's runtime table says exactly that.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AUDIENCE, startIssuer, type TestIssuer } from './test-support/issuer.js';
import type { MatrixInput, MatrixReport } from './test-support/runtime-cases.js';
import {
  ROOT,
  runBun,
  runChromium,
  runDeno,
  runNodeWorker,
  runWorkerd,
  type Outcome,
} from './test-support/runtimes.js';
import { checkReadmeTable } from './test-support/runtime-table.js';

const privateJwk = (k: KeyObject) => k.export({ format: 'jwk' }) as MatrixInput['jweKeys']['rsa'];

let issuer: TestIssuer;
let input: MatrixInput;
const reports = new Map<string, MatrixReport>();

before(async () => {
  issuer = await startIssuer();
  input = {
    issuer: issuer.url,
    audience: AUDIENCE,
    jwksUrl: `${issuer.url}/jwks`,
    token: issuer.mint({ exp: Math.floor(Date.now() / 1000) + 3600 }),
    jweKeys: {
      rsa: privateJwk(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
      p256: privateJwk(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey),
      x25519: privateJwk(generateKeyPairSync('x25519').privateKey),
    },
  };
});
after(async () => {
  await issuer.close();
  if (process.env['TESSERA_MATRIX_OUT'] !== undefined)
    writeFileSync(
      join(ROOT, process.env['TESSERA_MATRIX_OUT']),
      JSON.stringify(Object.fromEntries(reports), null, 2),
    );
});

const runtimes: [string, () => Promise<Outcome>][] = [
  ['Node.js (worker condition)', () => runNodeWorker(input)],
  ['Bun', () => runBun(input)],
  ['Deno', () => runDeno(input)],
  ['workerd (nodejs_compat)', () => runWorkerd(input, true)],
  ['workerd (no flags)', () => runWorkerd(input, false)],
  ['Chromium', () => runChromium(input)],
];

for (const [name, launch] of runtimes) {
  test(`runtime matrix: ${name}`, async (t) => {
    const outcome = await launch();
    if ('skipped' in outcome) {
      t.skip(outcome.skipped);
      return;
    }
    const { report } = outcome;
    reports.set(name, report);
    const failed = report.results.filter((r) => r.status === 'failed');
    assert.deepEqual(
      failed,
      [],
      `${name}: ${failed.map((f) => `${f.name}: ${f.detail}`).join('\n')}`,
    );
    assert.ok(report.results.length >= 30, `${report.results.length} cases`);
    // Unsupported cases name the runtime (never a raw runtime error).
    for (const r of report.results.filter((x) => x.status === 'unsupported'))
      assert.match(r.detail ?? '', new RegExp(`on ${report.runtime}`), r.name);
    checkReadmeTable(name, report);
  });
}
