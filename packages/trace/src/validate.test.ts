import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTrace } from './build-trace.js';
import { parseTrace, validateTrace } from './validate.js';
import { TraceInputError } from './errors.js';
import { serializeTrace } from './trace-file.js';
import { START, call, login } from './test-support/raw-flows.js';

const trace = buildTrace([login(), call('/me', 10)], { source: 'run', startedAt: START });

test('a built trace round-trips through JSON and validation', () => {
  assert.deepEqual(parseTrace(serializeTrace(trace)), JSON.parse(serializeTrace(trace)));
});

const mutate = (f: (t: Record<string, any>) => void): unknown => {
  const t = JSON.parse(serializeTrace(trace)) as Record<string, any>;
  f(t);
  return t;
};

const rejects = (value: unknown, code: string, path: string | RegExp): void => {
  assert.throws(
    () => validateTrace(value),
    (e: unknown) =>
      e instanceof TraceInputError &&
      e.code === code &&
      (typeof path === 'string' ? e.path === path : path.test(e.path)),
  );
};

test('another version is ERR_TRACE_VERSION', () => {
  rejects(
    mutate((t) => (t.version = 2)),
    'ERR_TRACE_VERSION',
    'version',
  );
});

test('wrong format, unknown members, wrong types and missing members are ERR_TRACE_INVALID with a path', () => {
  rejects(
    mutate((t) => (t.format = 'har')),
    'ERR_TRACE_INVALID',
    'format',
  );
  rejects(
    mutate((t) => (t.extra = 1)),
    'ERR_TRACE_INVALID',
    'extra',
  );
  rejects(
    mutate((t) => (t.exchanges[0].seq = '1')),
    'ERR_TRACE_INVALID',
    'exchanges[0].seq',
  );
  rejects(
    mutate((t) => (t.exchanges[1].credentials = [{ kind: 'magic', location: 'form' }])),
    'ERR_TRACE_INVALID',
    'exchanges[1].credentials[0].kind',
  );
  rejects(
    mutate((t) => delete t.exchanges[0].tokensIssued),
    'ERR_TRACE_INVALID',
    'exchanges[0].tokensIssued',
  );
  rejects(
    mutate((t) => (t.exchanges[0].requestHeaders = { a: 1 })),
    'ERR_TRACE_INVALID',
    'exchanges[0].requestHeaders.a',
  );
  rejects(
    mutate((t) => (t.startedAt = 'yesterday')),
    'ERR_TRACE_INVALID',
    'startedAt',
  );
  rejects(
    mutate((t) => (t.exchanges[0].to = 'nobody')),
    'ERR_TRACE_INVALID',
    'exchanges[0].to',
  );
  rejects(
    mutate((t) => (t.exchanges[1].seq = 1)),
    'ERR_TRACE_INVALID',
    'exchanges[1].seq',
  );
  rejects([], 'ERR_TRACE_INVALID', '');
});

test('text that is not JSON is ERR_TRACE_JSON', () => {
  assert.throws(
    () => parseTrace('{"format":'),
    (e: unknown) => e instanceof TraceInputError && e.code === 'ERR_TRACE_JSON',
  );
});
