/**
 * The app layer: `createAuth`, the `Request -> Response` handler, guards and session helpers.
 *
 * @module
 */

export type { AccountView } from './accounts.js';
export type { AuthHooks, AuthOptions, ErrorContext, LoginContext, LoginDecision, ResolvedConfig, SessionOptions } from './config.js';
export { type Auth, createAuth } from './create-auth.js';
export type { AuthDescription, ProviderDescription } from './describe.js';
export type { SessionView } from './devices.js';
export { type AuthErrorEvent, type AuthLogger, formatErrorEvent } from './error-log.js';
export type {
  AuthEvent,
  AuthEventBase,
  AuthEventType,
  BackChannelLogoutEvent,
  LinkEvent,
  RefreshFailureEvent,
  SessionsRevokedEvent,
  SignInEvent,
  SignOutEvent,
  UnlinkEvent,
} from './events.js';
export { type GuardAdapter, type GuardRequest, isApiRequest, type LatchkeyState, type PlainResponse, toResponse } from './guards.js';
export type { ErrorBody } from './responses.js';
export { safeReturnTo } from './return-to.js';
export type { Session, SessionUser } from './sessions/types.js';
