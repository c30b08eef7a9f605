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
