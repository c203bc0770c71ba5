/**
 * Parsers at the edge never crash: arbitrary input gives a trace or a typed TraceInputError,
 * and arbitrary exchanges classify and render without throwing or leaking a password.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseTrace } from './validate.js';
import { importHar } from './capture/har.js';
import { classifyExchange } from './classify.js';
import { buildTrace } from './build-trace.js';
import { TraceInputError } from './errors.js';
import { renderAscii } from './render/ascii.js';
import { renderHtml } from './render/html.js';
import { renderMermaid } from './render/mermaid.js';
import type { RawExchange } from './raw-exchange.js';
import { START } from './test-support/raw-flows.js';

const onlyTyped = (f: () => unknown): void => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof TraceInputError, `unexpected ${String(e)}`);
  }
};

test('parseTrace and importHar: arbitrary JSON gives a value or a TraceInputError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
      onlyTyped(() => parseTrace(text));
      onlyTyped(() => importHar(text));
    }),
    { numRuns: 300 },
  );
});

test('importHar: HAR-shaped documents with arbitrary members never crash', () => {
  const header = fc.record({ name: fc.string(), value: fc.string() });
  const entry = fc.record({
    startedDateTime: fc.oneof(fc.constant('2026-01-01T00:00:00Z'), fc.string()),
    time: fc.oneof(fc.double(), fc.integer()),
    request: fc.record({
      method: fc.constantFrom('GET', 'POST', ''),
      url: fc.oneof(fc.webUrl(), fc.string()),
      headers: fc.array(header, { maxLength: 4 }),
      postData: fc.option(fc.record({ mimeType: fc.string(), text: fc.string() }), {
        nil: undefined,
      }),
    }),
    response: fc.record({
      status: fc.oneof(fc.integer({ min: -1, max: 600 }), fc.string()),
      headers: fc.array(header, { maxLength: 4 }),
      content: fc.record({ text: fc.string() }),
    }),
  });
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 5 }), (entries) => {
      onlyTyped(() => importHar(JSON.stringify({ log: { version: '1.2', entries } })));
    }),
    { numRuns: 200 },
  );
});

test('arbitrary exchanges classify, build and render; a password value never reaches the output', () => {
  const PW = 'Pw-9f8e7d6c5b4a';
  const raw = fc.record({
    method: fc.constantFrom('GET', 'POST', 'PUT'),
    path: fc.stringMatching(/^\/[a-z0-9/._-]{0,20}$/),
    headers: fc.array(
      fc.tuple(
        fc.constantFrom('authorization', 'cookie', 'content-type', 'x-any', 'set-cookie'),
        fc.string({ maxLength: 40 }),
      ),
      { maxLength: 4 },
    ),
    body: fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.constant(`password=${PW}&user=a`),
      fc.constant(JSON.stringify({ pwd: PW })),
    ),
    ct: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', ''),
    status: fc.integer({ min: 0, max: 599 }),
    resBody: fc.string({ maxLength: 60 }),
  });
  fc.assert(
    fc.property(fc.array(raw, { minLength: 1, maxLength: 5 }), (xs) => {
      const raws: RawExchange[] = xs.map((x, i) => ({
        t: i,
        method: x.method,
        url: `http://127.0.0.1:3000${x.path}?q=${PW}`,
        requestHeaders: [...x.headers, ['content-type', x.ct]],
        requestBody: x.body,
        status: x.status,
        durationMs: 1,
        responseHeaders: [['content-type', 'application/json']],
        responseBody: x.resBody,
      }));
      raws.forEach((r) => classifyExchange(r));
      const trace = buildTrace(raws, {
        source: 'run',
        startedAt: START,
        reveal: true,
        assertions: ['credentials-once', 'https-only'],
      });
      const out =
        JSON.stringify(trace) + renderAscii(trace) + renderMermaid(trace) + renderHtml(trace);
      assert.ok(!out.includes(PW));
    }),
    { numRuns: 150 },
  );
});
