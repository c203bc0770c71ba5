/**
 * The README's Express and Fastify examples type-check as a user would compile them: with `tsc`
 * (module nodenext, strict) against `@tessera/guard` and `@tessera/jose` unpacked from the
 * tarballs `npm pack` makes, and the Express/Fastify typings from this repository's install.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(join(root, 'packages', 'guard', 'README.md'), 'utf8');

/** The first ```ts block after a line that is exactly `heading`. */
function block(heading: string): string {
  const at = readme.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `README has "${heading}"`);
  const m = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m, `a ts block follows "${heading}"`);
  return m[1]!;
}

/** `npm pack` a workspace package into `dir/node_modules/<name>` (the tarball's `package/`). */
function unpack(pkg: string, dir: string): void {
  const packed = spawnSync(
    'npm',
    ['pack', '--ignore-scripts', '--pack-destination', dir, '--json'],
    {
      cwd: join(root, 'packages', pkg),
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(packed.status, 0, packed.stderr);
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  const target = join(dir, 'node_modules', '@tessera', pkg);
  mkdirSync(target, { recursive: true });
  const untar = spawnSync('tar', [
    'xzf',
    join(dir, filename),
    '-C',
    target,
    '--strip-components=1',
  ]);
  assert.equal(untar.status, 0, String(untar.stderr));
}

test('README: the Express and Fastify examples compile with tsc (nodenext, strict) from the packed tarballs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-readme-types-'));
  try {
    unpack('jose', dir);
    unpack('guard', dir);
    for (const dep of ['express', 'fastify', '@types/express', '@types/node']) {
      mkdirSync(join(dir, 'node_modules', dirnameOf(dep)), { recursive: true });
      symlinkSync(join(root, 'node_modules', dep), join(dir, 'node_modules', dep));
    }
    // tsc follows the symlinks, so @types/express's own dependencies resolve from the repository.
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'readme-check', private: true, type: 'module' }),
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          // The examples are what is checked; the libraries' own .d.ts files are their business.
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        include: ['*.ts'],
      }),
    );
    writeFileSync(join(dir, 'express-example.ts'), block('Express:'));
    writeFileSync(
      join(dir, 'fastify-example.ts'),
      `${block('Fastify:')}\n${block('For the decorators in your types:')}`,
    );
    const tsc = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir],
      { cwd: dir, encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(tsc.status, 0, `${tsc.stdout}${tsc.stderr}`);

    // And the check can fail: without the guard's augmentation `req.auth` is unknown to Express.
    rmSync(join(dir, 'fastify-example.ts'));
    writeFileSync(
      join(dir, 'express-example.ts'),
      `import express from 'express';\nconst app = express();\napp.get('/', (req, res) => { res.json(req.auth.subject); });\n`,
    );
    const bad = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir],
      { cwd: dir, encoding: 'utf8', timeout: 120_000 },
    );
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout, /Property 'auth' does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function dirnameOf(dep: string): string {
  return dep.includes('/') ? dep.slice(0, dep.indexOf('/')) : '.';
}
