/**
 * The profile page: the user, linked accounts (link another, unlink), the session, token status
 * with expiry (never a token value), a call to the provider's API, and sign-out.
 */
import type { SessionView } from 'latchkey';
import { type ProviderView, providerButton } from './home.js';
import { esc, layout, type PageContext, relative, when } from './layout.js';

/** An account as the profile shows it. */
export interface AccountView {
  readonly id: string;
  readonly providerId: string;
  readonly providerName: string;
  readonly issuer: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly linkedAt: number;
  readonly hasAccessToken: boolean;
  readonly accessTokenExpiresAt: number | null;
  readonly hasRefreshToken: boolean;
  readonly hasIdToken: boolean;
  readonly needsReauth: boolean;
  /** What the "call the API" button calls, or null when the demo knows no API for this provider. */
  readonly api: { readonly label: string } | null;
}

/** The result of an API call, shown once. */
export interface ApiResultView {
  readonly accountId: string;
  readonly label: string;
  readonly ok: boolean;
  readonly status: number | null;
  /** A short, non-secret summary (the answer JSON, truncated). */
  readonly summary: string;
  /** How the token was obtained (the vault refreshed it, it was still valid, …). */
  readonly via: string;
}

/** Options of {@link profilePage}. */
export interface ProfileInput {
  readonly user: {
    readonly id: string;
    readonly name: string | null;
    readonly email: string | null;
    readonly emailVerified: boolean;
    readonly image: string | null;
  };
  readonly session: {
    readonly providerName: string;
    readonly createdAt: number;
    readonly idleExpiresAt: number;
    readonly absoluteExpiresAt: number;
    readonly strategy: string;
    readonly hasProviderSession: boolean;
  };
  readonly accounts: readonly AccountView[];
  /** Configured providers not linked yet. */
  readonly linkable: readonly ProviderView[];
  readonly csrfToken: string;
  /** Whether the session's provider can end its own session (RP-initiated logout). */
  readonly providerLogout: boolean;
  readonly now: number;
  readonly notice?: { readonly kind: 'ok' | 'bad'; readonly text: string };
  readonly apiResult?: ApiResultView;
  /** The user's sessions (`auth.sessions.list`), or null when the strategy keeps no list (sealed cookies). */
  readonly devices: readonly SessionView[] | null;
}

/** The "Your devices" card: every session of the user, each revocable by `POST /auth/sessions/revoke`. */
function devicesCard(devices: readonly SessionView[] | null, csrf: string, providerName: (id: string) => string, now: number): string {
  if (devices === null) {
    return `<section class="card" aria-labelledby="dev-h"><h2 id="dev-h">Your devices</h2><p class="muted">Sessions sealed in a cookie keep no list on the server, so devices cannot be listed here.</p></section>`;
  }
  const back = '<input type="hidden" name="returnTo" value="/profile?revoked=1">';
  const rows = devices
    .map(
      (
        d,
      ) => `<tr data-device="${esc(d.handle)}"${d.current ? ' data-current' : ''}><th scope="row">${esc(d.label ?? 'Unknown device')}${d.current ? ' <span class="badge ok">this device</span>' : ''}</th>
<td>${esc(providerName(d.provider))}</td>
<td><time datetime="${esc(d.lastSeenAt)}">${esc(relative(Date.parse(d.lastSeenAt), now))}</time></td>
<td>${d.current ? '' : `<form method="post" action="/auth/sessions/revoke" class="inline">${csrf}${back}<input type="hidden" name="handle" value="${esc(d.handle)}"><button class="btn danger" type="submit" data-revoke="${esc(d.handle)}">Sign out <span class="sr">${esc(d.label ?? 'this device')}</span></button></form>`}</td></tr>`,
    )
    .join('');
  const others =
    devices.length > 1
      ? `<form method="post" action="/auth/sessions/revoke" class="inline">${csrf}${back}<input type="hidden" name="others" value="1"><button class="btn" type="submit" data-action="revoke-others">Sign out every other device</button></form>`
      : '<p class="muted">Only this device is signed in.</p>';
  return `<section class="card" aria-labelledby="dev-h"><h2 id="dev-h">Your devices</h2>
<table><thead><tr><th scope="col">Device</th><th scope="col">Signed in with</th><th scope="col">Last seen</th><th scope="col"><span class="sr">Actions</span></th></tr></thead>
<tbody>${rows}</tbody></table>
<p class="row">${others}</p>
<p class="note">From <code>GET /auth/sessions</code>; each button posts to <code>/auth/sessions/revoke</code> with the CSRF token.</p></section>`;
}

function tokenStatus(a: AccountView, now: number): string {
  if (a.needsReauth) return '<span class="badge bad">sign in again</span> <span class="muted">the refresh token was refused</span>';
  if (!a.hasAccessToken) return '<span class="badge muted">none stored</span>';
  if (a.accessTokenExpiresAt === null) return '<span class="badge ok">valid</span> <span class="muted">no expiry given by the provider</span>';
  const expired = a.accessTokenExpiresAt <= now;
  return `${expired ? '<span class="badge bad">expired</span>' : '<span class="badge ok">valid</span>'} <span class="muted">${expired ? 'expired' : 'expires'} <time datetime="${new Date(a.accessTokenExpiresAt).toISOString()}">${esc(relative(a.accessTokenExpiresAt, now))}</time> (${esc(when(a.accessTokenExpiresAt))})</span>`;
}

/** Renders the profile page. */
export function profilePage(ctx: PageContext, input: ProfileInput): string {
  const { user, session, now } = input;
  const csrf = `<input type="hidden" name="csrfToken" value="${esc(input.csrfToken)}">`;
  const notice = input.notice
    ? `<div class="banner ${input.notice.kind}" role="${input.notice.kind === 'bad' ? 'alert' : 'status'}">${esc(input.notice.text)}</div>`
    : '';
  const only = input.accounts.length <= 1;
  const accountRows = input.accounts
    .map(
      (a) => `<tr data-account="${esc(a.providerId)}"><th scope="row">${esc(a.providerName)}</th>
<td><code>${esc(a.issuer)}</code><br><span class="muted">subject <code>${esc(a.subject)}</code></span></td>
<td>${esc(when(a.linkedAt))}</td>
<td>${
        only
          ? '<span class="muted">Your only way to sign in: link another provider before unlinking this one.</span>'
          : `<form method="post" action="/auth/${esc(a.providerId)}/unlink" class="inline">${csrf}<input type="hidden" name="accountId" value="${esc(a.id)}"><input type="hidden" name="returnTo" value="/profile?unlinked=${esc(encodeURIComponent(a.providerId))}"><button class="btn danger" type="submit" data-unlink="${esc(a.providerId)}">Unlink <span class="sr">${esc(a.providerName)}</span></button></form>`
      }</td></tr>`,
    )
    .join('');
  const link =
    input.linkable.length > 0
      ? `<h3 style="margin-top:1.25rem">Link another account</h3><p class="muted">Then you can sign in with either. The new provider must not already belong to another user.</p>
<ul class="providers">${input.linkable.map((p) => `<li>${providerButton(p, `/auth/${p.id}/login?intent=link&returnTo=${encodeURIComponent(`/profile?linked=${p.id}`)}`, 'Link')}</li>`).join('')}</ul>`
      : '<p class="muted">Every configured provider is linked.</p>';
  const tokens = input.accounts
    .map((a) => {
      const r = input.apiResult?.accountId === a.id ? input.apiResult : undefined;
      const result = r
        ? `<div class="banner ${r.ok ? 'ok' : 'bad'}" role="status" id="api-result"><strong>${esc(r.label)}:</strong> ${r.status === null ? 'no answer' : `HTTP ${r.status}`}. <span class="muted">${esc(r.via)}</span><pre>${esc(r.summary)}</pre></div>`
        : '';
      const api = a.api
        ? `<form method="post" action="/account/api" class="inline">${csrf}<input type="hidden" name="accountId" value="${esc(a.id)}"><button class="btn" type="submit" data-api="${esc(a.providerId)}">${esc(a.api.label)}</button></form>`
        : '<span class="muted">No API call configured for this provider.</span>';
      return `<section class="card" aria-labelledby="tok-${esc(a.id)}" data-tokens="${esc(a.providerId)}"><h3 id="tok-${esc(a.id)}">${esc(a.providerName)} tokens</h3>
<dl class="kv"><dt>Access token</dt><dd data-status="access">${tokenStatus(a, now)}</dd>
<dt>Refresh token</dt><dd>${a.hasRefreshToken ? '<span class="badge ok">stored</span> <span class="muted">used to get a new access token when this one expires</span>' : '<span class="badge muted">none</span> <span class="muted">the provider gave none (offline access not granted or not supported)</span>'}</dd>
<dt>ID token</dt><dd>${a.hasIdToken ? '<span class="badge ok">stored</span>' : '<span class="badge muted">none</span> <span class="muted">OAuth 2.0 provider</span>'}</dd>
<dt>Scopes granted</dt><dd>${a.scopes.length > 0 ? a.scopes.map((s) => `<code>${esc(s)}</code>`).join(' ') : '<span class="muted">none reported</span>'}</dd></dl>
<p class="row">${api}</p>${result}</section>`;
    })
    .join('');
  const content = `${notice}
<h1>Your profile</h1>
<p class="lead">Everything Latchkey knows about you in this app. Token values are never shown.</p>
<div class="grid">
<section class="card" aria-labelledby="user-h"><h2 id="user-h">User</h2>
<div class="user">${user.image ? `<img src="${esc(user.image)}" alt="" width="64" height="64">` : ''}<div>
<p style="margin:0;font-size:1.2rem;font-weight:700" data-user-name>${esc(user.name ?? '(no name)')}</p>
<p style="margin:0">${esc(user.email ?? '(no email)')} ${user.email ? (user.emailVerified ? '<span class="badge ok">verified</span>' : '<span class="badge bad">unverified</span>') : ''}</p>
<p class="muted" style="margin:0">Local user id <code>${esc(user.id)}</code></p></div></div></section>
<section class="card" aria-labelledby="session-h"><h2 id="session-h">Session</h2>
<dl class="kv"><dt>Signed in with</dt><dd data-session-provider>${esc(session.providerName)}</dd>
<dt>Signed in at</dt><dd>${esc(when(session.createdAt))}</dd>
<dt>Ends if idle</dt><dd>${esc(relative(session.idleExpiresAt, now))}</dd>
<dt>Ends at the latest</dt><dd>${esc(when(session.absoluteExpiresAt))}</dd>
<dt>Kept</dt><dd>${session.strategy === 'server' ? 'server-side (the cookie holds a random id only)' : 'in an encrypted cookie'}</dd></dl>
<h3 style="margin-top:1rem">Sign out</h3>
<div class="row">
<form method="post" action="/auth/logout" class="inline">${csrf}<input type="hidden" name="returnTo" value="/?signedOut=1"><button class="btn primary" type="submit" data-action="logout">Sign out</button></form>
${input.providerLogout ? `<form method="post" action="/auth/logout" class="inline">${csrf}<input type="hidden" name="returnTo" value="/?signedOut=1"><input type="hidden" name="federated" value="1"><button class="btn" type="submit" data-action="logout-federated">Sign out at ${esc(session.providerName)} too</button></form>` : ''}
</div>
<p class="note">${input.providerLogout ? `${esc(session.providerName)} supports sign-out (RP-initiated logout): the second button ends your session there too.` : `${esc(session.providerName)} offers no sign-out endpoint (RP-initiated logout), so only the session here can be ended; you stay signed in at ${esc(session.providerName)}.`}</p>
</section></div>
<section class="card" aria-labelledby="acc-h"><h2 id="acc-h">Linked accounts</h2>
<table><caption class="muted" style="text-align:left;caption-side:bottom;padding-top:.5rem">An account is an (issuer, subject) pair; the email address is never used to match accounts.</caption>
<thead><tr><th scope="col">Provider</th><th scope="col">Identity</th><th scope="col">Linked</th><th scope="col"><span class="sr">Actions</span></th></tr></thead>
<tbody>${accountRows}</tbody></table>
${link}</section>
${devicesCard(input.devices, csrf, (id) => input.accounts.find((a) => a.providerId === id)?.providerName ?? id, now)}
<h2>Provider tokens</h2>
${tokens}`;
  return layout('Profile', ctx, content);
}
