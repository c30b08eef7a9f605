/**
 * What an end user reads when an auth route fails: a title and one or two kind sentences per
 * situation, written for the person in front of the browser, not for the developer. They never
 * quote the error's message, the provider's text, a URL or an errno; the developer detail goes to
 * the log (and, in development, to the page).
 *
 * @module
 */
import { ERROR_CODES, type ErrorCode } from '../errors.js';

/** The words of an error page, or the `message` of a JSON error in production. */
export interface EndUserText {
  /** The page title and heading. */
  readonly title: string;
  /** What happened and what to do, in plain words. */
  readonly message: string;
}

const UNAVAILABLE: EndUserText = {
  title: 'Temporarily unavailable',
  message: 'The sign-in service is not answering right now. Please try again in a few minutes.',
};
const UNUSABLE_ANSWER: EndUserText = { title: 'Sign-in failed', message: 'The sign-in service sent an answer we could not use. Please try again later.' };
const NOT_VERIFIED: EndUserText = { title: 'Sign-in failed', message: 'We could not verify this sign-in, so nothing was changed. Please sign in again.' };
const EXPIRED: EndUserText = {
  title: 'Sign-in expired',
  message: 'This sign-in took too long, or was started in another browser or tab. Please sign in again.',
};
const SIGN_IN_AGAIN: EndUserText = { title: 'Please sign in', message: 'Your session has ended. Please sign in again.' };
const SIGNED_OUT: EndUserText = { title: 'Signed out', message: 'You are signed out of this site.' };
const OUR_SIDE: EndUserText = { title: 'Something went wrong', message: 'Something went wrong on our side. Please try again in a few minutes.' };
const NOT_PROCESSED: EndUserText = { title: 'Request not accepted', message: 'This request could not be processed. Please go back and try again.' };

/** The texts of codes that need their own words; the others fall back by layer and status. */
const BY_CODE: Partial<Record<ErrorCode, EndUserText>> = {
  TOKEN_ERROR: { title: 'Sign-in failed', message: 'We could not complete your sign-in. Please try again in a few minutes.' },
  TRANSACTION_MISSING: EXPIRED,
  TRANSACTION_INVALID: EXPIRED,
  STATE_MISSING: EXPIRED,
  STATE_MISMATCH: EXPIRED,
  RETURN_TO_INVALID: { title: 'Link not valid', message: 'This sign-in link is not valid. Please go back and try again.' },
  LOGIN_REJECTED: { title: 'Sign-in not allowed', message: 'This account may not sign in here.' },
  ACCOUNT_NOT_LINKED: {
    title: 'Account already exists',
    message: 'An account with this email address already exists. Sign in the way you did before, then link this sign-in method from your profile.',
  },
  ACCOUNT_ALREADY_LINKED: { title: 'Already linked', message: 'This sign-in is already linked to another account.' },
  LAST_LOGIN_METHOD: { title: 'Cannot remove it', message: 'This is your only way to sign in. Add another one before removing it.' },
  UNAUTHENTICATED: { title: 'Please sign in', message: 'Please sign in to continue.' },
  SESSION_INVALID: SIGN_IN_AGAIN,
  REAUTH_REQUIRED: SIGN_IN_AGAIN,
  FORBIDDEN: { title: 'Not allowed', message: 'You do not have access to this.' },
  CSRF_FAILED: { title: 'Request refused', message: 'This request could not be verified. Please go back, reload the page and try again.' },
  LOGOUT_STATE_MISMATCH: SIGNED_OUT,
  END_SESSION_UNSUPPORTED: SIGNED_OUT,
  NOT_FOUND: { title: 'Page not found', message: 'There is nothing at this address.' },
  PROVIDER_UNKNOWN: { title: 'Page not found', message: 'This sign-in method is not available.' },
  METHOD_NOT_ALLOWED: { title: 'Request not accepted', message: 'This address cannot be used this way.' },
  STORAGE_UNAVAILABLE: { title: 'Temporarily unavailable', message: 'This service is temporarily unavailable. Please try again in a few minutes.' },
};

/** What the provider's own OAuth error means to the user at the end of a sign-in (RFC 6749 §4.1.2.1, OIDC Core 3.1.2.6). */
const BY_AUTHORIZATION_ERROR: Readonly<Record<string, EndUserText>> = {
  access_denied: { title: 'Sign-in cancelled', message: 'The sign-in was cancelled, or access was not allowed. Nothing was changed.' },
  login_required: { title: 'Please sign in', message: 'Please sign in again to continue.' },
  consent_required: { title: 'Please sign in', message: 'Please sign in again and allow access to continue.' },
  interaction_required: { title: 'Please sign in', message: 'Please sign in again to continue.' },
  temporarily_unavailable: UNAVAILABLE,
  server_error: UNAVAILABLE,
};

/**
 * The end-user words for a failure.
 *
 * @param code - the stable error code (`INTERNAL_ERROR` for anything unexpected).
 * @param oauthError - the provider's OAuth `error`, for `AUTHORIZATION_ERROR`.
 * @returns the title and message; never the error's own message.
 */
export function endUserText(code: ErrorCode, oauthError?: string): EndUserText {
  if (code === 'AUTHORIZATION_ERROR') {
    const known = oauthError !== undefined && Object.hasOwn(BY_AUTHORIZATION_ERROR, oauthError) ? BY_AUTHORIZATION_ERROR[oauthError] : undefined;
    return known ?? { title: 'Sign-in failed', message: 'The sign-in service could not sign you in. Please try again.' };
  }
  const own = BY_CODE[code];
  if (own) return own;
  const { layer, status } = ERROR_CODES[code];
  if (status === 503) return UNAVAILABLE;
  if (status >= 500) return layer === 'transport' || layer === 'validation' ? UNUSABLE_ANSWER : OUR_SIDE;
  if (layer === 'validation' || layer === 'provider') return NOT_VERIFIED;
  return NOT_PROCESSED;
}
