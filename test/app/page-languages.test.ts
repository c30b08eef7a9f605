/**
 * Issue 16, part 5: the built-in pages in the user's language (`Accept-Language`, RFC 9110 §12.5.4,
 * RFC 4647 §3.4 lookup), the app's own words and added languages, and the app's own renderer for one
 * page while the others stay built in; over HTTP against a real sign-in at oidc-provider.
 */
import type http from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { latchkey } from '../../src/adapters/express.js';
import { pickLanguage } from '../../src/app/i18n/negotiate.js';
import { type PageOptions, resolvePages } from '../../src/app/page-options.js';
import { ConfigurationError } from '../../src/errors.js';
import { rpWithOp } from './rp-with-op.js';
import { login, makeAuth, UserAgent } from './support.js';

const OFFERED = new Set(['en', 'de', 'fr', 'es', 'ja', 'pt-br']);

const CUSTOM: PageOptions = {
  texts: { 'pt-BR': { chooserTitle: 'Entrar', signInWith: 'Entrar com {provider}' }, de: { backHome: 'Zurück nach Hause' } },
  render: {
    signedOut: (data, page) =>
      `<!doctype html><html lang="${page.lang}"><title>out</title><main id="own">${page.texts.signedOutHeading}|${data.signInHref}</main>`,
    error: () => {
      throw new Error('a broken renderer');
    },
  },
};

const live = rpWithOp(async (base, op) => {
  const app = express();
  app.use(latchkey(makeAuth(base, op)).router);
  app.use(latchkey(makeAuth(base, op, { basePath: '/custom', cookieName: 'lkc', pages: CUSTOM })).router);
  return { listener: app as unknown as http.RequestListener };
});

async function page(path: string, language: string | undefined, accept = 'text/html'): Promise<{ status: number; html: string; headers: Headers }> {
  const headers: Record<string, string> = { accept };
  if (language !== undefined) headers['accept-language'] = language;
  const r = await fetch(`${live.rp.base}${path}`, { headers, redirect: 'manual' });
  return { status: r.status, html: await r.text(), headers: r.headers };
}

describe('Accept-Language negotiation (RFC 9110 §12.5.4, RFC 4647 §3.4 lookup)', () => {
  it('takes the best weight first and shortens a range subtag by subtag', () => {
    expect(pickLanguage('de-CH, fr;q=0.5', OFFERED, 'en')).toBe('de');
    expect(pickLanguage('fr;q=0.5, ja;q=0.9', OFFERED, 'en')).toBe('ja');
    expect(pickLanguage('zz, es-419;q=0.8', OFFERED, 'en')).toBe('es');
    expect(pickLanguage('pt-BR', OFFERED, 'en')).toBe('pt-br');
    expect(pickLanguage('PT-br', OFFERED, 'en')).toBe('pt-br');
    expect(pickLanguage('pt', OFFERED, 'en')).toBe('en');
  });
  it('honours q=0 as "not acceptable", `*` as the default, equal weights in order', () => {
    expect(pickLanguage('de;q=0, fr', OFFERED, 'en')).toBe('fr');
    expect(pickLanguage('zz, *;q=0.5, de;q=0.1', OFFERED, 'en')).toBe('en');
    expect(pickLanguage('fr;q=0.7, es;q=0.7', OFFERED, 'en')).toBe('fr');
  });
  it('skips malformed members and reads a hostile header boundedly', () => {
    expect(pickLanguage('de;q=2, fr;q=abc, 12, es', OFFERED, 'en')).toBe('es');
    expect(pickLanguage(`${'x-'.repeat(50_000)}, de`, OFFERED, 'en')).toBe('en');
    expect(pickLanguage(`${'zz,'.repeat(40)}de`, OFFERED, 'en')).toBe('en');
    expect(pickLanguage('', OFFERED, 'ja')).toBe('ja');
    expect(pickLanguage(null, OFFERED, 'ja')).toBe('ja');
  });
});

describe('the built-in pages in five languages', () => {
  it('the chooser: German for a Swiss German browser, Japanese, English by default', async () => {
    const de = await page('/auth/login', 'de-CH, fr;q=0.5');
    expect(de.status).toBe(200);
    expect(de.html).toContain('<html lang="de">');
    expect(de.html).toContain('<h1>Anmelden</h1>');
    expect(de.html).toContain('Mit Test OP anmelden');
    expect(de.headers.get('content-language')).toBe('de');
    const ja = await page('/auth/login', 'ja-JP,ja;q=0.9,en;q=0.8');
    expect(ja.html).toContain('Test OP でログイン');
    const none = await page('/auth/login', undefined);
    expect(none.html).toContain('<html lang="en">');
    expect(none.html).toContain('Sign in with Test OP');
  });

  it('an error page and a JSON error message in the request language, never the English words', async () => {
    const fr = await page('/auth/op/callback?state=s&code=c', 'fr-FR');
    expect(fr.status).toBe(400);
    expect(fr.html).toContain('<html lang="fr">');
    expect(fr.html).toContain('Connexion expirée');
    expect(fr.html).toContain('Retour à l’accueil');
    expect(fr.html).not.toContain('Sign-in expired');
    const es = await page('/auth/op/callback?state=s&code=c', 'es', 'application/json');
    expect(es.status).toBe(400);
    expect((JSON.parse(es.html) as { message: string }).message).toBe(
      'Este inicio de sesión tardó demasiado o se empezó en otro navegador o pestaña. Vuelve a iniciar sesión.',
    );
  });

  it('the sign-out confirmation and the signed-out page', async () => {
    const ua = new UserAgent();
    await login(ua, live.rp.base, '/');
    const r = await fetch(`${live.rp.base}/auth/logout`, { headers: { accept: 'text/html', 'accept-language': 'es', cookie: ua.cookieHeader(live.rp.base) } });
    const html = await r.text();
    expect(html).toContain('<h1>¿Cerrar sesión?</h1>');
    expect(html).toMatch(/Has iniciado sesión como <strong>[^<]+<\/strong>\./);
    expect(html).toContain('<button type="submit">Cerrar sesión</button>');
    const out = await page('/auth/logout', 'ja');
    expect(out.html).toContain('<h1>ログアウトしました</h1>');
    expect(out.html).toContain('もう一度ログイン');
  });

  it('the form_post re-post page', async () => {
    const r = await fetch(`${live.rp.base}/auth/op-post/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'accept-language': 'de' },
      body: 'state=abc&code=xyz',
    });
    const html = await r.text();
    expect(r.status).toBe(200);
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('<button type="submit">Anmeldung fortsetzen</button>');
    expect(html).toContain('<input type="hidden" name="lk_repost" value="1">');
  });
});

describe("the app's own words and pages", () => {
  it('an added language and a replaced word; the rest stays built in', async () => {
    const pt = await page('/custom/login', 'pt-BR');
    expect(pt.html).toContain('<html lang="pt-br">');
    expect(pt.html).toContain('Entrar com Test OP');
    const de = await page('/custom/op/callback?state=s&code=c', 'de');
    expect(de.html).toContain('Zurück nach Hause');
    expect(de.html).toContain('Anmeldung abgelaufen');
  });

  it("one page replaced by the app's renderer, under a nonce policy; a throwing error renderer falls back", async () => {
    const out = await page('/custom/logout', 'fr');
    expect(out.status).toBe(200);
    expect(out.html).toBe('<!doctype html><html lang="fr"><title>out</title><main id="own">Votre session est fermée|/custom/login</main>');
    expect(out.headers.get('content-security-policy')).toMatch(/^default-src 'self'; script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}'/);
    expect(out.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const error = await page('/custom/op/callback?state=s&code=c', 'en');
    expect(error.status).toBe(400);
    expect(error.html).toContain('Sign-in expired');
    const chooser = await page('/custom/login', 'en');
    expect(chooser.html).toContain('Sign in with Test OP');
  });

  it('refuses a mistaken `pages` option at start-up, naming it', () => {
    const refused = (options: PageOptions, words: RegExp): void => {
      expect(() => resolvePages(options)).toThrow(ConfigurationError);
      expect(() => resolvePages(options)).toThrow(words);
    };
    refused({ texts: { de: { signInWith: 'Anmelden' } } }, /pages\.texts\.de\.signInWith.*\{provider\}/);
    refused({ texts: { de: { sigInWith: 'x' } as never } }, /sigInWith` is not a text/);
    refused({ texts: { de: { errors: { expird: { title: 'a', message: 'b' } } as never } } }, /expird` is not a situation/);
    refused({ languages: ['en', 'it'] }, /"it", which has no built-in words/);
    refused({ defaultLanguage: 'ja', languages: ['en'] }, /defaultLanguage` "ja" is not one of/);
    refused({ languages: ['en_US'] }, /not a language tag/);
    refused({ render: { chooser: 'html' as never } }, /render\.chooser` must be a function/);
    refused({ render: { home: () => '' } as never }, /render\.home` is not a page/);
  });
});
