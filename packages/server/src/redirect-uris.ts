/**
 * Redirect URI comparison (RFC 6749 §3.1.2.3, OAuth 2.1 §7.5.1): exact string match against the
 * registered list — with one exception, RFC 8252 §7.3: for a loopback IP literal
 * (`http://127.0.0.1`, `http://[::1]`) any port is accepted, since native apps bind a random
 * port at run time. Everything else (scheme, host, path, query) must still match exactly.
 */
export function redirectUriMatches(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  const r = loopbackParts(requested);
  if (r === undefined) return false;
  return registered.some((uri) => {
    const g = loopbackParts(uri);
    return g !== undefined && g.host === r.host && g.rest === r.rest;
  });
}

function loopbackParts(uri: string): { host: string; rest: string } | undefined {
  // Parsed by hand on purpose: URL normalisation (e.g. of `%2e%2e` or `\`) must not make two
  // different strings compare equal.
  const m = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?(\/[^#]*)?$/.exec(uri);
  if (m === null) return undefined;
  if (m[2] !== undefined && (Number(m[2]) > 65535 || m[2].startsWith('0'))) return undefined;
  return { host: m[1]!, rest: m[3] ?? '' };
}
