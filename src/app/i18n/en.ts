/**
 * English words of the built-in pages (the default language).
 *
 * @module
 */
import type { PageTexts } from './types.js';

/** English. */
export const en: PageTexts = {
  chooserTitle: 'Sign in',
  signInWith: 'Sign in with {provider}',
  rememberMe: 'Keep me signed in on this device',
  repostTitle: 'Signing in…',
  repostButton: 'Continue signing in',
  logoutTitle: 'Sign out',
  logoutHeading: 'Sign out?',
  signedInAs: 'You are signed in as {who}.',
  signedIn: 'You are signed in.',
  signOutButton: 'Sign out',
  staySignedIn: 'Stay signed in',
  signedOutTitle: 'Signed out',
  signedOutHeading: 'You are signed out',
  continueLink: 'Continue',
  signInAgainLink: 'Sign in again',
  reference: "Reference: {reference}. If this keeps happening, contact the site's support and mention this reference.",
  tryAgain: 'Try again',
  backHome: 'Back to the home page',
  errors: {
    unavailable: { title: 'Temporarily unavailable', message: 'The sign-in service is not answering right now. Please try again in a few minutes.' },
    unusableAnswer: { title: 'Sign-in failed', message: 'The sign-in service sent an answer we could not use. Please try again later.' },
    notVerified: { title: 'Sign-in failed', message: 'We could not verify this sign-in, so nothing was changed. Please sign in again.' },
    expired: { title: 'Sign-in expired', message: 'This sign-in took too long, or was started in another browser or tab. Please sign in again.' },
    signInAgain: { title: 'Please sign in', message: 'Your session has ended. Please sign in again.' },
    signedOut: { title: 'Signed out', message: 'You are signed out of this site.' },
    ourSide: { title: 'Something went wrong', message: 'Something went wrong on our side. Please try again in a few minutes.' },
    notProcessed: { title: 'Request not accepted', message: 'This request could not be processed. Please go back and try again.' },
    tokenError: { title: 'Sign-in failed', message: 'We could not complete your sign-in. Please try again in a few minutes.' },
    returnToInvalid: { title: 'Link not valid', message: 'This sign-in link is not valid. Please go back and try again.' },
    loginRejected: { title: 'Sign-in not allowed', message: 'This account may not sign in here.' },
    accountNotLinked: {
      title: 'Account already exists',
      message: 'An account with this email address already exists. Sign in the way you did before, then link this sign-in method from your profile.',
    },
    accountAlreadyLinked: { title: 'Already linked', message: 'This sign-in is already linked to another account.' },
    lastLoginMethod: { title: 'Cannot remove it', message: 'This is your only way to sign in. Add another one before removing it.' },
    unauthenticated: { title: 'Please sign in', message: 'Please sign in to continue.' },
    forbidden: { title: 'Not allowed', message: 'You do not have access to this.' },
    csrfFailed: { title: 'Request refused', message: 'This request could not be verified. Please go back, reload the page and try again.' },
    notFound: { title: 'Page not found', message: 'There is nothing at this address.' },
    providerUnknown: { title: 'Page not found', message: 'This sign-in method is not available.' },
    methodNotAllowed: { title: 'Request not accepted', message: 'This address cannot be used this way.' },
    storageUnavailable: { title: 'Temporarily unavailable', message: 'This service is temporarily unavailable. Please try again in a few minutes.' },
    authorizationFailed: { title: 'Sign-in failed', message: 'The sign-in service could not sign you in. Please try again.' },
    accessDenied: { title: 'Sign-in cancelled', message: 'The sign-in was cancelled, or access was not allowed. Nothing was changed.' },
    loginRequired: { title: 'Please sign in', message: 'Please sign in again to continue.' },
    consentRequired: { title: 'Please sign in', message: 'Please sign in again and allow access to continue.' },
    rateLimited: { title: 'Too many attempts', message: 'There were too many attempts from your network. Please wait a moment and try again.' },
  },
};
