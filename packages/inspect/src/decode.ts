import { isStrictBase64url, type JoseErrorCode } from '@tessera/jose';
import { cleanToken, MAX_TOKEN_CHARS } from './paste.js';
import { isInspectError, type InspectErrorCode } from './errors.js';
import { decodeSegment, type DecodedSegment } from './segments.js';

/** What kind of token the text is, as far as it decodes. `invalid`: not a JWT at all. */
export type TokenFormat = 'jws' | 'jwe' | 'unsecured' | 'partial' | 'invalid';

/** The words the CLI and the page show for each format (one wording for both). */
export const FORMAT_LABELS: Readonly<Record<TokenFormat, string>> = Object.freeze({
  jws: 'JWS',
  jwe: 'JWE',
  unsecured: 'unsecured',
  partial: 'partial',
  invalid: 'not a JWT',
});

export type PartKind =
  'header' | 'payload' | 'signature' | 'encrypted_key' | 'iv' | 'ciphertext' | 'tag';

/** One dot-separated part, for colouring. */
export interface TokenPart {
  readonly kind: PartKind;
  readonly text: string;
}

/** Something wrong met while decoding, as `{ code, message }` (no token content). */
export interface DecodeProblem {
  readonly code: InspectErrorCode | JoseErrorCode;
  readonly message: string;
}

/** A token decoded as far as possible, without verifying anything. */
export interface DecodedToken {
  /** The cleaned token (what was decoded); empty when the input was refused. */
  readonly token: string;
  /** What paste cleaning removed. */
  readonly removed: readonly string[];
  readonly format: TokenFormat;
  readonly segments: readonly string[];
  readonly parts: readonly TokenPart[];
  readonly header?: DecodedSegment;
  /** JWS payload (JWE: undefined, the content is encrypted). */
  readonly payload?: DecodedSegment;
  /** Signature segment (JWS) as given. */
  readonly signature?: string;
  /** JWE only: the encrypted key, IV, ciphertext and tag segments (RFC 7516 §7.1). */
  readonly jwe?: { encryptedKey: string; iv: string; ciphertext: string; tag: string };
  /** What was wrong while decoding; for `invalid`, the first one says why. */
  readonly problems: readonly DecodeProblem[];
}

const JWS_KINDS: readonly PartKind[] = ['header', 'payload', 'signature'];
const JWE_KINDS: readonly PartKind[] = ['header', 'encrypted_key', 'iv', 'ciphertext', 'tag'];

function refused(
  code: InspectErrorCode,
  message: string,
  removed: readonly string[] = [],
): DecodedToken {
  return {
    token: '',
    removed,
    format: 'invalid',
    segments: [],
    parts: [],
    problems: [{ code, message }],
  };
}

/**
 * Clean a pasted text and decode it as a compact JWS, JWE, unsecured JWT or partial token (one
 * or two segments, a broken signature) as far as possible, WITHOUT verifying anything. Never
 * throws: input that is not a token at all gets format `invalid` ("not a JWT") and a problem
 * saying why. JWE tokens are decoded up to their protected header (RFC 7516 §5.2).
 *
 * @example
 * const d = decodeToken('Bearer eyJhbGciOi…');
 * d.format; d.payload?.json?.['exp'];
 */
export function decodeToken(raw: string | Uint8Array): DecodedToken {
  let token: string;
  let removed: readonly string[];
  try {
    ({ token, removed } = cleanToken(raw));
  } catch (e) {
    if (isInspectError(e)) return refused(e.code, e.message);
    throw e;
  }
  const segments = token.split('.');
  const problems: DecodeProblem[] = [];
  const kinds = segments.length === 5 ? JWE_KINDS : JWS_KINDS;
  const parts = segments.map((text, i) => ({ kind: kinds[Math.min(i, kinds.length - 1)]!, text }));
  const header = decodeSegment(segments[0]!, 'header');
  if (header.json === undefined)
    problems.push({ code: 'ERR_HEADER_UNDECODABLE', message: header.error! });
  const base = { token, removed, segments, parts, header };
  if (segments.length === 5) {
    if (header.json === undefined)
      return refused('ERR_NOT_A_JWT', 'not a JWT or JWE: the header does not decode', removed);
    const jwe = {
      encryptedKey: segments[1]!,
      iv: segments[2]!,
      ciphertext: segments[3]!,
      tag: segments[4]!,
    };
    if (typeof header.json['enc'] !== 'string')
      problems.push({
        code: 'ERR_JWE_MALFORMED',
        message: 'five segments but no "enc" in the header (RFC 7516 §4.1.2)',
      });
    return { ...base, format: problems.length === 0 ? 'jwe' : 'partial', jwe, problems };
  }
  const payload = segments.length >= 2 ? decodeSegment(segments[1]!, 'payload') : undefined;
  const signature = segments.length >= 3 ? segments[2]! : undefined;
  if (header.json === undefined && payload?.json === undefined)
    return refused('ERR_NOT_A_JWT', 'not a JWT: no segment decodes to a JSON object', removed);
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
  if (payload !== undefined && payload.json === undefined && payload.text === undefined)
    problems.push({ code: 'ERR_PAYLOAD_UNDECODABLE', message: payload.error! });
  let format: TokenFormat = 'partial';
  if (segments.length === 3 && header.json !== undefined) {
    const alg = header.json['alg'];
    if (typeof alg === 'string' && alg.toLowerCase() === 'none') format = 'unsecured';
    else if (signature === '')
      problems.push({ code: 'ERR_SIGNATURE_MISSING', message: 'the signature segment is empty' });
    else if (!isStrictBase64url(signature!))
      problems.push({
        code: 'ERR_SIGNATURE_MALFORMED',
        message: 'the signature segment is not canonical base64url',
      });
    else if (payload?.bytes !== undefined) format = 'jws';
  }
  return {
    ...base,
    format,
    ...(payload !== undefined ? { payload } : {}),
    ...(signature !== undefined ? { signature } : {}),
    problems,
  };
}

export { MAX_TOKEN_CHARS };
