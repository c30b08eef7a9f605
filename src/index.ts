/**
 * Latchkey: sign-in with OAuth 2.0 / OpenID Connect providers for TypeScript web apps.
 *
 * @module
 */
export {
  AccountError,
  ConfigurationError,
  ERROR_CODES,
  isLatchkeyError,
  LatchkeyError,
  ProviderError,
  SessionError,
  StorageError,
  TokenError,
  TransportError,
  ValidationError,
} from './errors.js';
export type { ErrorCode, ErrorLayer, LatchkeyErrorOptions } from './errors.js';

// ── app layer (createAuth, handler, guards) ───────────────────────────────────────────────────────
export { createAuth, isApiRequest, safeReturnTo, toResponse } from './app/index.js';
export type {
  Auth,
  AuthHooks,
  AuthOptions,
  ErrorBody,
  GuardRequest,
  LoginContext,
  LoginDecision,
  PlainResponse,
  ResolvedConfig,
  Session,
  SessionOptions,
  SessionUser,
} from './app/index.js';
