/**
 * What an end user reads when an auth route fails: a title and one or two kind sentences per
 * situation, written for the person in front of the browser, not for the developer. They never
 * quote the error's message, the provider's text, a URL or an errno; the developer detail goes to
 * the log (and, in development, to the page).
 *
 * @module
 */
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { en } from './i18n/en.js';
import type { EndUserText, ErrorTextKey, PageTexts } from './i18n/types.js';

export type { EndUserText } from './i18n/types.js';

/** The codes that need their own words; the others fall back by layer and status. */
const BY_CODE: Partial<Record<ErrorCode, ErrorTextKey>> = {
  TOKEN_ERROR: 'tokenError',
  TRANSACTION_MISSING: 'expired',
  TRANSACTION_INVALID: 'expired',
  STATE_MISSING: 'expired',
  STATE_MISMATCH: 'expired',
  RETURN_TO_INVALID: 'returnToInvalid',
  LOGIN_REJECTED: 'loginRejected',
  ACCOUNT_NOT_LINKED: 'accountNotLinked',
  ACCOUNT_ALREADY_LINKED: 'accountAlreadyLinked',
  LAST_LOGIN_METHOD: 'lastLoginMethod',
  UNAUTHENTICATED: 'unauthenticated',
  SESSION_INVALID: 'signInAgain',
  REAUTH_REQUIRED: 'signInAgain',
  FORBIDDEN: 'forbidden',
  CSRF_FAILED: 'csrfFailed',
  LOGOUT_STATE_MISMATCH: 'signedOut',
  END_SESSION_UNSUPPORTED: 'signedOut',
  NOT_FOUND: 'notFound',
  PROVIDER_UNKNOWN: 'providerUnknown',
  METHOD_NOT_ALLOWED: 'methodNotAllowed',
  STORAGE_UNAVAILABLE: 'storageUnavailable',
  RATE_LIMITED: 'rateLimited',
};

/** What the provider's own OAuth error means to the user at the end of a sign-in (RFC 6749 §4.1.2.1, OIDC Core 3.1.2.6). */
const BY_AUTHORIZATION_ERROR: Readonly<Record<string, ErrorTextKey>> = {
  access_denied: 'accessDenied',
  login_required: 'loginRequired',
  consent_required: 'consentRequired',
  interaction_required: 'loginRequired',
  temporarily_unavailable: 'unavailable',
  server_error: 'unavailable',
};

/**
 * The situation of a failure, as the error pages word it.
 *
 * @param code - the stable error code (`INTERNAL_ERROR` for anything unexpected).
 * @param oauthError - the provider's OAuth `error`, for `AUTHORIZATION_ERROR`.
 * @returns the key of its words in {@link PageTexts.errors}.
 */
export function errorTextKey(code: ErrorCode, oauthError?: string): ErrorTextKey {
  if (code === 'AUTHORIZATION_ERROR') {
    return (
      (oauthError !== undefined && Object.hasOwn(BY_AUTHORIZATION_ERROR, oauthError) ? BY_AUTHORIZATION_ERROR[oauthError] : undefined) ?? 'authorizationFailed'
    );
  }
  const own = BY_CODE[code];
  if (own) return own;
  const { layer, status } = ERROR_CODES[code];
  if (status === 503) return 'unavailable';
  if (status >= 500) return layer === 'transport' || layer === 'validation' ? 'unusableAnswer' : 'ourSide';
  if (layer === 'validation' || layer === 'provider') return 'notVerified';
  return 'notProcessed';
}

/**
 * The end-user words for a failure.
 *
 * @param code - the stable error code (`INTERNAL_ERROR` for anything unexpected).
 * @param oauthError - the provider's OAuth `error`, for `AUTHORIZATION_ERROR`.
 * @param texts - the words of the page's language. Default English.
 * @returns the title and message; never the error's own message.
 */
export function endUserText(code: ErrorCode, oauthError?: string, texts: PageTexts = en): EndUserText {
  return texts.errors[errorTextKey(code, oauthError)];
}
