/**
 * The HTML pages of the auth routes: the provider chooser (`GET /auth/login`), the sign-out
 * confirmation (`GET /auth/logout`) and the same-origin re-post of a `form_post` callback. Each page carries a nonce-based Content-Security-Policy and
 * escapes every value it shows. (Error pages are rendered by `responses.ts`.)
 *
 * @module
 */
import { randomToken } from '../internal/encoding.js';
import type { AuthAnswer } from './http-shapes.js';
import { authAnswer, escapeHtml } from './responses.js';

/** The hidden field marking a same-origin re-post of a `form_post` callback. */
export const REPOST_FIELD = 'lk_repost';

/** A provider as the chooser lists it. */
export interface ChooserEntry {
  readonly id: string;
  readonly name: string;
  /** The login route of the provider, with the `returnTo` query. */
  readonly loginUrl: string;
}

/**
 * The "Sign in with …" page listing every provider.
 *
 * @param providers - the providers, in configuration order.
 * @returns the 200 HTML response.
 */
export function chooserPage(providers: readonly ChooserEntry[]): AuthAnswer {
  const items = providers.map((p) => `<li><a href="${escapeHtml(p.loginUrl)}">Sign in with ${escapeHtml(p.name)}</a></li>`).join('');
  const nonce = randomToken(16);
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in</title>
<style nonce="${nonce}">body{font:16px system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}ul{list-style:none;padding:0}li{margin:.5rem 0}a{display:block;padding:.75rem 1rem;border:1px solid #8889;border-radius:.5rem;text-decoration:none;color:inherit}</style></head>
<body><h1>Sign in</h1><ul>${items}</ul></body></html>`;
  return authAnswer(html, 200, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  });
}

/**
 * The page that re-posts a `form_post` callback's parameters from our own origin.
 *
 * @param action - the callback path to post to.
 * @param params - the callback parameters (any {@link REPOST_FIELD} is dropped, then added once).
 * @returns the 200 HTML response that submits itself.
 */
export function repostPage(action: string, params: URLSearchParams): AuthAnswer {
  // form_post (OAuth 2.0 Form Post Response Mode §2): the provider's cross-site POST carries no
  // SameSite=Lax cookie. Re-post the same parameters from our own origin, where it does.
  const nonce = randomToken(16);
  const inputs = [...params]
    .filter(([k]) => k !== REPOST_FIELD)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signing in…</title></head><body>
<form method="post" action="${escapeHtml(action)}">${inputs}<input type="hidden" name="${REPOST_FIELD}" value="1"><noscript><button type="submit">Continue signing in</button></noscript></form>
<script nonce="${nonce}">document.forms[0].submit()</script></body></html>`;
  return authAnswer(html, 200, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  });
}

/** The style of the small pages, under a nonce. */
const PAGE_STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}button,a.button{font:inherit;padding:.6rem 1.2rem;border:1px solid #8889;border-radius:.5rem;background:none;color:inherit;cursor:pointer;text-decoration:none}p.actions{display:flex;gap:1rem;align-items:center}';

/**
 * A small page with its nonce-based policy. `formAction`: `'none'` (no form), `'self'` (a form
 * posting here whose answer stays here) or `any` (no `form-action`: browsers apply it to the
 * redirects after the post too, and a federated logout's 303 leaves for the provider).
 */
function smallPage(title: string, main: string, formAction: "'none'" | "'self'" | 'any'): AuthAnswer {
  const nonce = randomToken(16);
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style nonce="${nonce}">${PAGE_STYLE}</style></head>
<body><main>${main}</main></body></html>`;
  return authAnswer(html, 200, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; ${formAction === 'any' ? '' : `form-action ${formAction}; `}frame-ancestors 'none'`,
  });
}

/** What the sign-out confirmation shows and posts. */
export interface LogoutConfirmation {
  /** The logout route, e.g. `/auth/logout`. */
  readonly action: string;
  /** The session's CSRF token. */
  readonly csrfToken: string;
  /** Who is signed in (a name or an email), if known. */
  readonly who: string | null;
  /** A checked `returnTo` to carry into the POST, if one was given. */
  readonly returnTo: string | undefined;
  /** The logout is federated (`federated=1` carried into the POST, or `logout.federated`): its answer leaves for the provider. */
  readonly federated: boolean;
  /** Carry `federated=1` into the POST. */
  readonly federatedField: boolean;
  /** Where "Stay signed in" leads. */
  readonly cancelHref: string;
}

/**
 * The sign-out confirmation of `GET /auth/logout`: the form that posts to the logout route with
 * the CSRF token (a GET never signs out: a link, a prefetch or an image would otherwise do it).
 * Framing is refused (`frame-ancestors 'none'`), so the button cannot be clickjacked.
 *
 * @param c - the form's values (every one escaped).
 * @returns the 200 HTML response.
 */
export function logoutPage(c: LogoutConfirmation): AuthAnswer {
  const hidden = (name: string, value: string): string => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const fields = [
    hidden('csrfToken', c.csrfToken),
    c.returnTo !== undefined ? hidden('returnTo', c.returnTo) : '',
    c.federatedField ? hidden('federated', '1') : '',
  ].join('');
  const who = c.who ? `<p>You are signed in as <strong>${escapeHtml(c.who)}</strong>.</p>` : '<p>You are signed in.</p>';
  return smallPage(
    'Sign out',
    `<h1>Sign out?</h1>${who}<form method="post" action="${escapeHtml(c.action)}">${fields}<p class="actions"><button type="submit">Sign out</button><a href="${escapeHtml(c.cancelHref)}">Stay signed in</a></p></form>`,
    c.federated ? 'any' : "'self'",
  );
}

/**
 * The page of `GET /auth/logout` without a session: nothing to sign out of.
 *
 * @param homeHref - where to go on (the logout `returnTo`).
 * @param signInHref - the login route.
 * @returns the 200 HTML response.
 */
export function signedOutPage(homeHref: string, signInHref: string): AuthAnswer {
  return smallPage(
    'Signed out',
    `<h1>You are signed out</h1><p class="actions"><a href="${escapeHtml(homeHref)}">Continue</a><a href="${escapeHtml(signInHref)}">Sign in again</a></p>`,
    "'none'",
  );
}
