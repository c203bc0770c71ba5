import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * A check of `Authorization: Bearer <credential>` against one configured credential (the
 * `/metrics` token, the revocation feed token): compared in constant time over SHA-256 digests,
 * so neither the content nor the length leaks through timing.
 *
 * @example
 * const allowed = bearerCredentialCheck(config.feed.token);
 * if (!allowed(request.headers.authorization)) reply.code(401);
 */
export function bearerCredentialCheck(credential: string): (header: string | undefined) => boolean {
  const expected = digest(credential);
  return (header) => {
    const given = /^Bearer (\S+)$/i.exec(header ?? '')?.[1];
    return given !== undefined && timingSafeEqual(digest(given), expected);
  };
}
