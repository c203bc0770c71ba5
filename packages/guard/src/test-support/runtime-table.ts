/**
 * The jose README's runtime table, checked against the matrix: its "ERR_ALG_UNSUPPORTED"
 * column must list exactly what the runtime reported as unsupported.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MatrixReport } from './runtime-cases.js';
import { ROOT } from './runtimes.js';

/** The short name of an unsupported case: `JWS ES256K sign+verify` → `ES256K`, `JWK Ed448 (EdDSA)` → `Ed448`. */
export function shortName(caseName: string): string {
  return caseName.split(' ')[1] ?? caseName;
}

/** Rows of the README table: runtime → the set listed as unsupported. */
export function readTable(readme: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const start = readme.indexOf('<!-- runtime-matrix -->');
  const end = readme.indexOf('<!-- /runtime-matrix -->');
  assert.ok(start !== -1 && end > start, 'the jose README has the runtime-matrix table');
  for (const line of readme.slice(start, end).split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || cells[1] === '' || cells[1] === 'runtime' || cells[1]!.startsWith('-'))
      continue;
    const last = cells[cells.length - 2]!;
    const names = [...last.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    out.set(cells[1]!, new Set(names));
  }
  return out;
}

export function checkReadmeTable(runtime: string, report: MatrixReport): void {
  const table = readTable(readFileSync(join(ROOT, 'packages/jose/README.md'), 'utf8'));
  const listed = table.get(runtime);
  assert.ok(listed !== undefined, `the jose README's runtime table has no row "${runtime}"`);
  const unsupported = new Set(
    report.results.filter((r) => r.status === 'unsupported').map((r) => shortName(r.name)),
  );
  assert.deepEqual(
    [...listed].sort(),
    [...unsupported].sort(),
    `README row "${runtime}" vs the matrix`,
  );
}
