/**
 * Error pages that explain: what happened in plain words, why it can happen, what to do next, and
 * the stable error code for developers. Never a token, a code or a cookie value (Latchkey error
 * messages never contain one).
 */
import { esc, layout, type PageContext } from './layout.js';

/** What the page needs to know about the failure. */
export interface ErrorInput {
  readonly status: number;
  /** The Latchkey error code, e.g. `AUTHORIZATION_ERROR`, or `INTERNAL_ERROR`. */
  readonly code: string;
  /** The library's message (safe to show: never request data). */
  readonly message: string;
  /** The provider's OAuth `error`, for provider errors (`access_denied`, …). */
  readonly oauthError?: string;
  /** The provider's display name, when known. */
  readonly providerName?: string;
  /** The provider id, for the "try again" link. */
  readonly providerId?: string;
}

interface Explanation {
  readonly title: string;
  readonly what: string;
  readonly next: string;
}

function explain(e: ErrorInput): Explanation {
  const who = e.providerName ?? 'the provider';
  switch (e.oauthError ?? e.code) {
    case 'access_denied':
      return {
        title: 'Sign-in cancelled',
        what: `You (or ${who}) declined to share your account with this app, so nothing was signed in and nothing was stored.`,
        next: `If that was a mistake, sign in again and allow access on ${who}'s consent screen.`,
      };
    case 'server_error':
    case 'temporarily_unavailable':
      return { title: `${who} had a problem`, what: `${who} reported an error on its side while signing you in.`, next: 'Wait a moment and try again.' };
    case 'login_required':
    case 'consent_required':
    case 'interaction_required':
      return { title: 'Please sign in again', what: `${who} needs you to sign in or confirm before continuing.`, next: 'Start the sign-in again.' };
    case 'TRANSACTION_MISSING':
    case 'TRANSACTION_INVALID':
    case 'STATE_MISSING':
    case 'STATE_MISMATCH':
      return {
        title: 'This sign-in link has expired',
        what: 'The answer from the provider does not belong to a sign-in started in this browser (it expired, it was started in another browser or tab that was closed, or the page was reloaded after use). It was rejected to protect you from login forgery.',
        next: 'Start the sign-in again from this browser.',
      };
    case 'ACCOUNT_NOT_LINKED':
      return {
        title: 'This email already has an account',
        what: `An account with the same email address exists, but ${who} is not linked to it. Accounts are never merged on an email address alone: that would let anyone who controls that address at some provider take the account over.`,
        next: `Sign in with the provider you used before, then open your profile and link ${who}.`,
      };
    case 'ACCOUNT_ALREADY_LINKED':
      return {
        title: 'Already linked to someone else',
        what: `This ${who} identity already belongs to another user of this app.`,
        next: 'Sign in as that user and unlink it there first, or link a different identity.',
      };
    case 'LAST_LOGIN_METHOD':
      return { title: 'Cannot unlink your only sign-in method', what: 'Without it you could not sign in any more.', next: 'Link another provider first.' };
    case 'UNAUTHENTICATED':
    case 'SESSION_INVALID':
      return { title: 'Please sign in', what: 'This needs a signed-in user and your session has ended (or never started).', next: 'Sign in again.' };
    case 'CSRF_FAILED':
      return {
        title: 'Request refused',
        what: 'The form was not sent from this site, or it was too old. This protects you from cross-site request forgery.',
        next: 'Go back, reload the page and try again.',
      };
    case 'ISS_MISMATCH':
    case 'ISS_MISSING':
      return {
        title: 'Answer from the wrong provider',
        what: 'The sign-in answer names a different provider than the one the sign-in was sent to (a mix-up attack defence).',
        next: 'Start the sign-in again.',
      };
    case 'LOGIN_REJECTED':
      return { title: 'Sign-in not allowed', what: 'This app does not allow this account to sign in.', next: 'Use another account.' };
    case 'LOGOUT_STATE_MISMATCH':
      return {
        title: 'Signed out here',
        what: 'You are signed out of this app, but the confirmation from the provider could not be verified.',
        next: 'Nothing to do; you can sign in again.',
      };
    default:
      if (e.code.startsWith('ID_TOKEN_') || e.code.startsWith('JWT_') || e.code.startsWith('JWKS_')) {
        return {
          title: 'The provider’s answer failed a security check',
          what: `The identity token from ${who} did not pass validation, so it was discarded and nothing was signed in.`,
          next: 'Try again; if it repeats, check the server clock and the provider configuration (the flow inspector shows which check failed).',
        };
      }
      if (e.code.startsWith('HTTP_') || e.code === 'STORAGE_UNAVAILABLE') {
        return {
          title: 'Temporarily unavailable',
          what: `${e.code === 'STORAGE_UNAVAILABLE' ? 'The database' : who} could not be reached.`,
          next: 'Try again in a moment.',
        };
      }
      if (e.status === 404) return { title: 'Page not found', what: 'There is nothing at this address.', next: 'Go back to the home page.' };
      return {
        title: e.status >= 500 ? 'Something went wrong' : 'Sign-in problem',
        what: 'The request could not be completed.',
        next: 'Go back to the home page and try again.',
      };
  }
}

/** Renders an error page. */
export function errorPage(ctx: PageContext, e: ErrorInput): string {
  const x = explain(e);
  const retry = e.providerId
    ? `<a class="btn primary" href="/auth/${esc(e.providerId)}/login?returnTo=%2Fprofile">Try ${esc(e.providerName ?? e.providerId)} again</a>`
    : '';
  const content = `<section class="card" aria-labelledby="err-h" data-error-code="${esc(e.code)}">
<h1 id="err-h">${esc(x.title)}</h1>
<div class="banner bad" role="alert"><p style="margin:0">${esc(x.what)}</p></div>
<h2>What you can do</h2><p>${esc(x.next)}</p>
<p class="row">${retry}<a class="btn" href="/">Back to the home page</a>${ctx.development ? '<a class="btn" href="/dev/inspector">Open the flow inspector</a>' : ''}</p>
<details><summary>Details for developers</summary>
<dl class="kv" style="margin-top:.5rem"><dt>HTTP status</dt><dd>${e.status}</dd><dt>Error code</dt><dd><code>${esc(e.code)}</code></dd>${
    e.oauthError ? `<dt>Provider error</dt><dd><code>${esc(e.oauthError)}</code></dd>` : ''
  }<dt>Message</dt><dd>${esc(e.message)}</dd></dl></details>
</section>`;
  return layout(x.title, ctx, content);
}
