/**
 * The HTML pages of the auth routes: the provider chooser (`GET /auth/login`) and the same-origin
 * re-post of a `form_post` callback. Each page carries a nonce-based Content-Security-Policy and
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
