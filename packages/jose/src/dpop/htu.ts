import { JoseError, type JoseErrorCode } from '../base/errors.js';

// RFC 3986 §2.3 unreserved characters: a percent-encoding of one of them means the character.
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * The form of an HTTP URI that a DPoP `htu` is compared in (RFC 9449 §4.3 step 9): without query
 * and fragment, after syntax-based and scheme-based normalisation (RFC 3986 §6.2.2, §6.2.3):
 * lower-case scheme and host, no default port, no dot segments, an empty path as `/`, upper-case
 * hex in percent-encodings, and unreserved characters decoded. Only `http:` and `https:` URIs.
 *
 * @example
 * normalizeHtu('HTTPS://Api.Example.com:443/a/./b%7e?x=1#f'); // 'https://api.example.com/a/b~'
 */
export function normalizeHtu(uri: string): string {
  return normalizeOr(uri, 'ERR_OPTIONS_INVALID', 'the request URI');
}

/** As {@link normalizeHtu}, throwing `code` with `what` named in the message. */
export function normalizeOr(uri: unknown, code: JoseErrorCode, what: string): string {
  if (typeof uri !== 'string' || uri.length === 0 || uri.length > 8192) {
    throw new JoseError(code, `${what} must be an absolute http(s) URI`);
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new JoseError(code, `${what} must be an absolute http(s) URI`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new JoseError(code, `${what} must be an absolute http(s) URI`);
  }
  // WHATWG URL parsing already lower-cases scheme and host, drops the default port and removes
  // dot segments; percent-encodings keep their case, so they are normalised here.
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const c = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(c) ? c : `%${hex.toUpperCase()}`;
  });
  return `${url.protocol}//${url.host}${path}`;
}
