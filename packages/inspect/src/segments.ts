import { decodeBase64url, isStrictBase64url } from '@tessera/jose';
import { duplicateMembers } from './json-members.js';

/** One segment of a compact token decoded as far as it goes. */
export interface DecodedSegment {
  /** The segment text as given. */
  readonly raw: string;
  /** The segment is canonical unpadded base64url (RFC 7515 §2). */
  readonly canonical: boolean;
  /** Decoded bytes (lenient decoding when not canonical); undefined when not base64 at all. */
  readonly bytes?: Uint8Array;
  /** The bytes as UTF-8 text, when they are valid UTF-8. */
  readonly text?: string;
  /** The text as a JSON object, when it is one. */
  readonly json?: Record<string, unknown>;
  /** Member names written twice in the JSON (docs/security.md#duplicate-members). */
  readonly duplicates: readonly string[];
  /** Why the segment stopped decoding, e.g. `"the header is not base64url"`. */
  readonly error?: string;
}

const LENIENT = /^[A-Za-z0-9_\-+/]*={0,2}$/;

// Padding, `+`/`/` and non-zero trailing bits are read anyway (and reported): people paste
// tokens that strict verifiers refuse, and the reason must be visible (RFC 7515 §2, Appendix C).
function lenientBytes(raw: string): Uint8Array | undefined {
  const plain = raw.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (!LENIENT.test(raw) || plain.length % 4 === 1) return undefined;
  const binary = atob(plain.padEnd(plain.length + ((4 - (plain.length % 4)) % 4), '='));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * Decode one segment: base64url (leniently, noting non-canonical input) → strict UTF-8 → JSON
 * object, stopping where it fails. Never throws.
 *
 * @example
 * decodeSegment('eyJhbGciOiJIUzI1NiJ9', 'header').json // { alg: 'HS256' }
 */
export function decodeSegment(raw: string, what: string): DecodedSegment {
  const canonical = isStrictBase64url(raw);
  const bytes = canonical ? decodeBase64url(raw) : lenientBytes(raw);
  if (bytes === undefined)
    return { raw, canonical, duplicates: [], error: `the ${what} is not base64url` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { raw, canonical, bytes, duplicates: [], error: `the ${what} is not UTF-8` };
  }
  const trimmed = text.trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { raw, canonical, bytes, text, duplicates: [], error: `the ${what} is not JSON` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return {
      raw,
      canonical,
      bytes,
      text,
      duplicates: [],
      error: `the ${what} is JSON but not an object`,
    };
  return {
    raw,
    canonical,
    bytes,
    text,
    json: parsed as Record<string, unknown>,
    duplicates: duplicateMembers(trimmed),
  };
}
