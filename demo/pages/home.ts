/** The home page: one sign-in button per configured provider, and what each one talks to. */
import { esc, layout, type PageContext } from './layout.js';

/** A provider as the pages show it. */
export interface ProviderView {
  readonly id: string;
  readonly name: string;
  /** True when the provider points at the built-in development identity provider. */
  readonly emulated: boolean;
  /** The issuer (or base URL) the provider talks to. */
  readonly issuer: string;
  /** The redirect URI to register at the provider. */
  readonly redirectUri: string;
}

/** The colour and letter on a provider's button. */
export const BRANDS: Readonly<Record<string, { colour: string; mark: string }>> = {
  google: { colour: '#1a73e8', mark: 'G' },
  github: { colour: '#24292f', mark: 'GH' },
  microsoft: { colour: '#0067b8', mark: 'M' },
  apple: { colour: '#000000', mark: 'A' },
  oidc: { colour: '#5b21b6', mark: 'ID' },
};

/** A provider's sign-in (or link) button. */
export function providerButton(p: ProviderView, href: string, verb: string): string {
  const brand = BRANDS[p.id] ?? { colour: '#374151', mark: p.name.slice(0, 1).toUpperCase() };
  return `<a class="btn wide" href="${esc(href)}" data-provider="${esc(p.id)}"><span class="mark" style="background:${esc(brand.colour)}" aria-hidden="true">${esc(brand.mark)}</span>${esc(verb)} ${esc(p.name)}${p.emulated ? ' <span class="badge emu">emulated</span>' : ''}</a>`;
}

/** Options of {@link homePage}. */
export interface HomeInput {
  readonly providers: readonly ProviderView[];
  /** The dev IdP origin when some providers are emulated. */
  readonly devIdpUrl: string | null;
  readonly returnTo: string;
  readonly signedIn: boolean;
  /** A notice after sign-out. */
  readonly notice?: string;
}

/** Renders the home page. */
export function homePage(ctx: PageContext, input: HomeInput): string {
  const emulated = input.providers.filter((p) => p.emulated);
  const banner =
    emulated.length > 0
      ? `<div class="banner" role="note"><strong>Development mode.</strong> ${
          emulated.length === input.providers.length
            ? 'No provider credentials are configured, so every button'
            : `${esc(emulated.map((p) => p.name).join(', '))}: no credentials are configured, so ${emulated.length === 1 ? 'this button' : 'these buttons'}`
        } signs in against the built-in development identity provider at <code>${esc(input.devIdpUrl ?? '')}</code>, which emulates each provider (its quirks included) with test users. No network, no accounts needed. To use the real providers, set <code>GOOGLE_CLIENT_ID</code> and <code>GOOGLE_CLIENT_SECRET</code> (and the others): see <code>docs/getting-started.md</code>.</div>`
      : '';
  const notice = input.notice ? `<div class="banner ok" role="status">${esc(input.notice)}</div>` : '';
  const qs = `?returnTo=${encodeURIComponent(input.returnTo)}`;
  const buttons = input.providers
    .map(
      (p) => `<li>${providerButton(p, `/auth/${p.id}/login${qs}`, 'Sign in with')}
<p class="note">${p.emulated ? 'Emulated by the development identity provider' : 'Real provider'}: <code>${esc(p.issuer)}</code></p></li>`,
    )
    .join('\n');
  const signedIn = input.signedIn
    ? `<div class="banner ok" role="status">You are signed in. <a href="/profile">Go to your profile</a>, or sign in with another provider below to switch accounts.</div>`
    : '';
  const content = `${notice}${banner}${signedIn}
<div class="grid">
<section class="card" aria-labelledby="signin-h"><h1 id="signin-h">Sign in</h1>
<p class="lead">Choose a provider. You come back here signed in, with a session you can inspect.</p>
<ul class="providers">${buttons}</ul></section>
<section class="card" aria-labelledby="what-h"><h2 id="what-h">What this demo shows</h2>
<ul>
<li>The authorization code flow with PKCE, <code>state</code> and <code>nonce</code>, and every ID token check.</li>
<li>A local user, linked provider accounts (link another, unlink), and the session.</li>
<li>Provider tokens stored encrypted, their status and expiry, and a call to the provider's API.</li>
<li>Sign out locally or at the provider too.</li>
${ctx.development ? '<li>The <a href="/dev/inspector">flow inspector</a>: each login step by step, secrets redacted.</li>' : ''}
</ul>
<h3>Redirect URIs to register</h3>
<dl class="kv">${input.providers.map((p) => `<dt>${esc(p.name)}</dt><dd><code>${esc(p.redirectUri)}</code></dd>`).join('')}</dl>
</section></div>`;
  return layout('Sign in', ctx, content);
}
