import { isStrictBase64url } from '@tessera/jose';
import { duplicateMembers } from './json-members.js';
import { inputError } from './exit-codes.js';

/** `format` of the `--json` shape. */
export type TokenFormat = 'jws' | 'jwe' | 'unsecured' | 'partial';

/** One segment decoded as far as it goes. */
export interface DecodedSegment {
  /** The segment text as given. */
  raw: string;
  /** The segment is canonical unpadded base64url (RFC 7515 §2). */
  canonical: boolean;
  /** Decoded bytes (lenient decoding when not canonical); undefined when not base64 at all. */
  bytes?: Buffer;
  /** The bytes as UTF-8 text, when they are valid UTF-8. */
  text?: string;
  /** The text as a JSON object, when it is one. */
  json?: Record<string, unknown>;
  /** Member names written twice in the JSON (docs/security.md#duplicate-members). */
  duplicates: string[];
}

/** A token decoded as far as possible, without verifying anything. */
export interface DecodedToken {
  token: string;
  format: TokenFormat;
  segments: string[];
  header?: DecodedSegment;
  /** JWS payload (JWE: undefined, the content is encrypted). */
  payload?: DecodedSegment;
  /** Signature segment (JWS) as given. */
  signature?: string;
  /** JWE only: the encrypted key, IV, ciphertext and tag segments. */
  jwe?: { encryptedKey: string; iv: string; ciphertext: string; tag: string };
  /** What was wrong while decoding (partial tokens), as `{ code, message }`. */
  problems: { code: string; message: string }[];
}

const LENIENT = /^[A-Za-z0-9_\-+/]*={0,2}$/;

/** Decode one segment: base64url (leniently, noting non-canonical input) → UTF-8 → JSON. */
export function decodeSegment(raw: string): DecodedSegment {
  const seg: DecodedSegment = { raw, canonical: isStrictBase64url(raw), duplicates: [] };
  if (!seg.canonical) {
    if (!LENIENT.test(raw) || raw.replace(/=+$/, '').length % 4 === 1) return seg;
  }
  seg.bytes = Buffer.from(
    raw.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'),
    'base64url',
  );
  try {
    seg.text = new TextDecoder('utf-8', { fatal: true }).decode(seg.bytes);
  } catch {
    return seg;
  }
  const trimmed = seg.text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const v = JSON.parse(trimmed) as unknown;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        seg.json = v as Record<string, unknown>;
        seg.duplicates = duplicateMembers(trimmed);
      }
    } catch {
      // Not JSON: the text is shown as is.
    }
  }
  return seg;
}

/**
 * Decode a compact JWS, JWE, unsecured JWT or a partial token (one or two segments, a broken
 * signature) as far as possible. Throws an input error (exit 3) only when nothing decodes to a
 * JSON object: then it is not a JWT/JWE even partially.
 */
export function decodeToken(token: string): DecodedToken {
  const segments = token.split('.');
  const problems: DecodedToken['problems'] = [];
  const header = decodeSegment(segments[0] ?? '');
  const out: DecodedToken = { token, format: 'partial', segments, header, problems };
  if (header.json === undefined) {
    problems.push({
      code: 'ERR_HEADER_UNDECODABLE',
      message: 'the header segment is not a base64url JSON object',
    });
  }
  if (segments.length === 5) {
    out.jwe = {
      encryptedKey: segments[1]!,
      iv: segments[2]!,
      ciphertext: segments[3]!,
      tag: segments[4]!,
    };
    if (header.json === undefined) throw inputError('not a JWT or JWE: the header does not decode');
    out.format = typeof header.json['enc'] === 'string' ? 'jwe' : 'partial';
    if (out.format === 'partial')
      problems.push({
        code: 'ERR_JWE_MALFORMED',
        message: 'five segments but no "enc" in the header',
      });
    return out;
  }
  if (segments.length >= 2) out.payload = decodeSegment(segments[1]!);
  if (segments.length >= 3) out.signature = segments[2]!;
  if (header.json === undefined && out.payload?.json === undefined) {
    throw inputError('not a JWT: no segment decodes to a JSON object');
  }
  if (segments.length === 1)
    problems.push({
      code: 'ERR_TRUNCATED',
      message: 'only one segment: the payload and signature are missing',
    });
  else if (segments.length === 2)
    problems.push({
      code: 'ERR_TRUNCATED',
      message: 'two segments: the signature segment is missing',
    });
  else if (segments.length > 3)
    problems.push({
      code: 'ERR_SEGMENTS',
      message: `${segments.length} segments: a JWS has 3 and a JWE 5`,
    });
  if (segments.length >= 2 && out.payload?.json === undefined && out.payload?.text === undefined) {
    problems.push({
      code: 'ERR_PAYLOAD_UNDECODABLE',
      message: 'the payload segment is not base64url',
    });
  }
  if (segments.length === 3 && header.json !== undefined) {
    const alg = header.json['alg'];
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') out.format = 'unsecured';
    else if (out.signature === '')
      problems.push({ code: 'ERR_SIGNATURE_MISSING', message: 'the signature segment is empty' });
    else if (!isStrictBase64url(out.signature!)) {
      problems.push({
        code: 'ERR_SIGNATURE_MALFORMED',
        message: 'the signature segment is not canonical base64url',
      });
    } else if (out.payload?.bytes !== undefined) out.format = 'jws';
  }
  return out;
}

/** The claims object of a decoded token, when its payload is a JSON object. */
export function claimsOf(d: DecodedToken): Record<string, unknown> | undefined {
  return d.payload?.json;
}
