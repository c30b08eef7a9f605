/**
 * Latchkey: sign-in with OAuth 2.0 / OpenID Connect providers for TypeScript web apps.
 *
 * @module
 */

export type {
  AccountView,
  Auth,
  AuthDescription,
  AuthErrorEvent,
  AuthEvent,
  AuthEventBase,
  AuthEventType,
  AuthHooks,
  AuthLogger,
  AuthOptions,
  BackChannelLogoutEvent,
  ErrorBody,
  ErrorContext,
  GuardAdapter,
  GuardRequest,
  LatchkeyState,
  LinkEvent,
  LoginContext,
  LoginDecision,
  PlainResponse,
  ProviderDescription,
  RefreshFailureEvent,
  ResolvedConfig,
  Session,
  SessionOptions,
  SessionsRevokedEvent,
  SessionUser,
  SessionView,
  SignInEvent,
  SignOutEvent,
  UnlinkEvent,
} from './app/index.js';
// ── app layer (createAuth, handler, guards) ───────────────────────────────────────────────────────
export { createAuth, formatErrorEvent, isApiRequest, safeReturnTo, toResponse } from './app/index.js';
export type { ErrorCode, ErrorLayer, LatchkeyErrorOptions } from './errors.js';
export {
  AccountError,
  ConfigurationError,
  ERROR_CODES,
  isLatchkeyError,
  LatchkeyError,
  ProviderApiError,
  ProviderError,
  SessionError,
  StorageError,
  TokenError,
  TransportError,
  ValidationError,
} from './errors.js';
// ── providers and the token vault: the types an app's code names ──────────────────────────────────
export type { Profile, ProfileContext, ProviderConfig } from './providers/types.js';
export type { SignInInput } from './storage/linking.js';
export { signInWithIdentity, unlinkIdentity } from './storage/linking.js';
// ── storage: the interfaces an app implements for its own ORM, the in-memory stores, linking ──────
export { MemorySessionStore, MemoryUserStore } from './storage/memory.js';
export { MemoryReplayStore, type MemoryReplayStoreOptions } from './storage/memory-replay.js';
export type { Account, AccountTokens, NewAccount, NewUser, ReplayScope, ReplayStore, SessionRecord, SessionStore, User, UserStore } from './storage/types.js';
export { reauthRedirect, reauthUrl } from './vault/reauth.js';
export type { ApiMethod, ProviderApi, ProviderApiInit, ProviderApiOptions } from './vault/types.js';
export type { TokenEvent, VaultAccessToken, VaultAccountChoice, VaultFetchInit, VaultRevokeResult } from './vault/vault.js';
