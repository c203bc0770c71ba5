import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { login, makeIssuer, post } from '../test-support/harness.js';

/** The span tree below `root`, one line per span, children indented, in start order. */
function tree(spans: readonly ReadableSpan[], root: ReadableSpan, depth = 0): string[] {
  const id = root.spanContext().spanId;
  const children = spans
    .filter((s) => s.parentSpanContext?.spanId === id)
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  return [
    `${'  '.repeat(depth)}${root.name}`,
    ...children.flatMap((c) => tree(spans, c, depth + 1)),
  ];
}

test('tracing: a refresh is one request span with the client lookup and a grant span holding its store calls', async () => {
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const t = await makeIssuer('sqlite', {}, undefined, { tracer: provider.getTracer('test') });
  try {
    const s = await login(t);
    exporter.reset();
    const r = await post(
      t.app,
      '/token',
      { grant_type: 'refresh_token', refresh_token: s.refresh_token },
      { authorization: t.basic() },
    );
    assert.equal(r.status, 200);
    const spans = exporter.getFinishedSpans();
    const roots = spans.filter((x) => x.name === 'POST /token');
    assert.equal(roots.length, 1);
    const root = roots[0]!;
    assert.equal(root.parentSpanContext, undefined);
    assert.equal(root.attributes['http.response.status_code'], 200);
    assert.equal(root.attributes['http.route'], '/token');
    const lines = tree(spans, root);
    console.log(`# span tree of a refresh:\n${lines.map((l) => `#   ${l}`).join('\n')}`);
    assert.equal(lines[0], 'POST /token');
    const grantAt = lines.indexOf('  grant refresh_token');
    assert.ok(grantAt > 0, lines.join('\n'));
    assert.ok(
      lines.slice(1, grantAt).includes('  store.findClient'),
      'client authentication under the request',
    );
    const underGrant = lines.slice(grantAt + 1).filter((l) => l.startsWith('    '));
    assert.ok(
      underGrant.some((l) => l.startsWith('    store.findRefresh')),
      lines.join('\n'),
    );
    assert.ok(underGrant.includes('    store.rotateRefreshToken'), lines.join('\n'));
    const grant = spans.find((x) => x.name === 'grant refresh_token')!;
    assert.equal(grant.attributes['oauth.client_id'], t.clientId);
    // Every span's attributes name operations, never the token or the secret.
    const attrs = JSON.stringify(spans.map((x) => x.attributes));
    for (const secret of [s.refresh_token, s.access_token, t.clientSecret])
      assert.equal(attrs.includes(secret), false);
    // A failed grant marks its span with the RFC 6749 error code only.
    exporter.reset();
    await post(
      t.app,
      '/token',
      { grant_type: 'refresh_token', refresh_token: 'nope' },
      { authorization: t.basic() },
    );
    const failed = exporter.getFinishedSpans().find((x) => x.name === 'grant refresh_token')!;
    assert.deepEqual(failed.status, { code: 2, message: 'invalid_grant' });
  } finally {
    await t.close();
    await provider.shutdown();
    context.disable();
  }
});
