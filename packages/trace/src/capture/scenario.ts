/**
 * Scenario files of `tessera trace run`: their shape, strict validation, and `${NAME}`
 * expansion from the caller's variables.
 */
import { TraceInputError } from '../errors.js';

export interface ScenarioStep {
  method: string;
  /** Absolute, or relative to `base` (or to the login URL). */
  url: string;
  /** Form fields (`application/x-www-form-urlencoded`). `"$password"` stands for the password. */
  form?: Record<string, string>;
  /** JSON body. String values `"$password"` stand for the password. */
  json?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** HTTP Basic credentials (a client that re-sends them on every call is what `credentials-once` catches). */
  basic?: { username: string; password: string };
  /** Whether a call carries the token obtained at login (default true). */
  useToken?: boolean;
}

export interface Scenario {
  base?: string;
  login?: ScenarioStep & {
    /** Where the token is: `json:access_token` (default), `cookie:NAME`, `header:NAME`. */
    tokenFrom?: string;
  };
  calls?: ScenarioStep[];
}

/** True for a plain JSON object (not null, not an array). */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validate a scenario file's parsed JSON. Throws {@link TraceInputError} `ERR_SCENARIO_INVALID`.
 *
 * @example
 * const scenario = parseScenario(JSON.parse(readFileSync('flow.json', 'utf8')));
 */
export function parseScenario(value: unknown): Scenario {
  const bad = (path: string, msg: string): never => {
    throw new TraceInputError('ERR_SCENARIO_INVALID', path, msg);
  };
  if (!isRecord(value)) return bad('', 'a scenario must be a JSON object');
  for (const k of Object.keys(value))
    if (!['base', 'login', 'calls'].includes(k)) bad(k, 'is not a known member');
  const step = (v: unknown, path: string, login: boolean): ScenarioStep => {
    if (!isRecord(v)) return bad(path, 'must be an object');
    const known = [
      'method',
      'url',
      'form',
      'json',
      'headers',
      'basic',
      'useToken',
      ...(login ? ['tokenFrom'] : []),
    ];
    for (const k of Object.keys(v))
      if (!known.includes(k)) bad(`${path}.${k}`, 'is not a known member');
    if (typeof v.method !== 'string' || !/^[A-Za-z]+$/.test(v.method))
      bad(`${path}.method`, 'must be an HTTP method');
    if (typeof v.url !== 'string' || v.url === '') bad(`${path}.url`, 'must be a URL or a path');
    for (const k of ['form', 'headers'] as const) {
      if (
        v[k] !== undefined &&
        (!isRecord(v[k]) || Object.values(v[k]).some((x) => typeof x !== 'string'))
      ) {
        bad(`${path}.${k}`, 'must be an object of strings');
      }
    }
    if (v.json !== undefined && !isRecord(v.json)) bad(`${path}.json`, 'must be an object');
    if (
      v.basic !== undefined &&
      (!isRecord(v.basic) ||
        typeof v.basic.username !== 'string' ||
        typeof v.basic.password !== 'string')
    ) {
      bad(`${path}.basic`, 'must be { username, password }');
    }
    if (v.useToken !== undefined && typeof v.useToken !== 'boolean')
      bad(`${path}.useToken`, 'must be a boolean');
    if (
      v.tokenFrom !== undefined &&
      (typeof v.tokenFrom !== 'string' || !/^(json|cookie|header):.+$/.test(v.tokenFrom))
    ) {
      bad(`${path}.tokenFrom`, 'must be json:PATH, cookie:NAME or header:NAME');
    }
    return v as unknown as ScenarioStep;
  };
  const out: Scenario = {};
  if (value.base !== undefined) {
    if (typeof value.base !== 'string') bad('base', 'must be a URL');
    out.base = value.base as string;
  }
  if (value.login !== undefined) out.login = step(value.login, 'login', true);
  if (value.calls !== undefined) {
    if (!Array.isArray(value.calls)) bad('calls', 'must be an array');
    out.calls = (value.calls as unknown[]).map((c, i) => step(c, `calls[${i}]`, false));
  }
  if (!out.login && !out.calls?.length) bad('', 'a scenario needs a login or at least one call');
  return out;
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replace every `${NAME}` in a scenario's strings (base, URLs, form and JSON values, headers,
 * Basic credentials) with `vars[NAME]`. The values come only from what the caller passes (the
 * `--env-file` of `trace run`), never from the process environment: a scenario file from
 * elsewhere cannot send the environment's secrets to a URL of its choosing. A name without a
 * value is `ERR_SCENARIO_INVALID` at the member's path; nothing is sent.
 *
 * @example
 * expandScenario({ base: '${ISSUER}', login: { method: 'POST', url: '/token' } }, { ISSUER: 'http://127.0.0.1:4000' });
 */
export function expandScenario(
  scenario: Scenario,
  vars: Readonly<Record<string, string | undefined>>,
): Scenario {
  const expand = (v: unknown, path: string): unknown => {
    if (typeof v === 'string')
      return v.replace(PLACEHOLDER, (_, name: string) => {
        const value = Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : undefined;
        if (value === undefined)
          throw new TraceInputError(
            'ERR_SCENARIO_INVALID',
            path,
            `\${${name}} has no value (give it in --env-file FILE)`,
          );
        return value;
      });
    if (Array.isArray(v)) return v.map((x, i) => expand(x, `${path}[${i}]`));
    if (isRecord(v))
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, expand(x, path ? `${path}.${k}` : k)]),
      );
    return v;
  };
  return expand(scenario, '') as Scenario;
}
