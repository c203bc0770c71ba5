/**
 * Strict validation of a loaded `trace.json`: check, don't cast. Every member is checked for its
 * type, unknown members are refused, and another format version is a distinct error.
 */
import { TRACE_FORMAT, TRACE_VERSION, ASSERTION_NAMES } from './model.js';
import { TraceInputError } from './errors.js';
import type { Trace } from './model.js';

type Check = (v: unknown, path: string) => void;

const fail = (path: string, message: string): never => {
  throw new TraceInputError('ERR_TRACE_INVALID', path, message);
};

const str: Check = (v, p) => {
  if (typeof v !== 'string') fail(p, 'must be a string');
};
const int: Check = (v, p) => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    fail(p, 'must be a non-negative integer');
};
const num: Check = (v, p) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(p, 'must be a finite number');
};
const bool: Check = (v, p) => {
  if (typeof v !== 'boolean') fail(p, 'must be a boolean');
};
const oneOf =
  (...values: readonly (string | number)[]): Check =>
  (v, p) => {
    if (!values.includes(v as string)) fail(p, `must be one of ${values.join(', ')}`);
  };
const arr =
  (item: Check): Check =>
  (v, p) => {
    if (!Array.isArray(v)) fail(p, 'must be an array');
    (v as unknown[]).forEach((x, i) => item(x, `${p}[${i}]`));
  };
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.getPrototypeOf(v) === Object.prototype;
const record =
  (value: Check): Check =>
  (v, p) => {
    if (!isPlainObject(v)) fail(p, 'must be an object');
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) value(x, `${p}.${k}`);
  };
interface Field {
  check: Check;
  optional: boolean;
}
const opt = (check: Check): Field => ({ check, optional: true });
const obj =
  (shape: Record<string, Check | Field>): Check =>
  (v, p) => {
    if (!isPlainObject(v)) fail(p, 'must be an object');
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!Object.prototype.hasOwnProperty.call(shape, k))
        fail(p ? `${p}.${k}` : k, 'is not a known member');
    }
    for (const [k, f] of Object.entries(shape)) {
      const field: Field = typeof f === 'function' ? { check: f, optional: false } : f;
      const path = p ? `${p}.${k}` : k;
      if (o[k] === undefined) {
        if (!field.optional) fail(path, 'is required');
        continue;
      }
      field.check(o[k], path);
    }
  };

const bodySummary = obj({
  type: oneOf('form', 'json', 'text', 'binary'),
  fields: arr(str),
  bytes: int,
});
const cookieFlags = obj({
  httpOnly: bool,
  secure: bool,
  sameSite: opt(str),
  path: opt(str),
  maxAge: opt(num),
});

const exchange = obj({
  seq: int,
  t: num,
  from: str,
  to: str,
  method: str,
  url: str,
  requestHeaders: record(str),
  requestBody: opt(bodySummary),
  status: int,
  durationMs: num,
  responseHeaders: record(str),
  responseBody: opt(bodySummary),
  role: opt(oneOf('login')),
  credentials: arr(
    obj({
      kind: oneOf('basic', 'password-field', 'grant', 'opaque-bearer'),
      location: oneOf('authorization', 'form', 'json', 'query'),
      name: opt(str),
      fingerprint: opt(str),
    }),
  ),
  tokensPresented: arr(
    obj({
      fingerprint: str,
      location: oneOf('authorization', 'cookie', 'query', 'form'),
      name: opt(str),
    }),
  ),
  tokensIssued: arr(
    obj({
      fingerprint: str,
      location: oneOf('json', 'set-cookie'),
      name: str,
      cookie: opt(cookieFlags),
    }),
  ),
  error: opt(str),
});

const traceShape = obj({
  format: oneOf(TRACE_FORMAT),
  version: int,
  source: oneOf('run', 'proxy', 'har'),
  startedAt: (v, p) => {
    str(v, p);
    if (Number.isNaN(Date.parse(v as string))) fail(p, 'must be an ISO 8601 date');
  },
  revealed: bool,
  participants: arr(
    obj({
      id: str,
      label: str,
      kind: oneOf('actor', 'client', 'service'),
      origin: opt(str),
      pathPrefix: opt(str),
    }),
  ),
  exchanges: arr(exchange),
  tokens: arr(
    obj({
      n: int,
      fingerprint: str,
      display: str,
      value: opt(str),
      kind: oneOf('jwt', 'jwe', 'opaque'),
      alg: opt(str),
      kid: opt(str),
      typ: opt(str),
      iat: opt(num),
      exp: opt(num),
      lifetimeSec: opt(num),
      verified: opt(oneOf('valid', 'invalid')),
      verifyError: opt(str),
      issuedIn: opt(int),
      issuedAs: opt(str),
      presentedIn: arr(int),
    }),
  ),
  assertions: arr(
    obj({
      name: oneOf(...ASSERTION_NAMES),
      status: oneOf('pass', 'fail'),
      message: str,
      exchanges: arr(int),
    }),
  ),
  findings: arr(
    obj({ code: str, severity: oneOf('info', 'warning'), message: str, exchanges: arr(int) }),
  ),
});

/**
 * Validate a parsed value as a trace and return it typed. Throws {@link TraceInputError}
 * (`ERR_TRACE_VERSION` for another version, `ERR_TRACE_INVALID` otherwise).
 *
 * @example
 * const trace = validateTrace(JSON.parse(text));
 */
export function validateTrace(value: unknown): Trace {
  if (!isPlainObject(value)) fail('', 'a trace must be a JSON object');
  const v = value as Record<string, unknown>;
  if (v.format !== TRACE_FORMAT) fail('format', `must be "${TRACE_FORMAT}"`);
  if (v.version !== TRACE_VERSION) {
    throw new TraceInputError(
      'ERR_TRACE_VERSION',
      'version',
      `version ${String(v.version)} is not supported (expected ${TRACE_VERSION})`,
    );
  }
  traceShape(v, '');
  const t = v as unknown as Trace;
  const ids = new Set(t.participants.map((p) => p.id));
  if (ids.size !== t.participants.length) fail('participants', 'ids must be unique');
  const seqs = new Set<number>();
  t.exchanges.forEach((e, i) => {
    if (!ids.has(e.from)) fail(`exchanges[${i}].from`, 'names no participant');
    if (!ids.has(e.to)) fail(`exchanges[${i}].to`, 'names no participant');
    if (seqs.has(e.seq)) fail(`exchanges[${i}].seq`, 'must be unique');
    seqs.add(e.seq);
  });
  return t;
}

/**
 * Parse `trace.json` text: strict JSON, then {@link validateTrace}.
 *
 * @example
 * const trace = parseTrace(readFileSync('trace.json', 'utf8'));
 */
export function parseTrace(text: string): Trace {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new TraceInputError('ERR_TRACE_JSON', '', 'the trace is not valid JSON', { cause });
  }
  return validateTrace(value);
}
