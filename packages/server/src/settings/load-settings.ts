import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../config.js';
import { settingsJsonSchema } from './settings-schema.js';
import { envName, flagName, SETTINGS, type SettingSpec } from './settings-table.js';

/** A configuration error that lists every bad setting, each naming its key and where it came from. */
export class SettingsError extends ConfigError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      problems.length === 1
        ? problems[0]!
        : `${problems.length} configuration errors:\n  ${problems.join('\n  ')}`,
    );
    this.problems = problems;
  }
}

/** Where the settings come from. Precedence: flags over environment over the file. */
export interface SettingsInput {
  /** Config file; default `TESSERA_CONFIG`, else `tessera.config.json`/`.yaml` in `cwd` if present. */
  file?: string;
  env?: Record<string, string | undefined>;
  /** Flag values keyed by flag name without dashes (`metrics-port`), as `node:util` parseArgs gives them. */
  flags?: Record<string, string | boolean | string[] | undefined>;
  cwd?: string;
}

/** The resolved settings: a nested object shaped like the config file, and each value's origin. */
export interface LoadedSettings {
  readonly values: Readonly<Record<string, unknown>>;
  /** Dotted path → `file tessera.config.json`, `env TESSERA_PORT`, `flag --port`. */
  readonly origins: Readonly<Record<string, string>>;
  readonly file: string | undefined;
}

const DEFAULT_FILES = ['tessera.config.json', 'tessera.config.yaml', 'tessera.config.yml'];

function getPath(obj: Record<string, unknown>, path: string): unknown {
  let node: unknown = obj;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = obj;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}

/** A string from the environment or a flag → the setting's type (left as is when it does not parse: the schema then names it). */
function fromText(spec: SettingSpec, text: string): unknown {
  const t = text.trim();
  switch (spec.kind.type) {
    case 'integer':
      return /^-?\d+$/.test(t) ? Number(t) : text;
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(t)) return true;
      if (/^(false|0|no|off)$/i.test(t)) return false;
      return text;
    case 'duration':
      return /^\d+$/.test(t) ? Number(t) : t;
    case 'list':
      return [
        ...new Set(
          t
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0),
        ),
      ];
    default:
      return text;
  }
}

function describeKind(spec: SettingSpec): string {
  const k = spec.kind;
  switch (k.type) {
    case 'string':
      return k.patternHint !== undefined
        ? `must be a string: ${k.patternHint}`
        : 'must be a non-empty string';
    case 'integer':
      return `must be an integer from ${k.minimum} to ${k.maximum}`;
    case 'boolean':
      return 'must be true or false';
    case 'enum':
      return `must be one of ${k.values.join(', ')}`;
    case 'duration':
      return 'must be whole seconds or a duration like "15m" (units s, m, h, d, w)';
    case 'list':
      return 'must be a list of distinct non-empty strings (comma-separated in env and flags)';
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SettingsError([
      `config file ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  let parsed: unknown;
  try {
    // YAML 1.2 is a superset of JSON; the `json` schema keeps .json files strict JSON, and
    // duplicate keys are refused in both (a silent last-one-wins hides mistakes).
    parsed = parseYaml(text, { schema: /\.json$/i.test(file) ? 'json' : 'core', uniqueKeys: true });
  } catch (e) {
    const first = (e instanceof Error ? e.message : 'syntax error').split('\n')[0];
    throw new SettingsError([`config file ${file}: ${first}`]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new SettingsError([`config file ${file}: must hold an object`]);
  return parsed as Record<string, unknown>;
}

const SPEC_BY_PATH = new Map(SETTINGS.map((s) => [s.path, s]));
const validate = new Ajv({ allErrors: true, strict: true }).compile(settingsJsonSchema());

function errorPath(e: ErrorObject): string {
  const base = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return base.join('.');
}

function schemaProblems(
  values: Record<string, unknown>,
  origins: Record<string, string>,
  fileLabel: string,
): string[] {
  if (validate(values)) return [];
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const e of validate.errors ?? []) {
    let path = errorPath(e);
    let message: string;
    if (e.keyword === 'additionalProperties') {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const parent = path;
      path = parent === '' ? key : `${parent}.${key}`;
      const allowed = SETTINGS.map((s) => s.path)
        .filter((p) => (parent === '' ? true : p.startsWith(`${parent}.`)))
        .map((p) => (parent === '' ? p.split('.')[0]! : p.slice(parent.length + 1)));
      message = `unknown key "${path}" in ${fileLabel} (allowed: ${[...new Set(allowed)].join(', ')})`;
    } else {
      // Errors inside a list or a duration's alternatives belong to the setting itself.
      while (path !== '' && !SPEC_BY_PATH.has(path)) path = path.split('.').slice(0, -1).join('.');
      const spec = SPEC_BY_PATH.get(path);
      if (spec === undefined) {
        message = `${fileLabel}: ${path || 'the top level'} must be an object`;
      } else {
        message = `${path} ${describeKind(spec)} (from ${origins[path] ?? fileLabel})`;
      }
    }
    if (!seen.has(message)) {
      seen.add(message);
      problems.push(message);
    }
  }
  return problems;
}

/**
 * Resolve the settings of `tessera serve` from the config file, `TESSERA_…` environment variables
 * (each may instead be given as `TESSERA_…_FILE`, a file holding the value: container secrets)
 * and flags, in that rising order of precedence. Every value is checked against the schema; an
 * unknown key in the file, a wrong type or a value out of range throws a {@link SettingsError}
 * naming the key, where it came from and what is allowed. Values are never put in messages.
 *
 * @example
 * const { values } = loadSettings({ env: process.env, flags: { port: '4100' } });
 */
export function loadSettings(input: SettingsInput = {}): LoadedSettings {
  const env = input.env ?? process.env;
  const cwd = input.cwd ?? process.cwd();
  const values: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  const problems: string[] = [];

  const explicit = input.file ?? env['TESSERA_CONFIG'];
  const file =
    explicit !== undefined
      ? resolve(cwd, explicit)
      : DEFAULT_FILES.map((f) => resolve(cwd, f)).find((f) => existsSync(f));
  const fileLabel = file ?? 'the configuration';
  if (file !== undefined) {
    const data = readConfigFile(file);
    Object.assign(values, data);
    for (const spec of SETTINGS)
      if (getPath(data, spec.path) !== undefined) origins[spec.path] = `file ${file}`;
  }

  for (const spec of SETTINGS) {
    const name = envName(spec);
    const direct = env[name];
    const fromFile = env[`${name}_FILE`];
    if (direct !== undefined && fromFile !== undefined) {
      problems.push(`${spec.path}: both ${name} and ${name}_FILE are set; set one`);
      continue;
    }
    if (fromFile !== undefined) {
      let text: string;
      try {
        text = readFileSync(resolve(cwd, fromFile), 'utf8').replace(/\r?\n$/, '');
      } catch (e) {
        problems.push(
          `${spec.path}: ${name}_FILE cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
        );
        continue;
      }
      setPath(values, spec.path, fromText(spec, text));
      origins[spec.path] = `env ${name}_FILE`;
    } else if (direct !== undefined && direct !== '') {
      setPath(values, spec.path, fromText(spec, direct));
      origins[spec.path] = `env ${name}`;
    }
  }

  const flags = input.flags ?? {};
  for (const spec of SETTINGS) {
    const flag = flagName(spec);
    const v = flags[flag];
    if (v === undefined) continue;
    if (spec.secret === true) {
      // A flag's value shows in `ps` and shell history: secrets come from the env or a file.
      problems.push(
        `${spec.path}: not accepted as a flag; use ${envName(spec)} or ${envName(spec)}_FILE`,
      );
      continue;
    }
    const value =
      typeof v === 'boolean'
        ? v
        : Array.isArray(v)
          ? fromText(spec, v.join(','))
          : fromText(spec, v);
    setPath(values, spec.path, value);
    origins[spec.path] = `flag --${flag}`;
  }

  problems.push(...schemaProblems(values, origins, fileLabel));
  if (problems.length > 0) throw new SettingsError(problems);
  return { values, origins, file };
}

/** The resolved settings with secrets replaced by `[redacted]` and passwords cut out of URLs. */
export function redactSettings(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy = structuredClone(values) as Record<string, unknown>;
  for (const spec of SETTINGS) {
    const v = getPath(copy, spec.path);
    if (v === undefined) continue;
    if (spec.secret === true) setPath(copy, spec.path, '[redacted]');
    else if (spec.urlWithCredentials === true && typeof v === 'string') {
      try {
        const url = new URL(v);
        if (url.password !== '') {
          url.password = 'redacted';
          setPath(copy, spec.path, url.toString());
        }
      } catch {
        // A file path, not a URL: nothing to hide.
      }
    }
  }
  return copy;
}

/** Read one resolved setting by its dotted path. */
export function setting<T>(loaded: LoadedSettings, path: string): T | undefined {
  return getPath(loaded.values as Record<string, unknown>, path) as T | undefined;
}

/**
 * The `node:util` parseArgs options for every setting that may be a flag (secrets may not):
 * booleans as boolean flags, the rest as strings.
 */
export function settingsFlagOptions(): Record<string, { type: 'string' | 'boolean' }> {
  const out: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const spec of SETTINGS) {
    if (spec.secret === true) continue;
    out[flagName(spec)] = { type: spec.kind.type === 'boolean' ? 'boolean' : 'string' };
  }
  return out;
}
