import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTrace } from '../build-trace.js';
import { renderSvg } from './svg.js';
import { renderHtml } from './html.js';
import { renderAscii } from './ascii.js';
import { renderMermaid } from './mermaid.js';
import { describeTrace, relativeDuration } from './diagram.js';
import { displayToken } from '../redact.js';
import { START, TOKEN, call, login } from '../test-support/raw-flows.js';

const good = buildTrace([login(), call('/me', 10), call('/orders', 20)], {
  source: 'run',
  startedAt: START,
});
const bad = buildTrace(
  [
    login(),
    call('/me', 10, [['authorization', 'Basic YWxpY2U6aHVudGVyMg==']]),
    call('/orders', 20),
  ],
  {
    source: 'run',
    startedAt: START,
    names: [{ origin: '127.0.0.1:3000', label: '<script>alert(1)</script> & co' }],
  },
);

test('the diagram marks the credential request, groups token-only requests and labels the issued token', () => {
  const d = describeTrace(good);
  assert.equal(d.steps[0]!.credential, true);
  assert.deepEqual(d.steps[0]!.notes, ['only request carrying credentials']);
  assert.equal(
    d.steps.map((s) => s.request.map((x) => x.text).join('')).join('|'),
    `1 POST /login [credentials: username, password=•••]|2 GET /me [Bearer #1 ${displayToken(TOKEN)}]|3 GET /orders [Bearer #1 ${displayToken(TOKEN)}]`,
  );
  assert.equal(
    d.steps[0]!.response.map((x) => x.text).join(''),
    `200 access_token ${displayToken(TOKEN)} (JWT HS256, exp +15m)`,
  );
  assert.deepEqual(d.groups, [
    {
      token: 1,
      label: `authenticated with token #1 (${good.tokens[0]!.fingerprint})`,
      first: 1,
      last: 2,
    },
  ]);
  const b = describeTrace(bad);
  assert.deepEqual(b.steps[1]!.failing, ['credentials-once', 'token-only-after-login']);
  assert.ok(b.steps[1]!.notes.includes('credentials sent AGAIN'));
  assert.equal(
    b.steps[1]!.group,
    undefined,
    'a request with credentials is not in the token region',
  );
});

test('relative durations read like +15m, +1h30m, -20s', () => {
  assert.equal(relativeDuration(900), '+15m');
  assert.equal(relativeDuration(5400), '+1h30m');
  assert.equal(relativeDuration(-20), '-20s');
  assert.equal(relativeDuration(0), '+0s');
  assert.equal(relativeDuration(90061), '+1d1h');
});

test('SVG: deterministic, escaped, jwt.io colours on tokens, red failing arrows, amber credential arrow', () => {
  const svg = renderSvg(good);
  assert.equal(svg, renderSvg(structuredClone(good)));
  assert.match(
    svg,
    /<tspan fill="#fb015b">eyJhbGci<\/tspan><tspan fill="#d63aff">…<\/tspan><tspan fill="#00b9f1">/,
  );
  assert.match(svg, /class="message request credential"[^>]*>[\s\S]*?stroke="#d97706"/);
  assert.ok(!svg.includes('#dc2626" stroke-width'), 'no failing arrow in a passing trace');
  assert.ok(svg.includes('class="token-region"'));
  const b = renderSvg(bad, { idPrefix: 'x' });
  assert.ok(!b.includes('<script>'), 'labels are escaped');
  assert.ok(b.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; co'));
  assert.match(
    b,
    /class="message request credential failing" data-seq="2">[\s\S]*?stroke="#dc2626"/,
  );
  assert.ok(b.includes('id="x-arrow"') && !b.includes('id="tt-arrow"'));
  assert.ok(!svg.includes(TOKEN) && !b.includes('hunter2'));
});

test('HTML report: self-contained, no scripts, SVG inline, exchange table and assertion results', () => {
  const html = renderHtml(bad);
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  assert.ok(!/<script/i.test(html), 'no script element (the participant label is escaped)');
  assert.ok(!/\s(src|href)=/i.test(html), 'no external resource');
  assert.ok(
    html.includes(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`),
  );
  assert.ok(html.includes('<svg xmlns="http://www.w3.org/2000/svg"') && !html.includes('<?xml'));
  assert.equal((html.match(/<tr class="credential/g) ?? []).length, 2);
  assert.ok(html.includes('<tr class="credential failing"><td>2</td>'));
  assert.match(
    html,
    /<code>credentials-once<\/code><\/td><td class="fail">✗ fail<\/td><td>credentials were sent 2 times; again in: #2<\/td>/,
  );
  assert.match(html, /<code>no-token-in-url<\/code><\/td><td class="pass">/);
  assert.equal(html, renderHtml(structuredClone(bad)));
});

test('ASCII: lifelines, a * credential arrow, a ! failing arrow, the token region', () => {
  const a = renderAscii(good);
  const lines = a.split('\n');
  assert.match(lines[0]!, /^\s+CLI\s+127\.0\.0\.1:3000$/);
  assert.ok(
    lines.some((l) => /^\s+\|\*+>\|$/.test(l)),
    'credential arrow',
  );
  assert.ok(lines.some((l) => l.startsWith('== authenticated with token #1')));
  assert.ok(
    renderAscii(bad)
      .split('\n')
      .some((l) => /^\s+\|!+>\|$/.test(l)),
    'failing arrow',
  );
});

test('Mermaid: participants, activations, the token rect, escaped # ; < >', () => {
  const m = renderMermaid(bad);
  assert.ok(m.includes('participant svc1 as #lt;script#gt;alert(1)#lt;/script#gt; & co'));
  assert.ok(m.includes('client->>+svc1: 1 POST /login [credentials: username, password=•••]'));
  assert.ok(m.includes('svc1-->>-client: 200 access_token'));
  assert.ok(m.includes('  rect rgb(219, 234, 254)\n') && m.trimEnd().endsWith('end'));
  assert.ok(m.includes('Note over client,svc1: ✗ credentials-once'));
  assert.ok(!m.includes('#1'), 'every # is escaped');
});

test('an OAuth password grant lists grant_type once, with its value, in the credential summary', () => {
  const oauth = buildTrace(
    [
      login({
        url: 'http://127.0.0.1:3000/token',
        requestBody: 'grant_type=password&username=alice&password=hunter2-secret&client_id=demo',
      }),
    ],
    { source: 'run', startedAt: START },
  );
  const text = describeTrace(oauth)
    .steps[0]!.request.map((x) => x.text)
    .join('');
  assert.equal(
    text,
    '1 POST /token [credentials: grant_type=password, username, password=•••, client_id]',
  );
  assert.equal(text.match(/grant_type/g)?.length, 1);
});
