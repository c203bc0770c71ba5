/**
 * @tessera/server — the issuer: credentials once, then signed access tokens (RFC 9068) and
 * rotating refresh tokens; JWKS, discovery, revocation, introspection and a signed revocation feed.
 */
export { buildApp } from './app.js';
export type { AppOptions } from './app.js';
export { startServer, openStore, loadKek, storeKind, DEFAULT_PORT } from './server.js';
export type { StartOptions, RunningServer } from './server.js';
export { closeGracefully } from './graceful-close.js';
export type { ShutdownOptions } from './graceful-close.js';
export { createReadiness } from './readiness.js';
export type { ReadinessCheck, ReadinessReport } from './readiness.js';
export {
  resolveConfig,
  ConfigError,
  OWASP_ARGON2,
  SIGNING_ALGS,
  FEED_ACCESS_MODES,
} from './config.js';
export type {
  ServerOptions,
  ServerConfig,
  SigningAlg,
  Argon2Params,
  LoginProtectionConfig,
  DpopServerOptions,
  DpopServerConfig,
  FeedAccess,
  FeedAccessOptions,
  FeedAccessConfig,
  PasskeyOptions,
  PasskeyConfig,
} from './config.js';
export {
  loadSettings,
  redactSettings,
  settingsFlagOptions,
  SettingsError,
} from './settings/load-settings.js';
export type { LoadedSettings, SettingsInput } from './settings/load-settings.js';
export { settingsJsonSchema } from './settings/settings-schema.js';
export { SETTINGS, envName, flagName } from './settings/settings-table.js';
export type { SettingSpec, SettingKind } from './settings/settings-table.js';
export { toServeSettings } from './settings/serve-settings.js';
export type { ServeSettings, MetricsSettings } from './settings/serve-settings.js';
export { logAddress } from './logging/request-log.js';
export type { LogIpMode } from './logging/request-log.js';
export { createIssuerMetrics } from './metrics/issuer-metrics.js';
export type { IssuerMetrics, IssuerMetricsOptions } from './metrics/issuer-metrics.js';
export { startMetricsServer } from './metrics/metrics-routes.js';
export type { MetricsServer } from './metrics/metrics-routes.js';
export { instrumentStore } from './stores/instrumented-store.js';
export { tokenRequestDpop, requireBoundKey, parseDpopJkt, loadSharedSecret } from './dpop.js';
export type { IssuerDpop } from './dpop.js';
export {
  createUser,
  listUsers,
  setUserDisabled,
  setUserPassword,
  setUserRoles,
  setUserProfile,
  InputError,
} from './users.js';
export { listConsents, revokeConsent } from './consents.js';
export {
  enrolTotp,
  confirmTotp,
  pendingTotp,
  listMfa,
  resetMfa,
  MfaError,
} from './mfa/mfa-admin.js';
export type {
  MfaDeps,
  MfaStatus,
  MfaErrorCode,
  PendingTotp,
  PasskeyStatus,
} from './mfa/mfa-admin.js';
export { PasskeyError, PASSKEY_LIMITS, type PasskeyErrorCode } from './mfa/passkeys.js';
export { MFA_POLICIES, mfaPolicyFor } from './mfa/policy.js';
export type { MfaPolicy } from './mfa/policy.js';
export type { Consent, ConsentDeps } from './consents.js';
export type { User, UserDeps } from './users.js';
export {
  createClient,
  listClients,
  setClientDisabled,
  setClientRequireDpop,
  setClientMfa,
  rotateClientSecret,
  checkRedirectUri,
  GRANT_TYPES,
  TOKEN_ENDPOINT_AUTH_METHODS,
  ID_TOKEN_ALGS,
} from './clients.js';
export type {
  Client,
  ClientDeps,
  CreateClientInput,
  GrantType,
  TokenEndpointAuthMethod,
  IdTokenAlg,
} from './clients.js';
export type { BackchannelOptions } from './backchannel-logout.js';
export { createPasswordHasher } from './passwords.js';
export { createAudit } from './audit.js';
export type { Audit, AuditEvent, AuditType } from './audit.js';
export { listSigningKeys, rotateSigningKeys, retireSigningKey } from './admin/keys-admin.js';
export type { SigningKeyInfo, KeyAdminDeps } from './admin/keys-admin.js';
export { listOpenSessions, revokeSession, revokeUserSessions } from './admin/sessions-admin.js';
export type { SessionInfo, SessionAdminDeps } from './admin/sessions-admin.js';
export { migrateStore, backupSqlite } from './admin/store-admin.js';
export type { PasswordHasher } from './passwords.js';
export { createKek, parseKek, loadOrCreateKekFile, KekError } from './keys/kek.js';
export { ServerError, SERVER_ERROR_CODES } from './errors.js';
export type { ServerErrorCode } from './errors.js';
export type { Kek } from './keys/kek.js';
export { openSqliteStore } from './stores/sqlite.js';
export { openPostgresStore, dropPostgresSchema } from './stores/postgres.js';
export type { Store, MigrationStatus } from './stores/store.js';
export { setUpDemo, demoWalkthrough, registerDemoWebClient } from './demo.js';
export type {
  DemoResourceServer,
  DemoResourceServerStarter,
  DemoWebApp,
  DemoWebAppStarter,
} from './demo.js';
export { FEED_LIFETIME_SECONDS } from './routes/revocations.js';
