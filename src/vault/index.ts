/**
 * `latchkey/vault`: provider access tokens that stay valid (refresh with single flight and a
 * distributed lock), provider API calls with them, revocation, and the re-sign-in helper.
 *
 * The Redis and PostgreSQL locks live in `./locks/redis.js` and `./locks/postgres.js` and are
 * exported here too; each imports its client library only through the object the app passes in.
 *
 * @module
 */
export { createMemoryLock, type MemoryLockOptions } from './locks/memory.js';
export { createPostgresLock, type PostgresLockConnection, type PostgresLockOptions, type PostgresLockPool } from './locks/postgres.js';
export { createRedisLock, type RedisClusterLockClient, type RedisLockClient, type RedisLockOptions } from './locks/redis.js';
export { type DistributedLock, type LockAcquireOptions, type LockLease, refreshLockKey } from './locks/types.js';
export { createProviderApi, parseApiBase, resolveApiPath } from './provider-api.js';
export { type ReauthOptions, reauthRedirect, reauthUrl } from './reauth.js';
export { SingleFlight } from './single-flight.js';
export {
  type ApiMethod,
  createTokenVault,
  type ProviderApi,
  type ProviderApiInit,
  type ProviderApiOptions,
  type TokenEvent,
  type TokenVault,
  type TokenVaultOptions,
  type VaultAccessToken,
  type VaultAccountChoice,
  type VaultFetchInit,
  type VaultGetOptions,
  type VaultRevokeResult,
} from './vault.js';
