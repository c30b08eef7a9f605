/**
 * The `pages` option of `createAuth`: the languages of the built-in pages (English, German,
 * French, Spanish, Japanese; others added by the app), the app's own words for any of them, and
 * the app's own renderer for any single page (chooser, sign-out confirmation, signed-out page,
 * error page, `form_post` re-post), the others staying built in.
 *
 * @module
 */
import { ConfigurationError } from '../errors.js';
import { randomToken } from '../internal/encoding.js';
import { escapeHtml } from '../internal/html.js';
import { de } from './i18n/de.js';
import { en } from './i18n/en.js';
import { es } from './i18n/es.js';
import { fr } from './i18n/fr.js';
import { ja } from './i18n/ja.js';
import { pickLanguage } from './i18n/negotiate.js';
import { type EndUserText, ERROR_TEXT_KEYS, type ErrorTextKey, type PageTexts, REQUIRED_PLACEHOLDERS } from './i18n/types.js';

export type { EndUserText, ErrorTextKey, PageTexts } from './i18n/types.js';

/** A provider as the chooser lists it. */
export interface ChooserEntry {
  readonly id: string;
  readonly name: string;
  /** The login route of the provider, with the `returnTo` query. */
  readonly loginUrl: string;
}

/** What the sign-out confirmation shows and posts. */
export interface LogoutConfirmation {
  /** The logout route, e.g. `/auth/logout`. */
  readonly action: string;
  /** The session's CSRF token (post it as the `csrfToken` field). */
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

/** What the page of `GET /auth/logout` without a session links to. */
export interface SignedOutPageData {
  /** Where to go on (the logout `returnTo`). */
  readonly homeHref: string;
  /** The login route. */
  readonly signInHref: string;
}

/** What an error page shows (never the developer detail: that stays in the log, and on built-in pages in development). */
export interface ErrorPageData {
  readonly status: number;
  /** The stable error code (`CSRF_FAILED`, …). */
  readonly code: string;
  /** The title and message in the page's language. */
  readonly title: string;
  readonly message: string;
  /** The id of the log line, to show so that users can quote it. */
  readonly referenceId: string | undefined;
  /** The app's home page. */
  readonly homeHref: string;
  /** A "Try again" link (the login route of a failed sign-in). */
  readonly retryHref: string | undefined;
}

/** The re-post of a `form_post` callback: a form that must submit itself (a script under `page.nonce`). */
export interface RepostPageData {
  /** The callback path to post to. */
  readonly action: string;
  /** Every field to post, as hidden inputs, in order. */
  readonly fields: readonly (readonly [name: string, value: string])[];
}

/** What a page renderer gets besides its data. */
export interface PageContext {
  /** The page's language (`en`, `de`, …): put it in `<html lang>`. */
  readonly lang: string;
  /** The words in that language. */
  readonly texts: PageTexts;
  /** The nonce the page's Content-Security-Policy allows for inline `<style>` and `<script>`. */
  readonly nonce: string;
}

/**
 * The app's own renderers, each returning the page's whole HTML; every value in the data is raw
 * text, to be escaped by the renderer. A page left out stays built in. The answer carries a
 * Content-Security-Policy allowing same-origin scripts, styles and images, and inline ones under
 * `page.nonce`; framing is refused.
 */
export interface PageRenderers {
  /**
   * `askRemember` (`session.remember: 'ask'`): offer a "keep me signed in" choice, sent to the
   * login route as `remember=1` (the page may post forms to its own origin then).
   */
  readonly chooser?: (data: { readonly providers: readonly ChooserEntry[]; readonly askRemember: boolean }, page: PageContext) => string;
  readonly logout?: (data: LogoutConfirmation, page: PageContext) => string;
  readonly signedOut?: (data: SignedOutPageData, page: PageContext) => string;
  /** A throwing error renderer falls back to the built-in error page. */
  readonly error?: (data: ErrorPageData, page: PageContext) => string;
  readonly repost?: (data: RepostPageData, page: PageContext) => string;
}

/** Words for one language: any of {@link PageTexts}; what is left out comes from the default language. */
export type PartialPageTexts = Partial<Omit<PageTexts, 'errors'>> & {
  readonly errors?: Partial<Readonly<Record<ErrorTextKey, EndUserText>>>;
};

/** `createAuth({ pages })`. */
export interface PageOptions {
  /** The languages offered, as language tags (`en`, `de`, `pt-BR`). Default: the built-in five and every language of `texts`. */
  readonly languages?: readonly string[];
  /** The language when `Accept-Language` names none offered. Default `en`. */
  readonly defaultLanguage?: string;
  /** The app's own words, by language tag: replacing built-in words, or adding a language. */
  readonly texts?: Readonly<Record<string, PartialPageTexts>>;
  /** The app's own renderer for any single page. */
  readonly render?: PageRenderers;
}

/** The validated `pages` option. */
export interface ResolvedPages {
  /** The offered languages, lowercase. */
  readonly offered: ReadonlySet<string>;
  readonly defaultLanguage: string;
  readonly texts: ReadonlyMap<string, PageTexts>;
  readonly render: PageRenderers;
}

/** The language, words and renderers of one request's page. */
export interface PageView {
  readonly lang: string;
  readonly texts: PageTexts;
  readonly render: PageRenderers;
}

const BUILT_IN: Readonly<Record<string, PageTexts>> = { en, de, fr, es, ja };
/** RFC 5646 §2.1, as far as a page needs it: a primary tag of letters and subtags of letters and digits. */
const LANGUAGE_TAG = /^[a-z]{2,8}(?:-[a-z0-9]{1,8})*$/;
const RENDERED_PAGES: readonly (keyof PageRenderers)[] = ['chooser', 'logout', 'signedOut', 'error', 'repost'];

function fail(message: string): never {
  throw new ConfigurationError(message);
}

function tagOf(where: string, tag: unknown): string {
  const lower = typeof tag === 'string' ? tag.toLowerCase() : '';
  if (!LANGUAGE_TAG.test(lower)) fail(`\`pages.${where}\`: "${String(tag)}" is not a language tag such as "en", "de" or "pt-BR".`);
  return lower;
}

/** The words of one language: the app's over the built-in ones (or over the default language's, for an added language). */
function mergeTexts(tag: string, base: PageTexts, own: PartialPageTexts): PageTexts {
  for (const key of Object.keys(own)) {
    if (key !== 'errors' && !Object.hasOwn(en, key)) fail(`\`pages.texts.${tag}.${key}\` is not a text of the built-in pages.`);
  }
  for (const key of Object.keys(own.errors ?? {})) {
    if (!(ERROR_TEXT_KEYS as readonly string[]).includes(key)) fail(`\`pages.texts.${tag}.errors.${key}\` is not a situation of the error pages.`);
  }
  const merged: PageTexts = { ...base, ...own, errors: { ...base.errors, ...own.errors } };
  for (const [key, placeholder] of Object.entries(REQUIRED_PLACEHOLDERS)) {
    const text = merged[key as keyof PageTexts];
    if (typeof text !== 'string' || !text.includes(placeholder)) fail(`\`pages.texts.${tag}.${key}\` must contain ${placeholder}.`);
  }
  for (const [key, text] of Object.entries(merged.errors)) {
    if (typeof text?.title !== 'string' || typeof text.message !== 'string') fail(`\`pages.texts.${tag}.errors.${key}\` needs a title and a message.`);
  }
  return Object.freeze(merged);
}

/**
 * Validates the `pages` option.
 *
 * @param options - the option, if given.
 * @returns the offered languages, their words and the app's renderers.
 * @throws ConfigurationError `CONFIGURATION_ERROR` on an unknown language, text or page.
 */
export function resolvePages(options: PageOptions | undefined): ResolvedPages {
  const own = new Map<string, PartialPageTexts>();
  for (const [tag, texts] of Object.entries(options?.texts ?? {})) own.set(tagOf(`texts.${tag}`, tag), texts);
  const defaultLanguage = tagOf('defaultLanguage', options?.defaultLanguage ?? 'en');
  const listed = options?.languages?.map((tag) => tagOf('languages', tag)) ?? [...Object.keys(BUILT_IN), ...own.keys()];
  const offered = new Set(listed);
  if (!offered.has(defaultLanguage)) fail(`\`pages.defaultLanguage\` "${defaultLanguage}" is not one of \`pages.languages\`.`);
  const defaultBase = BUILT_IN[defaultLanguage] ?? en;
  const defaultTexts = mergeTexts(defaultLanguage, defaultBase, own.get(defaultLanguage) ?? {});
  const texts = new Map<string, PageTexts>();
  for (const tag of offered) {
    const builtIn = BUILT_IN[tag];
    if (builtIn === undefined && !own.has(tag)) fail(`\`pages.languages\` names "${tag}", which has no built-in words: give them in \`pages.texts.${tag}\`.`);
    texts.set(tag, tag === defaultLanguage ? defaultTexts : mergeTexts(tag, builtIn ?? defaultTexts, own.get(tag) ?? {}));
  }
  const render = options?.render ?? {};
  for (const key of Object.keys(render)) {
    if (!(RENDERED_PAGES as readonly string[]).includes(key)) fail(`\`pages.render.${key}\` is not a page; the pages are ${RENDERED_PAGES.join(', ')}.`);
    if (typeof render[key as keyof PageRenderers] !== 'function') fail(`\`pages.render.${key}\` must be a function returning the page's HTML.`);
  }
  return Object.freeze({ offered, defaultLanguage, texts, render: Object.freeze({ ...render }) });
}

/** The built-in pages in English and the other built-in languages, no renderer of the app's. */
export const DEFAULT_PAGES: ResolvedPages = resolvePages(undefined);

/**
 * The page language and words for a request.
 *
 * @param pages - the resolved `pages` option.
 * @param acceptLanguage - the request's `Accept-Language` header.
 * @returns the language, its words and the app's renderers.
 */
export function pageView(pages: ResolvedPages, acceptLanguage: string | null | undefined): PageView {
  const lang = pickLanguage(acceptLanguage, pages.offered, pages.defaultLanguage);
  return { lang, texts: pages.texts.get(lang) ?? en, render: pages.render };
}

/** English and no renderer of the app's: the view of answers made without a request. */
export const DEFAULT_VIEW: PageView = pageView(DEFAULT_PAGES, null);

/** Where a page's forms may post: nowhere, here, or anywhere (no `form-action`: a federated logout's 303 leaves for the provider). */
export type FormAction = "'none'" | "'self'" | 'any';

/**
 * `template` escaped, with `{name}` replaced by `html` (already escaped markup).
 *
 * @param template - a text of {@link PageTexts}.
 * @param name - the placeholder's name.
 * @param html - what replaces it.
 * @returns the HTML.
 */
export function fillHtml(template: string, name: string, html: string): string {
  return template
    .split(`{${name}}`)
    .map((part) => escapeHtml(part))
    .join(html);
}

/**
 * A page's context: its language, words, and a fresh nonce.
 *
 * @param view - the request's page view.
 * @returns the context handed to a renderer.
 */
export function contextOf(view: PageView): PageContext {
  return { lang: view.lang, texts: view.texts, nonce: randomToken(16) };
}

/**
 * The headers of an HTML page: its policy, its language.
 *
 * @param csp - the Content-Security-Policy.
 * @param lang - the page's language.
 * @returns the headers.
 */
export function pageHeaders(csp: string, lang: string): Record<string, string> {
  return { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp, 'content-language': lang };
}

/**
 * The headers of a page of the app's renderer: a policy allowing same-origin resources and inline
 * ones under the nonce; framing refused.
 *
 * @param formAction - where its forms may post.
 * @param page - its context.
 * @returns the headers.
 */
export function appPageHeaders(formAction: FormAction, page: PageContext): Record<string, string> {
  const n = `'nonce-${page.nonce}'`;
  const forms = formAction === 'any' ? '' : `form-action ${formAction}; `;
  return pageHeaders(
    `default-src 'self'; script-src 'self' ${n}; style-src 'self' ${n}; img-src 'self' data:; base-uri 'none'; ${forms}frame-ancestors 'none'`,
    page.lang,
  );
}
