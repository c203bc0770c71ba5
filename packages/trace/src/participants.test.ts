import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParticipantRegistry, parseNameRule, relabelParticipants } from './participants.js';
import { buildTrace } from './build-trace.js';
import { START, call, login } from './test-support/raw-flows.js';

test('--name values: quotes, prefixes and schemes', () => {
  assert.deepEqual(parseNameRule('127.0.0.1:3000/auth="Auth API"'), {
    origin: '127.0.0.1:3000',
    pathPrefix: '/auth',
    label: 'Auth API',
  });
  assert.deepEqual(parseNameRule('https://API.example.com=Orders'), {
    origin: 'api.example.com',
    label: 'Orders',
  });
  assert.deepEqual(parseNameRule('h:1/=x'), { origin: 'h:1', label: 'x' });
  assert.equal(parseNameRule('no-label'), undefined);
  assert.equal(parseNameRule('h=""'), undefined);
});

test('participants: one per origin, split by prefix rules (longest prefix first), client first', () => {
  const r = new ParticipantRegistry('CLI', [
    { origin: '127.0.0.1:3000', pathPrefix: '/auth', label: 'Auth' },
    { origin: '127.0.0.1:3000', pathPrefix: '/auth/admin', label: 'Admin' },
  ]);
  assert.equal(r.idFor('http://127.0.0.1:3000/auth/login'), 'svc1');
  assert.equal(r.idFor('http://127.0.0.1:3000/me'), 'svc2');
  assert.equal(r.idFor('http://127.0.0.1:3000/auth/admin/x'), 'svc3');
  assert.equal(r.idFor('http://127.0.0.1:3000/authx'), 'svc2', 'a prefix matches whole segments');
  assert.equal(r.idFor('http://other.test/'), 'svc4');
  assert.deepEqual(
    r.list.map((p) => p.label),
    ['CLI', 'Auth', '127.0.0.1:3000', 'Admin', 'other.test'],
  );
});

test('relabelling an existing trace changes labels only', () => {
  const t = buildTrace([login(), call('/me', 1)], { source: 'run', startedAt: START });
  const r = relabelParticipants(t, [{ origin: '127.0.0.1:3000', label: 'API' }], 'curl');
  assert.deepEqual(
    r.participants.map((p) => [p.id, p.label]),
    [
      ['client', 'curl'],
      ['svc1', 'API'],
    ],
  );
  assert.deepEqual(r.exchanges, t.exchanges);
});
