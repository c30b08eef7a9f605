/**
 * The demo's page shell: one inline stylesheet (no external resources, works offline), landmarks,
 * a skip link, visible focus, and colours with at least 4.5:1 contrast in light and dark schemes.
 */

/** Escapes text for HTML element content and attribute values. */
export function esc(value: string | number | null | undefined): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f5f6f8;--card:#fff;--fg:#16181d;--muted:#4f5663;--line:#d5d9e0;--accent:#3730a3;--accent-fg:#fff;--ok:#11653a;--warn:#8a4b00;--bad:#b4232c;--code:#eef0f4}
@media (prefers-color-scheme:dark){:root{--bg:#0e1116;--card:#161b22;--fg:#e8edf3;--muted:#a3acb9;--line:#30363d;--accent:#a5b4fc;--accent-fg:#0e1116;--ok:#56d364;--warn:#e3b341;--bad:#ff7b72;--code:#1f2630}}
*{box-sizing:border-box}
html{font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",sans-serif}
body{margin:0;background:var(--bg);color:var(--fg)}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px;border-radius:4px}
.skip{position:absolute;left:-999px;top:0;background:var(--card);padding:.5rem 1rem}
.skip:focus{left:1rem;top:1rem;z-index:10}
header.top{background:var(--card);border-bottom:1px solid var(--line)}
header.top .bar{max-width:60rem;margin:0 auto;padding:.75rem 1rem;display:flex;align-items:center;gap:1rem;flex-wrap:wrap}
.logo{font-weight:700;font-size:1.1rem;color:var(--fg);text-decoration:none;display:flex;align-items:center;gap:.5rem}
.logo svg{width:26px;height:26px}
nav ul{list-style:none;margin:0;padding:0;display:flex;gap:1rem;flex-wrap:wrap}
nav a{text-decoration:none;color:var(--muted);font-weight:500}
nav a[aria-current=page]{color:var(--fg);text-decoration:underline;text-underline-offset:.3em}
.spacer{flex:1}
main{max-width:60rem;margin:2rem auto;padding:0 1rem}
footer{max-width:60rem;margin:2rem auto 3rem;padding:0 1rem;color:var(--muted);font-size:.85rem}
h1{font-size:1.75rem;line-height:1.2;margin:0 0 .5rem}
h2{font-size:1.15rem;margin:0 0 .75rem}
h3{font-size:1rem;margin:0 0 .5rem}
.lead{color:var(--muted);font-size:1.05rem;margin:0 0 1.5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:1.25rem 1.5rem;margin:0 0 1.25rem}
.grid{display:grid;gap:1.25rem;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr))}
.providers{list-style:none;margin:0;padding:0;display:grid;gap:.75rem}
.btn{display:inline-flex;align-items:center;gap:.6rem;justify-content:center;padding:.6rem 1rem;border-radius:10px;border:1px solid var(--line);background:var(--card);color:var(--fg);font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
.btn:hover{border-color:var(--accent)}
.btn.primary{background:var(--accent);border-color:var(--accent);color:var(--accent-fg)}
.btn.danger{color:var(--bad)}
.btn.wide{width:100%;justify-content:flex-start;padding:.75rem 1rem}
.btn .mark{width:1.6rem;height:1.6rem;border-radius:6px;display:inline-grid;place-items:center;font-size:.85rem;color:#fff;flex:none}
.note{font-size:.85rem;color:var(--muted);margin:.3rem 0 0 .2rem}
.badge{display:inline-block;font-size:.72rem;font-weight:700;letter-spacing:.02em;border-radius:999px;padding:.1rem .55rem;border:1px solid currentColor;vertical-align:middle}
.badge.emu{color:var(--warn)}.badge.ok{color:var(--ok)}.badge.bad{color:var(--bad)}.badge.muted{color:var(--muted)}
.banner{border-left:4px solid var(--warn);background:var(--card);padding:.75rem 1rem;border-radius:8px;margin:0 0 1.25rem;border-top:1px solid var(--line);border-right:1px solid var(--line);border-bottom:1px solid var(--line)}
.banner.bad{border-left-color:var(--bad)}
.banner.ok{border-left-color:var(--ok)}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{text-align:left;padding:.5rem .4rem;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600}
code,pre{font:.85em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--code);border-radius:5px}
code{padding:.05rem .3rem}
pre{padding:.75rem;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere}
.user{display:flex;gap:1rem;align-items:center}
.user img{width:64px;height:64px;border-radius:50%;border:1px solid var(--line)}
.row{display:flex;gap:.6rem;flex-wrap:wrap;align-items:center}
form.inline{display:inline}
label.check{display:inline-flex;gap:.4rem;align-items:center;color:var(--muted);font-size:.9rem}
ol.steps{list-style:none;margin:0;padding:0;display:grid;gap:.5rem}
ol.steps li{border:1px solid var(--line);border-radius:10px;padding:.6rem .8rem}
ol.steps li.fail{border-color:var(--bad)}
.st{font-weight:700;margin-right:.4rem}.st.ok{color:var(--ok)}.st.fail{color:var(--bad)}.st.info{color:var(--muted)}
details summary{cursor:pointer;font-weight:600}
.muted{color:var(--muted)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

const LOGO = `<svg viewBox="0 0 32 32" aria-hidden="true" focusable="false"><rect width="32" height="32" rx="8" fill="currentColor" opacity=".12"/><path d="M11 14v-3a5 5 0 0 1 10 0v3" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round"/><rect x="8" y="14" width="16" height="12" rx="3" fill="currentColor"/></svg>`;

/** What every page knows. */
export interface PageContext {
  /** The signed-in user's display name, or null. */
  readonly userName: string | null;
  /** Whether the development-only pages (the flow inspector) exist. */
  readonly development: boolean;
  /** The current path, for `aria-current`. */
  readonly path: string;
}

/** Wraps page content in the shell. */
export function layout(title: string, ctx: PageContext, content: string): string {
  const link = (href: string, text: string): string => `<li><a href="${href}"${ctx.path === href ? ' aria-current="page"' : ''}>${text}</a></li>`;
  const nav = [
    link('/', 'Home'),
    ctx.userName !== null ? link('/profile', 'Profile') : '',
    ctx.development ? link('/dev/inspector', 'Flow inspector') : '',
  ].join('');
  const who =
    ctx.userName !== null ? `<span class="muted">Signed in as <strong>${esc(ctx.userName)}</strong></span>` : '<span class="muted">Not signed in</span>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${esc(title)} · Latchkey demo</title><style>${STYLE}</style></head>
<body><a class="skip" href="#content">Skip to content</a>
<header class="top"><div class="bar"><a class="logo" href="/">${LOGO}<span>Latchkey demo</span></a>
<nav aria-label="Main"><ul>${nav}</ul></nav><span class="spacer"></span>${who}</div></header>
<main id="content" tabindex="-1">${content}</main>
<footer><p>Latchkey demo app. Tokens, codes and secrets are never shown: the pages only say whether they exist and when they expire.</p></footer>
</body></html>`;
}

/** The headers of every demo page: never cached (the back button after sign-out must not show a profile), framed by nobody. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; img-src 'self' data: http://127.0.0.1:* http://localhost:* https:; style-src 'unsafe-inline'; form-action 'self' https: http://127.0.0.1:* http://localhost:*; base-uri 'none'; frame-ancestors 'none'",
  // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on form posts,
  // and the same-origin checks of sign-out and unlink would refuse them.
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
};

/** A date-time in UTC, readable. */
export function when(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

/** "in 59 min" / "3 min ago". */
export function relative(ms: number, now: number): string {
  const d = Math.round((ms - now) / 1000);
  const abs = Math.abs(d);
  const text =
    abs < 90 ? `${abs} s` : abs < 5400 ? `${Math.round(abs / 60)} min` : abs < 172_800 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86_400)} days`;
  return d >= 0 ? `in ${text}` : `${text} ago`;
}
