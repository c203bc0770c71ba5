import { checkFetchUrl, fetchBounded, type BoundedFetchOptions } from '@tessera/jose/internal';
import { GuardError } from './bearer.js';
import type { GuardErrorCode } from './errors.js';

/** What the guard takes from the issuer's metadata. */
export interface IssuerMetadata {
  issuer: string;
  jwksUri: string;
  /** Tessera's signed revocation feed (`revocation_feed_uri`), when the issuer has one. */
  revocationFeedUri: string | undefined;
  /** Push of feed deltas (`revocation_stream_uri`, Server-Sent Events), when advertised. */
  revocationStreamUri: string | undefined;
}

/**
 * RFC 8414 §3.1: the well-known suffix goes between the host and the issuer's path, so
 * `https://as.example/tenant` → `https://as.example/.well-known/oauth-authorization-server/tenant`.
 */
export function oauthMetadataUrl(issuer: URL): URL {
  const path = issuer.pathname === '/' ? '' : issuer.pathname.replace(/\/$/, '');
  return new URL(`${issuer.origin}/.well-known/oauth-authorization-server${path}`);
}

/** OpenID Connect Discovery 1.0 §4: the suffix is appended to the issuer. */
export function openidMetadataUrl(issuer: URL): URL {
  return new URL(`${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration`);
}

/**
 * A metadata failure: the guard cannot decide (503, no detail in the answer); the detail is the
 * message of `cause`, for logs.
 */
const metadataError = (code: GuardErrorCode, message: string, cause?: unknown): GuardError =>
  new GuardError(503, undefined, 'The authorization service is unavailable', code, {
    cause: new Error(message, cause === undefined ? undefined : { cause }),
  });
const failed = (message: string, cause?: unknown) =>
  metadataError('ERR_METADATA_FETCH_FAILED', message, cause);
const invalid = (message: string, cause?: unknown) =>
  metadataError('ERR_METADATA_INVALID', message, cause);

/** A URL the metadata names must be https (or loopback http when allowed). */
function checkNamedUrl(url: string, allow: boolean, name: string): void {
  try {
    checkFetchUrl(url, allow, name);
  } catch (e) {
    throw invalid(`the metadata "${name}" is not an allowed URL`, e);
  }
}

async function fetchMetadata(url: URL, options: BoundedFetchOptions) {
  try {
    return await fetchBounded(url, options);
  } catch (e) {
    throw failed(`the issuer metadata endpoint ${url.origin}${url.pathname} could not be read`, e);
  }
}

/**
 * Fetch the issuer's metadata (RFC 8414, then OpenID Connect Discovery when the first answers
 * 404) with bounded requests, and check it: `issuer` equals the configured issuer byte for byte
 * (RFC 8414 §3.3), `jwks_uri` (and `revocation_feed_uri`) are https (or loopback http when
 * allowed). The key set URL therefore always comes from configuration, never from a token.
 */
export async function discoverIssuer(
  issuer: string,
  options: BoundedFetchOptions,
): Promise<IssuerMetadata> {
  const allow = options.allowHttpLoopback === true;
  const base = checkFetchUrl(issuer, allow, 'issuer');
  let doc: Record<string, unknown> | undefined;
  for (const url of [oauthMetadataUrl(base), openidMetadataUrl(base)]) {
    const res = await fetchMetadata(url, options);
    if (res.status === 404) continue;
    if (res.status !== 200)
      throw failed(
        `the issuer metadata endpoint ${url.origin}${url.pathname} answered ${res.status}`,
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(res.body));
    } catch (cause) {
      throw invalid('the issuer metadata is not JSON', cause);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw invalid('the issuer metadata is not a JSON object');
    }
    doc = parsed as Record<string, unknown>;
    break;
  }
  if (doc === undefined)
    throw failed(
      `the issuer ${base.origin} publishes no metadata (both well-known URLs answered 404)`,
    );
  // RFC 8414 §3.3: the issuer value MUST be identical to the one the metadata was fetched for.
  if (doc['issuer'] !== issuer) {
    const got = JSON.stringify(doc['issuer'] ?? null)
      .replace(/[^\x20-\x7e]/g, '?')
      .slice(0, 200);
    throw metadataError(
      'ERR_METADATA_ISSUER_MISMATCH',
      `the metadata "issuer" ${got} does not match the configured issuer "${issuer}"`,
    );
  }
  const jwksUri = doc['jwks_uri'];
  if (typeof jwksUri !== 'string') throw invalid('the metadata has no "jwks_uri"');
  checkNamedUrl(jwksUri, allow, 'jwks_uri');
  const feed = doc['revocation_feed_uri'];
  let revocationFeedUri: string | undefined;
  if (typeof feed === 'string') {
    checkNamedUrl(feed, allow, 'revocation_feed_uri');
    revocationFeedUri = feed;
  }
  const stream = doc['revocation_stream_uri'];
  let revocationStreamUri: string | undefined;
  if (typeof stream === 'string') {
    checkNamedUrl(stream, allow, 'revocation_stream_uri');
    revocationStreamUri = stream;
  }
  return { issuer, jwksUri, revocationFeedUri, revocationStreamUri };
}
