/**
 * The error-code table check every package runs (jose is the package every other one may import;
 * test support never ships). A package's table is complete when every `'ERR_…'` string in its
 * library source is in its own table or in a table it passes codes on from (a lower package's
 * code it checks for or hands on), every code of its own table has a one-line meaning and is used
 * somewhere, and the README lists the table as it is.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

type CodeTable = Readonly<Record<string, string>>;

// A quoted code; a prefix such as 'ERR_JWKS_' (ends in `_`) is not a code.
const CODE_LITERAL = /['"`](ERR_[A-Z0-9_]*[A-Z0-9])['"`]/g;

/** `code → files` for the `'ERR_…'` strings of the library files below `srcDir`. */
export function errorCodesIn(srcDir: URL): Map<string, string[]> {
  const root = fileURLToPath(srcDir);
  const used = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'test-support' && entry.name !== '__snapshots__') walk(path);
      } else if (/\.(ts|js|mjs)$/.test(entry.name) && !/\.test\.|\.d\.ts$/.test(entry.name)) {
        for (const m of readFileSync(path, 'utf8').matchAll(CODE_LITERAL)) {
          const files = used.get(m[1]!) ?? [];
          const file = relative(root, path);
          if (!files.includes(file)) files.push(file);
          used.set(m[1]!, files);
        }
      }
    }
  };
  walk(root);
  return used;
}

/**
 * Fail unless `own` is complete for the source below `srcDir`: each code used there is in `own`
 * or in one of `passedOn`, and each code of `own` has a meaning and is used.
 */
export function assertCodeTableComplete(
  srcDir: URL,
  own: CodeTable,
  passedOn: readonly CodeTable[] = [],
): void {
  const used = errorCodesIn(srcDir);
  const known = new Set([...Object.keys(own), ...passedOn.flatMap((t) => Object.keys(t))]);
  const missing = [...used]
    .filter(([code]) => !known.has(code))
    .map(([code, files]) => `${code} (${files.join(', ')})`);
  assert.deepEqual(missing, [], 'codes used in the source but in no table');
  for (const [code, meaning] of Object.entries(own))
    assert.ok(typeof meaning === 'string' && meaning.length >= 10, `${code} has a meaning`);
  const unused = Object.keys(own).filter((code) => !used.has(code));
  assert.deepEqual(unused, [], 'codes of the table the source never uses');
}

/**
 * Fail unless the rows `` | `ERR_…` | meaning | `` of the section `from` (a heading line, up to the
 * next heading of its level) of a README or doc are exactly `own`, each code once, same meaning.
 */
export function assertReadmeListsCodes(readme: string, from: string, own: CodeTable): void {
  const start = readme.indexOf(from);
  assert.ok(start >= 0, `the README has a section ${from}`);
  // The section ends at the next heading of the same or a higher level.
  const level = /^#+/.exec(from)?.[0] ?? '#';
  const next = readme.slice(start + from.length).search(new RegExp(`^#{1,${level.length}} `, 'm'));
  const section = readme.slice(start, next < 0 ? undefined : start + from.length + next);
  const rows = [...section.matchAll(/^\| `(ERR_[A-Z0-9_]+)` \| (.+?) \|$/gm)].map(
    (m) => [m[1]!, m[2]!.replace(/\\\|/g, '|')] as const,
  );
  assert.deepEqual(Object.fromEntries(rows), { ...own });
  assert.equal(rows.length, Object.keys(own).length, 'each code once');
}
