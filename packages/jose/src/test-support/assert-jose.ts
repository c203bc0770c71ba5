import assert from 'node:assert/strict';
import { JoseError, type JoseErrorCode } from '../base/errors.js';

/**
 * Assert that `fn` throws a JoseError with `code` (one code, or any of several), and that the
 * message contains none of `secrets` (tokens, keys: docs/security.md#no-secrets-in-messages). Returns the error for further checks.
 */
export function assertJoseError(
  fn: () => unknown,
  code: JoseErrorCode | readonly JoseErrorCode[],
  secrets: readonly string[] = [],
): JoseError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined)
    assert.fail(`expected a JoseError ${String(code)}, but nothing was thrown`);
  if (!(thrown instanceof JoseError)) {
    assert.fail(
      `expected a JoseError ${String(code)}, got ${String((thrown as Error)?.stack ?? thrown)}`,
    );
  }
  const codes = typeof code === 'string' ? [code] : code;
  assert.ok(
    codes.includes(thrown.code),
    `expected ${codes.join(' | ')}, got ${thrown.code}: ${thrown.message}`,
  );
  for (const s of secrets) {
    if (s.length >= 8)
      assert.ok(!thrown.message.includes(s), 'the error message leaks a token or key');
  }
  return thrown;
}

/** Async twin of {@link assertJoseError}. */
export async function assertJoseErrorAsync(
  fn: () => Promise<unknown>,
  code: JoseErrorCode | readonly JoseErrorCode[],
  secrets: readonly string[] = [],
): Promise<JoseError> {
  let thrown: unknown;
  try {
    await fn();
  } catch (e) {
    thrown = e;
  }
  if (!(thrown instanceof JoseError))
    assert.fail(`expected a JoseError ${String(code)}, got ${String(thrown)}`);
  const codes = typeof code === 'string' ? [code] : code;
  assert.ok(
    codes.includes(thrown.code),
    `expected ${codes.join(' | ')}, got ${thrown.code}: ${thrown.message}`,
  );
  for (const s of secrets) {
    if (s.length >= 8)
      assert.ok(!thrown.message.includes(s), 'the error message leaks a token or key');
  }
  return thrown;
}
