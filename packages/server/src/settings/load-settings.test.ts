import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import {
  loadSettings,
  redactSettings,
  settingsFlagOptions,
  SettingsError,
} from './load-settings.js';
import { settingsJsonSchema } from './settings-schema.js';
import { toServeSettings } from './serve-settings.js';
import { envName, flagName, SETTINGS } from './settings-table.js';

const KEK = Buffer.alloc(32, 7).toString('hex');

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-settings-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SettingsError, String(e));
    return e.problems;
  }
  assert.fail('expected a SettingsError');
}

test('flags over env over file; each origin recorded; defaults file found in cwd', () => {
  withDir((dir) => {
    writeFileSync(
      join(dir, 'tessera.config.json'),
      JSON.stringify({
        port: 4100,
        host: '0.0.0.0',
        audience: 'file-aud',
        metrics: { enabled: true, port: 9464 },
      }),
    );
    const loaded = loadSettings({
      cwd: dir,
      env: { TESSERA_PORT: '4200', TESSERA_AUDIENCE: 'env-aud', TESSERA_METRICS_ENABLED: 'false' },
      flags: { port: '4300' },
    });
    assert.equal(loaded.values['port'], 4300);
    assert.equal(loaded.values['audience'], 'env-aud');
    assert.equal(loaded.values['host'], '0.0.0.0');
    assert.deepEqual(loaded.values['metrics'], { enabled: false, port: 9464 });
    assert.equal(loaded.origins['port'], 'flag --port');
    assert.equal(loaded.origins['audience'], 'env TESSERA_AUDIENCE');
    assert.equal(loaded.origins['host'], `file ${join(dir, 'tessera.config.json')}`);
    assert.equal(loaded.file, join(dir, 'tessera.config.json'));
  });
});

test('every setting has an env var and (unless secret) a flag; names follow the path', () => {
  const flags = settingsFlagOptions();
  for (const spec of SETTINGS) {
    assert.match(envName(spec), /^TESSERA_[A-Z0-9_]+$/);
    assert.equal(flagName(spec) in flags, spec.secret !== true, spec.path);
  }
  assert.equal(
    envName(SETTINGS.find((s) => s.path === 'loginProtection.ipThreshold')!),
    'TESSERA_LOGIN_PROTECTION_IP_THRESHOLD',
  );
  assert.equal(envName(SETTINGS.find((s) => s.path === 'database')!), 'TESSERA_DATABASE_URL');
  assert.equal(flags['data-dir']?.type, 'string');
  assert.equal(flags['migrate']?.type, 'boolean');
});

test('unknown keys are refused at every level, naming the key and the allowed ones', () => {
  withDir((dir) => {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ prot: 1, metrics: { enabled: true, tokn: 'x' } }));
    const problems = problemsOf(() => loadSettings({ file, cwd: dir, env: {} }));
    assert.ok(
      problems.some((p) => /unknown key "prot".*allowed: issuer, host, port/.test(p)),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) =>
        /unknown key "metrics\.tokn".*allowed: enabled, host, port, token/.test(p),
      ),
    );
  });
});

test('a bad value names the key, its source and the allowed values — never the value', () => {
  withDir((dir) => {
    const file = join(dir, 'c.json');
    writeFileSync(
      file,
      JSON.stringify({ alg: 'HS256-secretish', accessTokenTtl: '5x', trustProxy: ['a', 'a'] }),
    );
    const problems = problemsOf(() =>
      loadSettings({
        file,
        cwd: dir,
        env: { TESSERA_LOG_IP: 'half', TESSERA_METRICS_PORT: 'ninety' },
      }),
    );
    const text = problems.join('\n');
    assert.match(text, /alg must be one of EdDSA, ES256, RS256 \(from file .*c\.json\)/);
    assert.match(text, /accessTokenTtl must be whole seconds or a duration like "15m"/);
    assert.match(text, /log\.ip must be one of full, truncate, omit \(from env TESSERA_LOG_IP\)/);
    assert.match(
      text,
      /metrics\.port must be an integer from 0 to 65535 \(from env TESSERA_METRICS_PORT\)/,
    );
    assert.match(text, /trustProxy must be a list of distinct/);
    assert.doesNotMatch(text, /secretish|ninety|half\b(?! )/);
  });
});

test('TESSERA_…_FILE reads a container secret; both forms at once is an error; secrets are no flags', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'kek'), `${KEK}\n`);
    const loaded = loadSettings({ cwd: dir, env: { TESSERA_KEK_FILE: 'kek' } });
    assert.equal(loaded.values['kek'], KEK);
    assert.equal(loaded.origins['kek'], 'env TESSERA_KEK_FILE');
    const both = problemsOf(() =>
      loadSettings({ cwd: dir, env: { TESSERA_KEK_FILE: 'kek', TESSERA_KEK: KEK } }),
    );
    assert.match(both[0]!, /both TESSERA_KEK and TESSERA_KEK_FILE/);
    const missing = problemsOf(() =>
      loadSettings({ cwd: dir, env: { TESSERA_METRICS_TOKEN_FILE: 'nope' } }),
    );
    assert.match(missing[0]!, /TESSERA_METRICS_TOKEN_FILE cannot be read \(ENOENT\)/);
    const flag = problemsOf(() => loadSettings({ cwd: dir, env: {}, flags: { kek: KEK } }));
    assert.match(flag[0]!, /kek: not accepted as a flag; use TESSERA_KEK or TESSERA_KEK_FILE/);
  });
});

test('redaction hides secrets and the database password, keeps the rest', () => {
  const loaded = loadSettings({
    cwd: tmpdir(),
    env: {
      TESSERA_KEK: KEK,
      TESSERA_DATABASE_URL: 'postgres://tessera:hunter2-db@db:5432/tessera',
      TESSERA_METRICS_TOKEN: 'metrics-token-0123456789',
      TESSERA_PORT: '4000',
    },
  });
  const shown = JSON.stringify(redactSettings(loaded.values));
  assert.doesNotMatch(shown, new RegExp(`${KEK}|hunter2-db|metrics-token-0123456789`));
  assert.match(shown, /"kek":"\[redacted\]"/);
  assert.match(shown, /postgres:\/\/tessera:redacted@db:5432\/tessera/);
  assert.match(shown, /"port":4000/);
});

test('YAML config files; duplicate keys and non-objects are refused', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'tessera.config.yaml'), 'port: 4500\nlog:\n  ip: truncate\n');
    assert.equal(loadSettings({ cwd: dir, env: {} }).values['port'], 4500);
    writeFileSync(join(dir, 'dup.json'), '{"port": 1, "port": 2}');
    assert.match(
      problemsOf(() => loadSettings({ file: 'dup.json', cwd: dir, env: {} }))[0]!,
      /dup\.json: Map keys must be unique/,
    );
    writeFileSync(join(dir, 'arr.json'), '[1]');
    assert.match(
      problemsOf(() => loadSettings({ file: 'arr.json', cwd: dir, env: {} }))[0]!,
      /must hold an object/,
    );
  });
});

test('toServeSettings refuses what the schema cannot see: issuer rules, KEK format, metrics placement', () => {
  const env = (e: Record<string, string>) => loadSettings({ cwd: tmpdir(), env: e });
  assert.match(
    problemsOf(() => toServeSettings(env({ TESSERA_ACCESS_TOKEN_TTL: '5' })))[0]!,
    /accessTokenTtl must be between/,
  );
  assert.match(
    problemsOf(() => toServeSettings(env({ TESSERA_KEK: 'short' })))[0]!,
    /kek \(from env TESSERA_KEK\): .*32 bytes/,
  );
  assert.match(
    problemsOf(() => toServeSettings(env({ TESSERA_METRICS_ENABLED: 'true' })))[0]!,
    /metrics\.enabled needs metrics\.port .* or metrics\.token/,
  );
  assert.match(
    problemsOf(() =>
      toServeSettings(env({ TESSERA_METRICS_ENABLED: 'true', TESSERA_METRICS_PORT: '4000' })),
    )[0]!,
    /metrics\.port must differ from port/,
  );
  const ok = toServeSettings(
    env({
      TESSERA_METRICS_ENABLED: '1',
      TESSERA_METRICS_PORT: '9464',
      TESSERA_TRUST_PROXY: '10.0.0.1, 10.0.0.0/8',
      TESSERA_SHUTDOWN_TIMEOUT: '3s',
    }),
  );
  assert.deepEqual(ok.metrics, { port: 9464 });
  assert.deepEqual(ok.start.trustProxy, ['10.0.0.1', '10.0.0.0/8']);
  assert.equal(ok.shutdownTimeoutMs, 3000);
  assert.equal(toServeSettings(env({})).metrics, undefined, 'metrics are off by default');
});

test('passkeys: off unless passkeys.enabled; its settings become start options; an issuer on an IP address is refused (no RP ID)', () => {
  const env = (e: Record<string, string>) => loadSettings({ cwd: tmpdir(), env: e });
  assert.equal(
    toServeSettings(env({ TESSERA_PASSKEYS_RP_ID: 'example.com' })).start.passkeys,
    undefined,
  );
  const on = toServeSettings(
    env({
      TESSERA_ISSUER: 'https://login.example.com',
      TESSERA_PASSKEYS_ENABLED: 'true',
      TESSERA_PASSKEYS_RP_ID: 'example.com',
      TESSERA_PASSKEYS_ORIGINS: 'https://login.example.com',
      TESSERA_PASSKEYS_CEREMONY_TTL: '2m',
      TESSERA_PASSKEYS_OFFER_AFTER_PASSWORD: 'false',
    }),
  );
  assert.deepEqual(on.start.passkeys, {
    rpId: 'example.com',
    origins: ['https://login.example.com'],
    ceremonyTtl: '2m',
    offerAfterPassword: false,
  });
  assert.match(
    problemsOf(() => toServeSettings(env({ TESSERA_PASSKEYS_ENABLED: 'true' })))[0]!,
    /passkeys\.rpId must be a domain name \(not an IP address\)/,
  );
  assert.match(
    problemsOf(() =>
      toServeSettings(
        env({
          TESSERA_ISSUER: 'https://login.example.com',
          TESSERA_PASSKEYS_ENABLED: 'true',
          TESSERA_PASSKEYS_RP_ID: 'other.example',
        }),
      ),
    )[0]!,
    /passkeys\.rpId other\.example is not the host of https:\/\/login\.example\.com/,
  );
  assert.match(
    problemsOf(() =>
      toServeSettings(
        env({
          TESSERA_ISSUER: 'http://login.example.com',
          TESSERA_PASSKEYS_ENABLED: 'true',
        }),
      ),
    )[0]!,
    /passkeys\.origins must be https origins/,
  );
});

test('the JSON Schema is valid draft-07 and refuses what loadSettings refuses', () => {
  const ajv = new Ajv({ strict: true });
  const validate = ajv.compile(settingsJsonSchema());
  assert.equal(
    validate({ port: 4000, metrics: { enabled: true, port: 9464 }, accessTokenTtl: '15m' }),
    true,
  );
  assert.equal(validate({ port: 4000, nope: 1 }), false);
  assert.equal(validate({ alg: 'none' }), false);
});

test('mfa: the issuer policy from the config file, TESSERA_MFA or --mfa reaches startServer; a bad one is refused', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'tessera.config.json'), JSON.stringify({ mfa: 'optional' }));
    const fromFile = loadSettings({ cwd: dir, env: {} });
    assert.equal(toServeSettings(fromFile).start.mfa, 'optional');
    const fromEnv = loadSettings({ cwd: dir, env: { TESSERA_MFA: 'required' } });
    assert.equal(toServeSettings(fromEnv).start.mfa, 'required');
    const fromFlag = loadSettings({
      cwd: dir,
      env: { TESSERA_MFA: 'required' },
      flags: { mfa: 'off' },
    });
    assert.equal(toServeSettings(fromFlag).start.mfa, 'off');
    assert.equal(fromFlag.origins['mfa'], 'flag --mfa');
    const problems = problemsOf(() => loadSettings({ cwd: dir, env: { TESSERA_MFA: 'always' } }));
    assert.ok(
      problems.some(
        (p) => /TESSERA_MFA/.test(p) && /off, optional, required|off\|optional\|required/.test(p),
      ),
      problems.join('\n'),
    );
  });
});
