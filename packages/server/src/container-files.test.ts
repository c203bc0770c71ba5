import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validate } from 'dockerfile-utils';
import { parse } from 'yaml';
import { envName, SETTINGS } from './settings/settings-table.js';

// No container runtime exists where these tests run: the Dockerfile and compose.yaml are
// checked statically — the Dockerfile with dockerfile-utils' linter (the one behind the VS Code
// Docker extension, from the npm registry), both against the deployment rules we claim.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
const compose = parse(readFileSync(`${root}compose.yaml`, 'utf8'), { merge: true }) as {
  services: Record<string, Record<string, unknown>>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
};
const KNOWN_ENV = new Set(SETTINGS.flatMap((s) => [envName(s), `${envName(s)}_FILE`]));

test('Dockerfile: the linter reports nothing (and does report a broken file)', () => {
  assert.deepEqual(
    validate(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`),
    [],
  );
  assert.ok(validate('FROM node:22\nMAINTAINER someone\nCOPY\n').length >= 2, 'the linter is live');
});

test('Dockerfile: multi-stage, non-root, data on a volume, exec-form entrypoint, healthcheck, known settings', () => {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
  const froms = lines.filter((l) => /^FROM /i.test(l));
  assert.ok(froms.length >= 2, 'a build stage and a runtime stage');
  assert.match(froms[0]!, / AS build$/);
  const runtime = lines.slice(lines.lastIndexOf(froms[froms.length - 1]!));
  const users = runtime.filter((l) => /^USER /.test(l));
  assert.deepEqual(users, ['USER node'], 'the runtime runs as the unprivileged node user');
  assert.ok(runtime.indexOf('USER node') < runtime.findIndex((l) => /^ENTRYPOINT /.test(l)));
  assert.ok(runtime.includes('VOLUME ["/data"]'));
  assert.ok(runtime.some((l) => /^ENV .*TESSERA_DATA_DIR=\/data/.test(l)));
  assert.ok(
    runtime.some((l) => /^ENTRYPOINT \[/.test(l)),
    'exec form: SIGTERM reaches node',
  );
  assert.ok(runtime.some((l) => /^HEALTHCHECK .*\/healthz/.test(l)));
  assert.ok(runtime.includes('STOPSIGNAL SIGTERM'));
  assert.ok(
    !runtime.some((l) => /^(ADD|RUN .*npm (install|ci))/.test(l)),
    'nothing installed at runtime',
  );
  assert.ok(
    lines.some((l) => /npm ci/.test(l)),
    'the lockfile decides the build',
  );
  for (const m of dockerfile.matchAll(/\b(TESSERA_[A-Z_]+)=/g))
    assert.ok(KNOWN_ENV.has(m[1]!), m[1]);
});

test('compose.yaml: PostgreSQL, a migration step, two issuer nodes read-only and non-root, secrets from files', () => {
  const s = compose.services;
  assert.deepEqual(Object.keys(s).sort(), ['issuer-1', 'issuer-2', 'migrate', 'postgres']);
  assert.match(String(s['postgres']!['image']), /^postgres:\d+/);
  assert.deepEqual(s['migrate']!['command'], ['migrate']);
  for (const name of ['issuer-1', 'issuer-2', 'migrate']) {
    const svc = s[name]!;
    assert.equal(svc['read_only'], true, `${name} read-only root filesystem`);
    assert.equal(svc['user'], 'node', `${name} non-root`);
    const env = svc['environment'] as Record<string, string>;
    for (const key of Object.keys(env))
      assert.ok(KNOWN_ENV.has(key), `${name}: ${key} is a setting`);
    // Secrets come from files, never inline.
    assert.equal(env['TESSERA_KEK'], undefined);
    assert.equal(env['TESSERA_DATABASE_URL'], undefined);
    assert.equal(env['TESSERA_DATABASE_URL_FILE'], '/run/secrets/database-url');
    for (const secret of svc['secrets'] as string[])
      assert.ok(compose.secrets[secret]?.file, secret);
  }
  for (const name of ['issuer-1', 'issuer-2']) {
    const svc = s[name]!;
    const env = svc['environment'] as Record<string, string>;
    assert.equal(env['TESSERA_KEK_FILE'], '/run/secrets/kek', 'every node shares the KEK');
    assert.equal(
      env['TESSERA_ISSUER'],
      s['issuer-1']!['environment'] &&
        (s['issuer-1']!['environment'] as Record<string, string>)['TESSERA_ISSUER'],
      'one issuer string',
    );
    assert.deepEqual(svc['depends_on'], {
      migrate: { condition: 'service_completed_successfully' },
    });
    assert.ok((svc['tmpfs'] as string[]).includes('/tmp'));
  }
  assert.deepEqual(s['migrate']!['depends_on'], { postgres: { condition: 'service_healthy' } });
  assert.ok('pg-data' in compose.volumes);
});
