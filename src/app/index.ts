/**
 * The app layer: `createAuth`, the `Request -> Response` handler, guards and session helpers.
 *
 * @module
 */

export type { AuthHooks, AuthOptions, ErrorContext, LoginContext, LoginDecision, ResolvedConfig, SessionOptions } from './config.js';
export { type Auth, createAuth } from './create-auth.js';
export { type GuardRequest, isApiRequest, type PlainResponse, toResponse } from './guards.js';
export type { ErrorBody } from './responses.js';
export { safeReturnTo } from './return-to.js';
export type { Session, SessionUser } from './sessions/types.js';
