/**
 * The import layering of packages/jose/src, checked (docs/architecture.md#layering).
 * A file may import only from files in lower layers. The table below is the truth: a new file
 * must be placed in it, or this test fails and says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { sep } from 'node:path';
import ts from 'typescript';

interface Layer {
  readonly name: string;
  /** Module names (file name without `.ts`). */
  readonly files: readonly string[];
  /** Files matched by pattern also belong here (the JWE family). */
  readonly pattern?: RegExp;
  /** Whether files of this layer may import each other (then without cycles). */
  readonly internalImports?: 'acyclic';
}

/**
 * Lowest first. An arrow may only point down: importer's layer > imported file's layer.
 * Modules are named by their path under src/ without `.ts` (`base/errors`, `jws/compact`).
 */
export const LAYERS: readonly Layer[] = [
  { name: 'errors', files: ['base/errors'] },
  // The owner-only file writer (node:fs), for the CLI, trace and the demo through ./internal/node
  // only (./internal stays free of node: modules: the guard loads it in workers).
  { name: 'files', files: ['base/private-file'] },
  // dpop/htu (RFC 9449 §4.3 URI normalisation) needs only errors; the Web Crypto entry uses it too.
  // keys/rsa-numbers (RSA exponent and ROCA checks on bigints) too: both cores call it.
  {
    name: 'primitives',
    files: ['base/bytes', 'base/base64url', 'base/duration', 'dpop/htu', 'keys/rsa-numbers'],
  },
  // Strict JSON decodes strict UTF-8 from bytes.ts.
  { name: 'json', files: ['base/json'] },
  {
    name: 'registry',
    files: ['base/algorithms', 'keys/edwards', 'keys/policy', 'keys/rsa-checks'],
  },
  // Checks both cores make on their inputs: signature shapes, JWK members, thumbprint input.
  { name: 'shared checks', files: ['jws/signature-shape', 'keys/jwk-members', 'keys/thumbprint'] },
  {
    name: 'jose objects',
    files: ['keys/jwk', 'base/header', 'jws/signature', 'keys/key-input'],
  },
  // claims.ts compares `typ` with header.ts's normalisation; verify-cache.ts is the bounded
  // result cache that jwt.ts's createVerifier uses, and needs only durations and errors.
  { name: 'claims', files: ['jwt/claims', 'jwt/claim-set', 'jwt/verify-cache', 'jws/rules'] },
  // The JWS JSON serializations' rules (object shapes, unprotected headers), on jws/rules.
  { name: 'jws json rules', files: ['jws/json-rules'] },
  // The rest of what the Node.js core and the Web Crypto entry share: JWT rules, unverified
  // decoding, unsecured JWTs, key selection, bounded fetches and the remote JWKS cache.
  {
    name: 'shared rules',
    files: [
      'jwt/rules',
      'jwt/decode',
      'jwks/select',
      'jwks/fetch',
      'jwks/remote-cache',
      'jws/unsecured',
    ],
    internalImports: 'acyclic',
  },
  // The JWE rules both backends share: option checks, header rules, PBES2/ECDH input checks.
  {
    name: 'jwe rules',
    files: ['jwe/failure', 'jwe/rules', 'jwe/header', 'jwe/json-rules'],
    internalImports: 'acyclic',
  },
  // Encrypted JWT rules (typ/cty, nested or not, claims), on the JWT and JWE rules.
  { name: 'encrypted jwt rules', files: ['jwt/encrypted-rules'] },
  // The Web Crypto entry sits on the shared layers only: an import of a Node.js core module
  // (keys/keys, jws/compact, jwt/jwt…) is an upward arrow and fails here.
  {
    name: 'webcrypto',
    files: [],
    pattern: /^webcrypto\/[a-z0-9-]+$/,
    internalImports: 'acyclic',
  },
  { name: 'keys', files: ['keys/keys', 'keys/key-algorithms'] },
  { name: 'key sets', files: ['jwks/local'] },
  { name: 'jws', files: ['jws/compact'] },
  { name: 'jws serializations', files: ['jws/json'] },
  // DPoP proofs (RFC 9449) are compact JWS with a key in the header; they sit on the JWS layer.
  {
    name: 'dpop',
    files: ['dpop/nonce', 'dpop/proof'],
    internalImports: 'acyclic',
  },
  // JWE and its support files sit above JWS and below JWT (jws/ never imports jwe/, checked below).
  { name: 'jwe', files: [], pattern: /^jwe\/[a-z0-9-]+$/, internalImports: 'acyclic' },
  { name: 'jwt', files: ['jwt/jwt'] },
  {
    name: 'above jwt',
    files: ['jwt/encrypted', 'jwks/remote', 'jwt/async'],
    internalImports: 'acyclic',
  },
  { name: 'index', files: ['index', 'internal', 'internal-node'] },
];

/** The layer index of a module, or undefined when the table does not place it. */
export function layerOf(module: string, layers: readonly Layer[] = LAYERS): number | undefined {
  const i = layers.findIndex((l) => l.files.includes(module) || (l.pattern?.test(module) ?? false));
  return i === -1 ? undefined : i;
}

/** The module a relative specifier names, seen from `file` (both relative to src/). */
export function resolveModule(file: string, spec: string): string | undefined {
  if (!/^\.\.?\//.test(spec) || !spec.endsWith('.js')) return undefined;
  const parts = file.split('/').slice(0, -1);
  for (const seg of spec.slice(0, -3).split('/')) {
    if (seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  const id = parts.join('/');
  return /^[a-z0-9-]+(\/[a-z0-9-]+)?$/.test(id) ? id : undefined;
}

/** Import edges from module name to the specifiers it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** Every problem with a graph: wrong arrows, unknown files, foreign packages, cycles. */
export function checkLayering(graph: ImportGraph, layers: readonly Layer[] = LAYERS): string[] {
  const problems: string[] = [];
  const internal = new Map<string, string[]>();
  for (const [file, specs] of graph) {
    const from = layerOf(file, layers);
    if (from === undefined) {
      problems.push(
        `${file}.ts is not in the layer table: place it in LAYERS in boundaries.test.ts`,
      );
      continue;
    }
    for (const spec of specs) {
      if (spec.startsWith('node:')) continue;
      const target = resolveModule(file, spec);
      if (target === undefined) {
        problems.push(
          `${file}.ts imports "${spec}": @tessera/jose has zero dependencies (node: builtins and relative .js paths only)`,
        );
        continue;
      }
      if (/^jws\//.test(file) && /^jwe\//.test(target)) {
        problems.push(`${file}.ts imports ${target}.ts: jws/ must never import jwe/`);
      }
      const to = layerOf(target, layers);
      if (to === undefined) {
        problems.push(
          `${file}.ts imports ${target}.ts, which is not in the layer table: place it in LAYERS in boundaries.test.ts`,
        );
      } else if (to === from && layers[from]!.internalImports === 'acyclic') {
        internal.set(file, [...(internal.get(file) ?? []), target]);
      } else if (to >= from) {
        problems.push(
          `${file}.ts (layer "${layers[from]!.name}") imports ${target}.ts (layer "${layers[to]!.name}"): an import must point to a lower layer`,
        );
      }
    }
  }
  // Same-layer imports are allowed only where declared, and never in a cycle.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (f: string, path: string[]): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'visiting') {
      problems.push(`import cycle: ${[...path.slice(path.indexOf(f)), f].join(' -> ')}`);
      return;
    }
    state.set(f, 'visiting');
    for (const t of internal.get(f) ?? []) visit(t, [...path, f]);
    state.set(f, 'done');
  };
  for (const f of internal.keys()) visit(f, []);
  return problems;
}

/** Read the imports of every non-test .ts file of this package's src/ (test-support excluded). */
function readGraph(): Map<string, string[]> {
  const dir = new URL('../src/', import.meta.url);
  const graph = new Map<string, string[]>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const name = entry.split(sep).join('/');
    if (!name.endsWith('.ts') || name.endsWith('.test.ts') || name.endsWith('.d.ts')) continue;
    if (name.startsWith('test-support/')) continue;
    const text = readFileSync(new URL(name, dir), 'utf8');
    const info = ts.preProcessFile(text, true, true);
    graph.set(
      name.slice(0, -3),
      info.importedFiles.map((f) => f.fileName),
    );
  }
  return graph;
}

/**
 * The imports that remain at run time (`import type` and `export type` are erased; with
 * verbatimModuleSyntax an `import { type X }` is kept as a side-effect import, so it counts).
 */
function readRuntimeGraph(): Map<string, string[]> {
  const dir = new URL('../src/', import.meta.url);
  const graph = new Map<string, string[]>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const name = entry.split(sep).join('/');
    if (!name.endsWith('.ts') || name.endsWith('.test.ts') || name.endsWith('.d.ts')) continue;
    if (name.startsWith('test-support/')) continue;
    const src = ts.createSourceFile(
      name,
      readFileSync(new URL(name, dir), 'utf8'),
      ts.ScriptTarget.Latest,
    );
    const specs: string[] = [];
    for (const st of src.statements) {
      if (ts.isImportDeclaration(st) && !st.importClause?.isTypeOnly)
        specs.push((st.moduleSpecifier as ts.StringLiteral).text);
      if (ts.isExportDeclaration(st) && !st.isTypeOnly && st.moduleSpecifier !== undefined)
        specs.push((st.moduleSpecifier as ts.StringLiteral).text);
    }
    graph.set(name.slice(0, -3), specs);
  }
  return graph;
}

/** Every module (and `node:` builtin) reachable from `root` over run-time imports. */
export function reachable(graph: ImportGraph, root: string): Set<string> {
  const seen = new Set<string>();
  const walk = (m: string): void => {
    if (seen.has(m)) return;
    seen.add(m);
    for (const spec of graph.get(m) ?? []) {
      if (spec.startsWith('node:')) seen.add(spec);
      else {
        const t = resolveModule(m, spec);
        if (t !== undefined) walk(t);
      }
    }
  };
  walk(root);
  return seen;
}

/** The modules both cores share: none of them may import a `node:` module, even for types. */
const SHARED = [
  'base/errors',
  'base/bytes',
  'base/base64url',
  'base/duration',
  'base/json',
  'base/algorithms',
  'base/header',
  'keys/edwards',
  'keys/policy',
  'keys/rsa-numbers',
  'keys/jwk-members',
  'keys/thumbprint',
  'jws/signature-shape',
  'jws/rules',
  'jws/json-rules',
  'jws/unsecured',
  'jwt/claims',
  'jwt/claim-set',
  'jwt/verify-cache',
  'jwt/rules',
  'jwt/decode',
  'jwks/select',
  'jwks/fetch',
  'jwks/remote-cache',
  'jwe/rules',
  'jwe/header',
  'jwe/json-rules',
  'jwt/encrypted-rules',
];

test('boundaries: the Web Crypto entry reaches no node: module; the shared layers import none', () => {
  const runtime = readRuntimeGraph();
  const reached = reachable(runtime, 'webcrypto/index');
  const builtins = [...reached].filter((m) => m.startsWith('node:'));
  assert.deepEqual(builtins, [], `webcrypto/index reaches ${builtins.join(', ')}`);
  // The entry really stands on the shared layers (not on copies of them).
  for (const m of [
    'base/json',
    'base/header',
    'jws/rules',
    'jws/json-rules',
    'jwe/json-rules',
    'jwt/encrypted-rules',
    'jwt/claims',
    'jwt/rules',
    'jwks/select',
    'jwks/remote-cache',
  ])
    assert.ok(reached.has(m), `webcrypto/index does not use ${m}`);
  const all = readGraph();
  for (const m of SHARED) {
    assert.ok(all.has(m), `${m}.ts exists`);
    const node = all.get(m)!.filter((s) => s.startsWith('node:'));
    assert.deepEqual(node, [], `${m}.ts imports ${node.join(', ')}`);
  }
  // And the walk itself finds a builtin where there is one.
  assert.ok(reachable(runtime, 'index').has('node:crypto'));
  assert.ok(
    reachable(
      new Map([
        ['a', ['./b.js']],
        ['b', ['node:zlib']],
      ]),
      'a',
    ).has('node:zlib'),
  );
});

test('boundaries: every import in packages/jose/src points to a lower layer', () => {
  const graph = readGraph();
  assert.ok(graph.size >= 19, `read ${graph.size} source files`);
  for (const core of ['base/errors', 'base/json', 'keys/keys', 'jws/compact', 'jwt/jwt', 'index'])
    assert.ok(graph.has(core), core);
  assert.deepEqual(checkLayering(graph), []);
});

test('boundaries: the checker catches wrong arrows, jws -> jwe, unknown files, dependencies and cycles', () => {
  const bad = new Map<string, string[]>([
    ['base/errors', ['./json.js']],
    ['base/json', ['./bytes.js', '../keys/keys.js']],
    ['jwt/claims', ['../base/header.js', './claims.js']],
    ['jws/compact', ['../jwe/compact.js', './json.js']],
    ['jws/json', ['../jwe/header.js']],
    ['jwe/a', ['./b.js']],
    ['jwe/b', ['./a.js']],
    ['keys/keys', ['jose']],
    ['shiny-new-thing', ['./base/errors.js']],
    ['jwt/jwt', ['./not-placed.js', 'node:crypto']],
  ]);
  const problems = checkLayering(bad);
  const has = (re: RegExp) =>
    assert.ok(
      problems.some((p) => re.test(p)),
      `expected a problem matching ${re}: ${problems.join('\n')}`,
    );
  has(/^base\/errors\.ts .* imports base\/json\.ts .*lower layer/);
  has(/^base\/json\.ts .* imports keys\/keys\.ts/);
  has(/^jwt\/claims\.ts .* imports jwt\/claims\.ts/);
  has(/^jws\/compact\.ts imports jwe\/compact\.ts: jws\/ must never import jwe\//);
  has(/^jws\/json\.ts imports jwe\/header\.ts: jws\/ must never import jwe\//);
  has(/^jws\/compact\.ts .* imports jws\/json\.ts/);
  has(/import cycle: jwe\/a -> jwe\/b -> jwe\/a/);
  has(/^keys\/keys\.ts imports "jose": @tessera\/jose has zero dependencies/);
  has(/^shiny-new-thing\.ts is not in the layer table: place it in LAYERS/);
  has(/^jwt\/jwt\.ts imports jwt\/not-placed\.ts, which is not in the layer table/);
  // And the arrows that are right raise nothing.
  assert.deepEqual(
    checkLayering(
      new Map([
        ['base/json', ['./bytes.js', './errors.js', 'node:buffer']],
        ['jwe/c', ['../jws/compact.js']],
        ['index', ['./jwt/jwt.js']],
      ]),
    ),
    [],
  );
  assert.equal(resolveModule('jws/compact', '../../x.js'), undefined);
  assert.equal(layerOf('jwe/anything'), layerOf('jwe/compact'));
  assert.ok(
    layerOf('jwe/compact')! > layerOf('jws/json')! && layerOf('jwe/compact')! < layerOf('jwt/jwt')!,
  );
});
