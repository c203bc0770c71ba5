import type { Tracer } from '@opentelemetry/api';
import type { FastifyBaseLogger } from 'fastify';
import type { Audit } from './audit.js';
import type { IssuerDpop } from './dpop.js';
import type { ServerConfig } from './config.js';
import type { Kek } from './keys/kek.js';
import type { KeyManager, KeyRing } from './keys/rotation.js';
import type { PasswordHasher } from './passwords.js';
import type { Store } from './stores/store.js';

/** What every route and grant needs, built once per app. */
export interface IssuerContext {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly keys: KeyManager;
  /**
   * The ID-token key ring (RS256, OIDC Core §15.1), started on first use: RSA key generation is
   * slow, and an issuer that never signs ID tokens never pays for it.
   */
  idKeys(): Promise<KeyRing>;
  readonly hasher: PasswordHasher;
  readonly audit: Audit;
  /** Seals the stored replay responses (a KEK subkey). */
  readonly replayKek: Kek;
  /** Seals device cookies (a KEK subkey). */
  readonly deviceKek: Kek;
  /** Seals TOTP secrets (a KEK subkey, `totpSecretsKek`). */
  readonly mfaSecrets: Kek;
  readonly log: FastifyBaseLogger;
  /** Spans for grants (request and store spans are added around the routes); none when off. */
  readonly tracer?: Tracer | undefined;
  /** DPoP proof checks and nonces at the token endpoint. */
  readonly dpop: IssuerDpop;
  /** Current time in whole seconds. */
  nowSeconds(): number;
}
