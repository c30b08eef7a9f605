/**
 * The Astro adapter inside the real framework: an Astro 5 app (on-demand rendering) in a
 * temporary directory, served by Astro's dev server (programmatic `dev()`, its request pipeline
 * and middleware chain), end to end against oidc-provider.
 *
 * Astro's own origin check (`security.checkOrigin`, on by default for on-demand pages) refuses
 * every cross-site form post in a built app, the provider's `form_post` callback included (it runs
 * before the app's middleware: `core/base-pipeline.js`). Astro 5's dev server does not turn it on
 * at start-up (its manifest is made before the build output is known), so a dev server cannot show
 * it; the app here turns it off, as the docs say to, and the test shows that the adapter's own
 * check refuses cross-site posts to the app's routes while the provider's reaches the callback.
 *
 * The middleware reaches the adapter through `globalThis` (set by this test before the first
 * request), so Astro's bundler needs no access to this repository's TypeScript sources.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey } from '../../src/adapters/astro.js';
import { makeAuth, startOp } from '../app/support.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { browser, expectSignedOut, signIn, signOut } from './web-frameworks.js';

const FILES: Record<string, string> = {
  'package.json': '{ "private": true, "type": "module" }\n',
  // Astro's origin check would refuse the provider's form_post; the adapter checks the app's routes.
  'astro.config.mjs': "export default { output: 'server', security: { checkOrigin: false }, devToolbar: { enabled: false } };\n",
  'src/middleware.js': 'export const onRequest = (context, next) => globalThis.__latchkeyAstro.onRequest(context, next);\n',
  'src/pages/index.astro': '<p>home</p>\n',
  'src/pages/dashboard.astro': `---
const { user, latchkey } = Astro.locals;
---
<p>{user.email}</p>
<form method="post" action="/auth/logout"><input type="hidden" name="csrfToken" value={latchkey.csrfToken} /><button>Sign out</button></form>
`,
  'src/pages/api/me.js': `export async function GET(context) {
  const user = await globalThis.__latchkeyAstro.requireUser(context);
  return user instanceof Response ? user : Response.json({ user });
}
export const POST = () => Response.json({ posted: true });
`,
  'src/pages/maybe.js': 'export const GET = ({ locals }) => Response.json({ email: locals.user?.email ?? null });\n',
};

interface DevServer {
  address: { port: number };
  stop(): Promise<void>;
}

describe('adapter: astro (real Astro dev server)', () => {
  let dir: string;
  let server: DevServer | undefined;
  let base: string;
  let op: OidcProviderHandle;
  let startMs = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-astro-'));
    for (const [path, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'), 'dir');
    // No telemetry and no update check (both would use the network).
    process.env.ASTRO_TELEMETRY_DISABLED = '1';
    process.env.ASTRO_DISABLE_UPDATE_CHECK = 'true';
    const specifier = 'astro';
    const { dev } = (await import(specifier)) as { dev(o: Record<string, unknown>): Promise<DevServer> };
    const started = Date.now();
    server = await dev({ root: dir, logLevel: 'error', server: { host: '127.0.0.1', port: 0 } });
    startMs = Date.now() - started;
    base = `http://127.0.0.1:${server.address.port}`;
    op = await startOp(base);
    (globalThis as Record<string, unknown>).__latchkeyAstro = latchkey(makeAuth(base, op), { protect: ['/dashboard'] });
  }, 120_000);

  afterAll(async () => {
    console.info(`astro-real: dev server start took ${startMs} ms`);
    await server?.stop();
    await op?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('guards a page (302) and an endpoint (401), and the maybe-user is null, signed out', async () => {
    await expectSignedOut(base);
  }, 60_000);

  it('signs in with the query response, sets context.locals, and signs out with the CSRF token', async () => {
    const ua = browser();
    await signOut(base, ua, await signIn(base, ua, 'op'));
  }, 60_000);

  it('signs in with form_post, and still refuses cross-site form posts to the app routes', async () => {
    const ua = browser();
    const html = await signIn(base, ua, 'op-post');
    const post = (origin: string) =>
      fetch(`${base}/api/me`, { method: 'POST', headers: { origin, 'content-type': 'application/x-www-form-urlencoded' }, body: 'x=1' });
    const forged = await post('http://evil.test');
    expect(forged.status).toBe(403);
    const own = await post(base);
    expect(own.status).toBe(200);
    expect(await own.json()).toEqual({ posted: true });
    await signOut(base, ua, html);
  }, 60_000);
});
