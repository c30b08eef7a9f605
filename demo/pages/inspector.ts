/** The flow inspector page (development only): the last sign-ins, step by step, redacted. */
import type { Flow } from '../inspector.js';
import { esc, layout, type PageContext, when } from './layout.js';

const MARK = { ok: '✓ passed', fail: '✗ failed', info: '•' } as const;

/** Renders the inspector page. */
export function inspectorPage(ctx: PageContext, flows: readonly Flow[], names: ReadonlyMap<string, string>): string {
  const items = flows
    .map((f) => {
      const outcome =
        f.outcome === 'signed-in'
          ? '<span class="badge ok">signed in</span>'
          : f.outcome === 'signed-out'
            ? '<span class="badge ok">signed out</span>'
            : f.outcome === 'failed'
              ? '<span class="badge bad">failed</span>'
              : '<span class="badge muted">in progress</span>';
      const steps = f.steps
        .map(
          (s) =>
            `<li class="${s.status}"><span class="st ${s.status}">${MARK[s.status]}</span><strong>${esc(s.title)}</strong> <span class="muted">+${s.at - f.startedAt} ms</span>${
              s.details.length > 0
                ? `<dl class="kv" style="margin-top:.4rem">${s.details.map(([k, v]) => `<dt>${esc(k)}</dt><dd><code>${esc(v)}</code></dd>`).join('')}</dl>`
                : ''
            }</li>`,
        )
        .join('');
      return `<section class="card" aria-labelledby="flow-${f.id}" data-flow="${esc(f.providerId)}" data-outcome="${f.outcome}">
<h2 id="flow-${f.id}">#${f.id} ${esc(f.kind === 'link' ? 'Link' : f.kind === 'logout' ? 'Sign-out' : 'Sign-in')} with ${esc(names.get(f.providerId) ?? f.providerId)} ${outcome}</h2>
<p class="muted">Started ${esc(when(f.startedAt))}</p><ol class="steps">${steps}</ol></section>`;
    })
    .join('');
  const content = `<h1>Flow inspector</h1>
<p class="lead">The last sign-ins, step by step: the redirect to the provider, the callback, every request to the provider and every check. Development only; codes, tokens, secrets, <code>state</code>, <code>nonce</code> and PKCE values are redacted (only their length is kept).</p>
${items || '<div class="card"><p>No sign-in yet. <a href="/">Sign in</a> and come back.</p></div>'}`;
  return layout('Flow inspector', ctx, content);
}
