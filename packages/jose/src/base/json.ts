import { JoseError } from './errors.js';
import { utf8Decode } from './bytes.js';

/** A JSON object as parsed from the wire: member names to JSON values. */
export type JsonObject = { [name: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

export interface ParseJsonOptions {
  /** Accept objects with the same member name twice (last one wins). Default false. */
  allowDuplicateMembers?: boolean;
}

const LONE_SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Strict bytes → JSON object: fatal UTF-8 (a BOM is refused), the result must be a plain JSON
 * object (RFC 7519 §7.2 step 10), duplicate member names are refused unless allowed
 * (RFC 7515 §4, docs/security.md#duplicate-members), and strings may not hold lone surrogates (docs/security.md#json-objects).
 *
 * `JSON.parse` defines `__proto__` as an ordinary own property, so it stays inert as long as
 * nobody copies the result with `Object.assign` (we never do).
 */
export function parseJsonObject(
  input: Uint8Array | string,
  what: string,
  options?: ParseJsonOptions,
): JsonObject {
  const text = typeof input === 'string' ? input : utf8Decode(input);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new JoseError('ERR_JSON_INVALID', `${what} is not valid JSON`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new JoseError('ERR_JSON_INVALID', `${what} must be a JSON object`);
  }
  if (options?.allowDuplicateMembers !== true && countMembersInText(text) !== countMembers(value)) {
    throw new JoseError('ERR_JSON_DUPLICATE_MEMBER', `${what} has a duplicate member name`);
  }
  // `includes` first: a native scan that rules out nearly every token before the regex runs.
  if (text.includes('\\u') && LONE_SURROGATE_ESCAPE.test(text) && hasLoneSurrogate(value)) {
    throw new JoseError('ERR_JSON_INVALID', `${what} contains a lone UTF-16 surrogate`);
  }
  return value as JsonObject;
}

/**
 * Every object member in valid JSON text is followed by exactly one `:` outside strings, so the
 * number of such colons is the number of members written. After JSON.parse (last wins) the
 * parsed objects hold fewer keys exactly when some name was written twice.
 */
function countMembersInText(text: string): number {
  let n = 0;
  const len = text.length;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < len; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 58 /* : */) n++;
  }
  return n;
}

function countMembers(root: object): number {
  let n = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === 'object' && x !== null) stack.push(x);
    } else {
      for (const k in v) {
        n++;
        const x = (v as Record<string, unknown>)[k];
        if (typeof x === 'object' && x !== null) stack.push(x);
      }
    }
  }
  return n;
}

function hasLoneSurrogate(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return true;
    } else if (Array.isArray(v)) {
      stack.push(...v);
    } else if (typeof v === 'object' && v !== null) {
      for (const k of Object.keys(v)) {
        if (LONE_SURROGATE.test(k)) return true;
        stack.push((v as Record<string, unknown>)[k]);
      }
    }
  }
  return false;
}

/** True for a non-null, non-array object (what JSON calls an object). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
