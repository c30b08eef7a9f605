/**
 * The SvelteKit adapter inside the real framework: a SvelteKit 2 app in a temporary directory,
 * built with `vite build` (a child process), served by the built `Server` through
 * `@sveltejs/kit/node` (SvelteKit's production request pipeline, with its CSRF origin check, which
 * the dev server skips), end to end against oidc-provider.
 *
 * The hook reaches the adapter through `globalThis` (set by this test before the first request):
 * the build then needs no access to this repository's TypeScript sources, while the requests,
 * routing, `event.locals`, pages and responses are SvelteKit's own.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey } from '../../src/adapters/sveltekit.js';
import { listen, makeAuth, type RpServer, startOp } from '../app/support.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { browser, expectSignedOut, signIn, signOut } from './web-frameworks.js';

const FILES: Record<string, string> = {
  'package.json': '{ "private": true, "type": "module" }\n',
  'vite.config.js': "import { sveltekit } from '@sveltejs/kit/vite';\nexport default { plugins: [sveltekit()], logLevel: 'warn' };\n",
  'src/app.html': '<!doctype html><html><head>%sveltekit.head%</head><body>%sveltekit.body%</body></html>\n',
  'src/hooks.server.js': 'export const handle = (input) => globalThis.__latchkeySvelteKit.handle(input);\n',
  'src/routes/+page.svelte': '<p>home</p>\n',
  'src/routes/dashboard/+page.server.js':
    'export const load = ({ locals }) => ({ email: locals.user.email, csrfToken: locals.latchkey.csrfToken });\nexport const actions = { default: () => ({ ok: true }) };\n',
  'src/routes/dashboard/+page.svelte': `<script>let { data } = $props();</script>
<p>{data.email}</p>
<form method="post" action="/auth/logout"><input type="hidden" name="csrfToken" value={data.csrfToken}><button>Sign out</button></form>
`,
  'src/routes/api/me/+server.js': `import { json } from '@sveltejs/kit';
export async function GET(event) {
  const user = await globalThis.__latchkeySvelteKit.requireUser(event);
  return user instanceof Response ? user : json({ user });
}
`,
  'src/routes/maybe/+server.js': "import { json } from '@sveltejs/kit';\nexport const GET = ({ locals }) => json({ email: locals.user?.email ?? null });\n",
};

interface KitServer {
  init(options: { env: Record<string, string> }): Promise<void>;
  respond(request: Request, options: { getClientAddress(): string }): Promise<Response>;
}

describe('adapter: sveltekit (real SvelteKit build and Server)', () => {
  let dir: string;
  let rp: RpServer;
  let op: OidcProviderHandle;
  let buildMs = 0;

  beforeAll(async () => {
    let handle: http.RequestListener | undefined;
    rp = await listen(() => (req, res) => handle!(req, res));
    op = await startOp(rp.base);
    dir = mkdtempSync(join(tmpdir(), 'latchkey-kit-'));
    // form_post: the provider's page posts the callback cross-site; SvelteKit refuses that unless
    // the provider's origin is trusted (its CSRF check; Latchkey checks the state itself).
    const files = { ...FILES, 'svelte.config.js': `export default { kit: { csrf: { trustedOrigins: [${JSON.stringify(new URL(op.issuer).origin)}] } } };\n` };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'), 'dir');
    const started = Date.now();
    execFileSync(process.execPath, [join(process.cwd(), 'node_modules/vite/bin/vite.js'), 'build'], { cwd: dir, stdio: 'pipe', timeout: 120_000 });
    buildMs = Date.now() - started;
    const auth = makeAuth(rp.base, op);
    (globalThis as Record<string, unknown>).__latchkeySvelteKit = latchkey(auth, { protect: ['/dashboard'] });
    const out = join(dir, '.svelte-kit/output/server');
    const { Server } = (await import(pathToFileURL(join(out, 'index.js')).href)) as { Server: new (manifest: unknown) => KitServer };
    const { manifest } = (await import(pathToFileURL(join(out, 'manifest.js')).href)) as { manifest: unknown };
    const server = new Server(manifest);
    await server.init({ env: {} });
    const node = '@sveltejs/kit/node';
    const { getRequest, setResponse } = (await import(node)) as {
      getRequest(o: { request: http.IncomingMessage; base: string; bodySizeLimit: number }): Promise<Request>;
      setResponse(res: http.ServerResponse, response: Response): Promise<void>;
    };
    handle = (req, res) =>
      (async () => {
        const request = await getRequest({ request: req, base: rp.base, bodySizeLimit: 512 * 1024 });
        await setResponse(res, await server.respond(request, { getClientAddress: () => '127.0.0.1' }));
      })().catch(() => {
        // a body over the limit or a client that went away: what adapter-node answers
        if (!res.headersSent) res.writeHead(400).end();
        else res.destroy();
      });
  }, 180_000);

  afterAll(async () => {
    console.info(`sveltekit-real: vite build took ${buildMs} ms`);
    await rp?.close();
    await op?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('guards a page (302) and an endpoint (401), and the maybe-user is null, signed out', async () => {
    await expectSignedOut(rp.base);
  });

  it('answers a client-side navigation data request with SvelteKit redirect instruction, not a 401', async () => {
    const r = await fetch(`${rp.base}/dashboard/__data.json`, { headers: { 'sec-fetch-mode': 'cors', accept: '*/*' } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ type: 'redirect', location: '/auth/login?returnTo=%2Fdashboard' });
  });

  it('signs in with the query response, sets event.locals, and signs out with the CSRF token', async () => {
    const ua = browser();
    const html = await signIn(rp.base, ua, 'op');
    await signOut(rp.base, ua, html);
  }, 60_000);

  it('signs in with form_post (a cross-site POST from the trusted provider origin)', async () => {
    const ua = browser();
    const html = await signIn(rp.base, ua, 'op-post');
    // SvelteKit's own CSRF check is still on for the app's routes: another site's form is refused.
    const forged = await fetch(`${rp.base}/dashboard`, {
      method: 'POST',
      headers: { origin: 'http://evil.test', 'content-type': 'application/x-www-form-urlencoded', cookie: ua.cookieHeader(rp.base) },
      body: 'x=1',
    });
    expect(forged.status).toBe(403);
    await signOut(rp.base, ua, html);
  }, 60_000);
});
