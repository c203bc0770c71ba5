import type { FastifyBaseLogger } from 'fastify';
import type { Audit } from './audit.js';
import type { ServerConfig } from './config.js';
import type { Kek } from './keys/kek.js';
import type { KeyManager } from './keys/rotation.js';
import type { PasswordHasher } from './passwords.js';
import type { Store } from './stores/store.js';

/** What every route and grant needs, built once per app. */
export interface IssuerContext {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly keys: KeyManager;
  readonly hasher: PasswordHasher;
  readonly audit: Audit;
  /** Seals the stored replay responses (a KEK subkey). */
  readonly replayKek: Kek;
  readonly log: FastifyBaseLogger;
  /** Current time in whole seconds. */
  nowSeconds(): number;
}
