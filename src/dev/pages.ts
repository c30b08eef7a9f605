/**
 * HTML of the development identity provider: the sign-in page (test users, a form to add one, and
 * failure simulation), the form_post auto-submit page, the logout confirmation, error pages, the
 * index page, and SVG avatars. Plain HTML and a little CSS, no scripts except the form_post submit.
 *
 * @module
 */
import { escapeHtml } from '../internal/html.js';
import type { DevUser } from './types.js';

const STYLE = `
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--accent:#4f46e5}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--fg:#e6edf3;--muted:#9198a1;--line:#30363d}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
main{max-width:30rem;margin:2.5rem auto;padding:0 1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1.5rem;margin-bottom:1rem}
h1{font-size:1.35rem;margin:.25rem 0 .25rem}h2{font-size:1rem;margin:0 0 .75rem}
.brand{display:flex;align-items:center;gap:.5rem;font-weight:600;color:var(--accent)}
.badge{font-size:.75rem;font-weight:600;border:1px solid var(--line);border-radius:999px;padding:.05rem .5rem;color:var(--muted)}
p.muted,.muted{color:var(--muted);font-size:.9rem}
ul.users{list-style:none;margin:0;padding:0;display:grid;gap:.5rem}
button.user{width:100%;display:flex;align-items:center;gap:.75rem;text-align:left;padding:.6rem .75rem;border:1px solid var(--line);border-radius:10px;background:transparent;color:inherit;font:inherit;cursor:pointer}
button.user:hover,button.user:focus-visible{border-color:var(--accent);outline:2px solid var(--accent);outline-offset:1px}
button.user.selected{border-color:var(--accent)}
button.user img{width:40px;height:40px;border-radius:50%}
.who{display:flex;flex-direction:column}.who small{color:var(--muted)}
.tag{font-size:.7rem;border-radius:4px;padding:0 .35rem;margin-left:.35rem;border:1px solid var(--line)}
.ok{color:#1a7f37}.warn{color:#9a6700}
label{display:block;font-size:.9rem;margin:.5rem 0 .2rem}
input[type=text],input[type=email]{width:100%;padding:.5rem;border:1px solid var(--line);border-radius:8px;background:transparent;color:inherit;font:inherit}
.row{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
.btn{padding:.5rem .9rem;border-radius:8px;border:1px solid var(--line);background:transparent;color:inherit;font:inherit;cursor:pointer;text-decoration:none}
.btn.primary{background:var(--accent);border-color:var(--accent);color:#fff}
.btn.danger{color:#cf222e}
details summary{cursor:pointer;font-weight:600}
code{font:.85em ui-monospace,SFMono-Regular,Menlo,monospace}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{text-align:left;padding:.3rem;border-bottom:1px solid var(--line);vertical-align:top}
`;

function layout(title: string, body: string, accent = '#4f46e5'): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}:root{--accent:${escapeHtml(accent)}}</style></head>
<body><main>${body}</main></body></html>`;
}

/** An HTML response with the headers every page of the dev IdP carries. */
export function htmlResponse(html: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(html, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      ...headers,
    },
  });
}

/** What the sign-in page shows. */
export interface SignInPageInput {
  readonly providerTitle: string;
  readonly accent: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  /** Where the form posts (`…/interaction/<id>`). */
  readonly action: string;
  readonly users: readonly DevUser[];
  readonly avatarUrl: (user: DevUser) => string;
  /** The user a `login_hint` named. */
  readonly hintedUserId?: string;
  /** The user of the current browser session, offered as a one-click "continue". */
  readonly continueAs?: DevUser;
  readonly slowMs: number;
  /** A message shown above the list (the add-user form's validation error). */
  readonly notice?: string;
}

function userTags(user: DevUser): string {
  const tags: string[] = [];
  if (user.email === null) tags.push('<span class="tag">no email</span>');
  else tags.push(user.emailVerified ? '<span class="tag ok">verified</span>' : '<span class="tag warn">unverified</span>');
  if (user.hostedDomain) tags.push(`<span class="tag">Workspace ${escapeHtml(user.hostedDomain)}</span>`);
  if (user.hideEmail) tags.push('<span class="tag">hides email</span>');
  return tags.join('');
}

/**
 * The sign-in page: one button per test user, the "continue" shortcut for an existing session,
 * a small form to add a user, and buttons that simulate a denied consent, a server error or a slow
 * answer.
 */
export function signInPage(input: SignInPageInput): string {
  const userButtons = input.users
    .map((u) => {
      const selected = u.id === input.hintedUserId ? ' selected' : '';
      const autofocus = u.id === input.hintedUserId ? ' autofocus' : '';
      return `<li><button class="user${selected}" type="submit" name="user" value="${escapeHtml(u.id)}" data-user="${escapeHtml(u.id)}"${autofocus}>
<img src="${escapeHtml(input.avatarUrl(u))}" alt="">
<span class="who"><span>${escapeHtml(u.name)}${userTags(u)}</span><small>${escapeHtml(u.email ?? '(no email)')}</small></span></button></li>`;
    })
    .join('\n');
  const cont = input.continueAs
    ? `<div class="card"><h2>Welcome back</h2><form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="action" value="continue">
<button class="btn primary" type="submit" data-action="continue">Continue as ${escapeHtml(input.continueAs.name)}</button></form></div>`
    : '';
  const notice = input.notice ? `<p role="alert" class="warn">${escapeHtml(input.notice)}</p>` : '';
  const body = `
${cont}
<div class="card">
  <div class="brand"><span>${escapeHtml(input.providerTitle)}</span><span class="badge">development emulation</span></div>
  <h1>Choose an account</h1>
  <p class="muted">to continue to <strong>${escapeHtml(input.clientId)}</strong>. Requested: <code>${escapeHtml(input.scopes.join(' ') || '(no scope)')}</code></p>
  ${notice}
  <form method="post" action="${escapeHtml(input.action)}" aria-label="Test users">
    <input type="hidden" name="action" value="login">
    <ul class="users">${userButtons}</ul>
    <p class="row"><label class="muted" style="margin:0"><input type="checkbox" name="slow" value="1"> Answer slowly (${Math.round(input.slowMs / 100) / 10} s)</label></p>
  </form>
</div>
<div class="card">
  <details><summary>Add a test user</summary>
  <form method="post" action="${escapeHtml(input.action)}">
    <input type="hidden" name="action" value="add-user">
    <label for="new-name">Name</label><input id="new-name" type="text" name="name" required maxlength="80" autocomplete="off">
    <label for="new-email">Email</label><input id="new-email" type="email" name="email" maxlength="120" autocomplete="off">
    <label><input type="checkbox" name="email_verified" value="1" checked> Email verified</label>
    <p><button class="btn" type="submit" data-action="add-user">Add user</button></p>
  </form></details>
</div>
<div class="card">
  <h2>Simulate a failure</h2>
  <form method="post" action="${escapeHtml(input.action)}" class="row">
    <button class="btn danger" type="submit" name="action" value="deny" data-action="deny">Deny access</button>
    <button class="btn danger" type="submit" name="action" value="server-error" data-action="server-error">Server error</button>
  </form>
  <p class="muted">Redirects back to <code>${escapeHtml(input.redirectUri)}</code>.</p>
</div>`;
  return layout(`Sign in – ${input.providerTitle} (dev)`, body, input.accent);
}

/** The form_post response page: an auto-submitting form (OAuth 2.0 Form Post Response Mode §2). */
export function formPostPage(redirectUri: string, params: Readonly<Record<string, string>>): string {
  const inputs = Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Submitting…</title></head>
<body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(redirectUri)}">${inputs}
<noscript><button type="submit">Continue</button></noscript></form></body></html>`;
}

/** An error page for requests that cannot be redirected back (unknown client, bad redirect URI). */
export function errorPage(error: string, description: string): string {
  return layout(
    'Sign-in error (dev)',
    `<div class="card"><h1>Cannot continue</h1><p><code>${escapeHtml(error)}</code></p><p class="muted">${escapeHtml(description)}</p></div>`,
    '#cf222e',
  );
}

/** The RP-initiated logout confirmation, shown when no `id_token_hint` came with the request. */
export function logoutConfirmPage(action: string, params: Readonly<Record<string, string>>, userName: string | undefined): string {
  const hidden = Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  const who = userName ? ` as <strong>${escapeHtml(userName)}</strong>` : '';
  return layout(
    'Sign out? (dev)',
    `<div class="card"><h1>Sign out?</h1><p class="muted">You are signed in${who}.</p>
<form method="post" action="${escapeHtml(action)}" class="row">${hidden}<button class="btn primary" type="submit" name="confirm" value="yes" data-action="logout">Sign out</button></form></div>`,
  );
}

/** Shown after a logout with no `post_logout_redirect_uri`. */
export function signedOutPage(): string {
  return layout('Signed out (dev)', '<div class="card"><h1>You are signed out</h1><p class="muted">You can close this tab.</p></div>');
}

/** The index page: issuers, client setup and users. */
export function indexPage(input: {
  readonly issuers: readonly { title: string; issuer: string; note: string }[];
  readonly users: readonly DevUser[];
  readonly acceptAnyClient: boolean;
}): string {
  const rows = input.issuers
    .map((i) => `<tr><td>${escapeHtml(i.title)}</td><td><code>${escapeHtml(i.issuer)}</code><br><span class="muted">${escapeHtml(i.note)}</span></td></tr>`)
    .join('');
  const users = input.users
    .map((u) => `<li>${escapeHtml(u.name)} <span class="muted">${escapeHtml(u.email ?? '(no email)')}</span>${userTags(u)}</li>`)
    .join('');
  const clients = input.acceptAnyClient
    ? '<p>Any <code>client_id</code> and secret are accepted, with any loopback redirect URI.</p>'
    : '<p>Only registered clients are accepted.</p>';
  return layout(
    'Latchkey dev IdP',
    `<div class="card"><div class="brand">Latchkey <span class="badge">dev identity provider</span></div><h1>Issuers</h1><table>${rows}</table></div>
<div class="card"><h2>Clients</h2>${clients}</div><div class="card"><h2>Test users</h2><ul>${users}</ul></div>`,
  );
}

const AVATAR_COLOURS = ['#4f46e5', '#0f766e', '#b45309', '#be123c', '#1d4ed8', '#7c3aed', '#15803d'];

/** A round SVG avatar with the user's initials. */
export function avatarSvg(user: DevUser): string {
  const initials = user.name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
  let h = 0;
  for (const c of user.id) h = (h * 31 + c.charCodeAt(0)) % 997;
  const colour = AVATAR_COLOURS[h % AVATAR_COLOURS.length]!;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96"><circle cx="48" cy="48" r="48" fill="${colour}"/><text x="48" y="58" font-family="system-ui,sans-serif" font-size="34" fill="#fff" text-anchor="middle">${escapeHtml(initials)}</text></svg>`;
}
