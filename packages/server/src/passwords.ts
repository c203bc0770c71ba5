import argon2 from 'argon2';
import type { Argon2Params } from './config.js';

/** Password hashing with Argon2id; parameters come from the configuration. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** True when `password` matches `digest`. */
  verify(digest: string, password: string): Promise<boolean>;
  /** True when `digest` was made with other parameters (rehash on the next successful login). */
  needsRehash(digest: string): boolean;
  /** Spend the time of one verification without a user (unknown usernames answer in similar time). */
  burn(password: string): Promise<void>;
}

/** Longest accepted password, in UTF-8 bytes (bounds the hashing work an attacker can ask for). */
export const MAX_PASSWORD_BYTES = 1024;

/**
 * @example
 * const hasher = createPasswordHasher(OWASP_ARGON2);
 * const digest = await hasher.hash('correct horse');
 */
export function createPasswordHasher(params: Argon2Params): PasswordHasher {
  const opts = { type: argon2.argon2id, ...params } as const;
  let dummy: Promise<string> | undefined;
  return {
    hash: (password) => argon2.hash(password, opts),
    async verify(digest, password) {
      try {
        return await argon2.verify(digest, password);
      } catch {
        // A malformed stored digest never matches.
        return false;
      }
    },
    needsRehash: (digest) => {
      try {
        return argon2.needsRehash(digest, params) || !digest.startsWith('$argon2id$');
      } catch {
        return true;
      }
    },
    async burn(password) {
      dummy ??= argon2.hash('tessera-timing-equaliser', opts);
      await argon2.verify(await dummy, password).catch(() => false);
    },
  };
}
