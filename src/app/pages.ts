/**
 * The HTML pages of the auth routes: the provider chooser (`GET /auth/login`), the sign-out
 * confirmation (`GET /auth/logout`), the signed-out page, the same-origin re-post of a `form_post`
 * callback, and the error page's frame. Each page is in the request's language (`page-options.ts`),
 * carries a nonce-based Content-Security-Policy and escapes every value it shows; the app may
 * replace any one of them (`pages.render`).
 *
 * @module
 */
import type { AuthAnswer } from './http-shapes.js';
import {
  appPageHeaders,
  type ChooserEntry,
  contextOf,
  type FormAction,
  fillHtml,
  type LogoutConfirmation,
  type PageContext,
  type PageView,
  pageHeaders,
} from './page-options.js';
import { authAnswer, escapeHtml } from './responses.js';

export type { ChooserEntry, LogoutConfirmation } from './page-options.js';

/** The hidden field marking a same-origin re-post of a `form_post` callback. */
export const REPOST_FIELD = 'lk_repost';

/** A page of the app's own renderer. */
function appPage(html: string, formAction: FormAction, page: PageContext): AuthAnswer {
  return authAnswer(html, 200, appPageHeaders(formAction, page));
}

/**
 * The "Sign in with …" page listing every provider: links, or with `askRemember` one GET form
 * whose checkbox (`remember=1`) goes with whichever provider's button is pressed.
 *
 * @param providers - the providers, in configuration order.
 * @param view - the page's language and the app's renderers.
 * @param askRemember - whether to offer "keep me signed in" (`session.remember: 'ask'`).
 * @returns the 200 HTML response.
 */
export function chooserPage(providers: readonly ChooserEntry[], view: PageView, askRemember = false): AuthAnswer {
  const page = contextOf(view);
  const formAction = askRemember ? "'self'" : "'none'";
  if (view.render.chooser) return appPage(view.render.chooser({ providers, askRemember }, page), formAction, page);
  const t = view.texts;
  const label = (p: ChooserEntry): string => fillHtml(t.signInWith, 'provider', escapeHtml(p.name));
  let body: string;
  if (askRemember) {
    const returnTo = new URL(providers[0]?.loginUrl ?? '/', 'http://x').searchParams.get('returnTo') ?? '/';
    const buttons = providers.map((p) => `<li><button type="submit" formaction="${escapeHtml(p.loginUrl.split('?')[0]!)}">${label(p)}</button></li>`).join('');
    body = `<form method="get"><input type="hidden" name="returnTo" value="${escapeHtml(returnTo)}"><p><label><input type="checkbox" name="remember" value="1"> ${escapeHtml(t.rememberMe)}</label></p><ul>${buttons}</ul></form>`;
  } else {
    body = `<ul>${providers.map((p) => `<li><a href="${escapeHtml(p.loginUrl)}">${label(p)}</a></li>`).join('')}</ul>`;
  }
  const html = `<!doctype html><html lang="${escapeHtml(page.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(t.chooserTitle)}</title>
<style nonce="${page.nonce}">body{font:16px system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a;background:#fff}ul{list-style:none;padding:0}li{margin:.5rem 0}a,button{display:block;width:100%;box-sizing:border-box;padding:.75rem 1rem;border:1px solid #767676;border-radius:.5rem;text-decoration:none;color:inherit;background:#fff;font:inherit;text-align:left;cursor:pointer}a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}</style></head>
<body><main><h1>${escapeHtml(t.chooserTitle)}</h1>${body}</main></body></html>`;
  return authAnswer(
    html,
    200,
    pageHeaders(`default-src 'none'; style-src 'nonce-${page.nonce}'; base-uri 'none'; form-action ${formAction}; frame-ancestors 'none'`, page.lang),
  );
}

/**
 * The page that re-posts a `form_post` callback's parameters from our own origin.
 *
 * @param action - the callback path to post to.
 * @param params - the callback parameters (any {@link REPOST_FIELD} is dropped, then added once).
 * @param view - the page's language and the app's renderers.
 * @returns the 200 HTML response that submits itself.
 */
export function repostPage(action: string, params: URLSearchParams, view: PageView): AuthAnswer {
  // form_post (OAuth 2.0 Form Post Response Mode §2): the provider's cross-site POST carries no
  // SameSite=Lax cookie. Re-post the same parameters from our own origin, where it does.
  const page = contextOf(view);
  const fields: [string, string][] = [...params].filter(([k]) => k !== REPOST_FIELD);
  fields.push([REPOST_FIELD, '1']);
  if (view.render.repost) return appPage(view.render.repost({ action, fields }, page), "'self'", page);
  const inputs = fields.map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('');
  const title = escapeHtml(view.texts.repostTitle);
  const html = `<!doctype html><html lang="${escapeHtml(page.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body><main><h1>${title}</h1>
<form method="post" action="${escapeHtml(action)}">${inputs}<noscript><button type="submit">${escapeHtml(view.texts.repostButton)}</button></noscript></form></main>
<script nonce="${page.nonce}">document.forms[0].submit()</script></body></html>`;
  return authAnswer(
    html,
    200,
    pageHeaders(`default-src 'none'; script-src 'nonce-${page.nonce}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`, page.lang),
  );
}

/** The style of the small pages, under a nonce. */
const PAGE_STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a;background:#fff}button,a.button{font:inherit;padding:.6rem 1.2rem;border:1px solid #767676;border-radius:.5rem;background:none;color:inherit;cursor:pointer;text-decoration:none}a{color:#1a4f8f}:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}p.actions{display:flex;gap:1rem;align-items:center}';

/** A small page with its nonce-based policy. */
function smallPage(title: string, main: string, formAction: FormAction, page: PageContext): AuthAnswer {
  const html = `<!doctype html><html lang="${escapeHtml(page.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title>
<style nonce="${page.nonce}">${PAGE_STYLE}</style></head>
<body><main>${main}</main></body></html>`;
  const csp = `default-src 'none'; style-src 'nonce-${page.nonce}'; base-uri 'none'; ${formAction === 'any' ? '' : `form-action ${formAction}; `}frame-ancestors 'none'`;
  return authAnswer(html, 200, pageHeaders(csp, page.lang));
}

/**
 * The sign-out confirmation of `GET /auth/logout`: the form that posts to the logout route with
 * the CSRF token (a GET never signs out: a link, a prefetch or an image would otherwise do it).
 * Framing is refused (`frame-ancestors 'none'`), so the button cannot be clickjacked.
 *
 * @param c - the form's values (every one escaped).
 * @param view - the page's language and the app's renderers.
 * @returns the 200 HTML response.
 */
export function logoutPage(c: LogoutConfirmation, view: PageView): AuthAnswer {
  const page = contextOf(view);
  const formAction: FormAction = c.federated ? 'any' : "'self'";
  if (view.render.logout) return appPage(view.render.logout(c, page), formAction, page);
  const t = view.texts;
  const hidden = (name: string, value: string): string => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const fields = [
    hidden('csrfToken', c.csrfToken),
    c.returnTo !== undefined ? hidden('returnTo', c.returnTo) : '',
    c.federatedField ? hidden('federated', '1') : '',
  ].join('');
  const who = c.who ? `<p>${fillHtml(t.signedInAs, 'who', `<strong>${escapeHtml(c.who)}</strong>`)}</p>` : `<p>${escapeHtml(t.signedIn)}</p>`;
  return smallPage(
    t.logoutTitle,
    `<h1>${escapeHtml(t.logoutHeading)}</h1>${who}<form method="post" action="${escapeHtml(c.action)}">${fields}<p class="actions"><button type="submit">${escapeHtml(t.signOutButton)}</button><a href="${escapeHtml(c.cancelHref)}">${escapeHtml(t.staySignedIn)}</a></p></form>`,
    formAction,
    page,
  );
}

/**
 * The page of `GET /auth/logout` without a session: nothing to sign out of.
 *
 * @param homeHref - where to go on (the logout `returnTo`).
 * @param signInHref - the login route.
 * @param view - the page's language and the app's renderers.
 * @returns the 200 HTML response.
 */
export function signedOutPage(homeHref: string, signInHref: string, view: PageView): AuthAnswer {
  const page = contextOf(view);
  if (view.render.signedOut) return appPage(view.render.signedOut({ homeHref, signInHref }, page), "'none'", page);
  const t = view.texts;
  return smallPage(
    t.signedOutTitle,
    `<h1>${escapeHtml(t.signedOutHeading)}</h1><p class="actions"><a href="${escapeHtml(homeHref)}">${escapeHtml(t.continueLink)}</a><a href="${escapeHtml(signInHref)}">${escapeHtml(t.signInAgainLink)}</a></p>`,
    "'none'",
    page,
  );
}
