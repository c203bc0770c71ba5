/** Scenario files are validated strictly, and `${NAME}` comes only from the variables given. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandScenario, parseScenario } from './scenario.js';
import { TraceInputError } from '../errors.js';

test('scenario files are validated strictly', () => {
  const bad = (v: unknown, path: string) =>
    assert.throws(
      () => parseScenario(v),
      (e: unknown) =>
        e instanceof TraceInputError && e.code === 'ERR_SCENARIO_INVALID' && e.path === path,
    );
  bad([], '');
  bad({}, '');
  bad({ login: { method: 'POST', url: '/x' }, extra: 1 }, 'extra');
  bad({ login: { method: 'PO ST', url: '/x' } }, 'login.method');
  bad({ login: { method: 'POST', url: '' } }, 'login.url');
  bad({ login: { method: 'POST', url: '/x', form: { a: 1 } } }, 'login.form');
  bad({ login: { method: 'POST', url: '/x', tokenFrom: 'body' } }, 'login.tokenFrom');
  bad({ calls: [{ method: 'GET', url: '/x', tokenFrom: 'json:a' }] }, 'calls[0].tokenFrom');
  bad({ calls: [{ method: 'GET', url: '/x', basic: { username: 'a' } }] }, 'calls[0].basic');
  assert.deepEqual(parseScenario({ base: 'http://h', calls: [{ method: 'GET', url: '/x' }] }), {
    base: 'http://h',
    calls: [{ method: 'GET', url: '/x' }],
  });
});

test('${NAME} is replaced from the variables given; a name without a value names its path', () => {
  const scenario = parseScenario({
    base: '${ISSUER}',
    login: { method: 'POST', url: '/token', form: { client_id: '${CLIENT}' } },
  });
  assert.deepEqual(expandScenario(scenario, { ISSUER: 'http://127.0.0.1:4000', CLIENT: 'c1' }), {
    base: 'http://127.0.0.1:4000',
    login: { method: 'POST', url: '/token', form: { client_id: 'c1' } },
  });
  assert.throws(
    () => expandScenario(scenario, { ISSUER: 'http://127.0.0.1:4000', PATH: undefined }),
    (e: unknown) =>
      e instanceof TraceInputError &&
      e.code === 'ERR_SCENARIO_INVALID' &&
      e.path === 'login.form.client_id',
  );
});
