/**
 * The Next.js adapter inside the real framework: a Next 15 dev server (programmatic `next()`, App
 * Router) in a temporary directory, with `app/api/auth/[...latchkey]/route.js` exporting the
 * adapter's handlers and a guarded `app/api/me/route.js`, end to end against oidc-provider.
 *
 * The route files reach the adapter through `globalThis` (set by this test before Next compiles
 * them): Next's bundler then needs no access to this repository's TypeScript sources, while the
 * requests, `NextRequest` objects, routing and responses are Next's own.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey } from '../../src/adapters/next.js';
import type { Auth } from '../../src/app/create-auth.js';
import { listen, login, logout, makeAuth, type RpServer, sessionOf, startOp, UserAgent } from '../app/support.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { rawRequest } from './raw-http.js';

interface NextApp {
  prepare(): Promise<void>;
  getRequestHandler(): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  close(): Promise<void>;
}

const AUTH_ROUTE = `export const dynamic = 'force-dynamic';
const lk = () => globalThis.__latchkeyNextTest;
export function GET(request) { return lk().routes.GET(request); }
export function POST(request) { return lk().routes.POST(request); }
export function OPTIONS(request) { return lk().routes.OPTIONS(request); }
export function HEAD(request) { return lk().routes.HEAD(request); }
export function PUT(request) { return lk().routes.PUT(request); }
export function PATCH(request) { return lk().routes.PATCH(request); }
export function DELETE(request) { return lk().routes.DELETE(request); }
`;
const ME_ROUTE = `export const dynamic = 'force-dynamic';
export async function GET(request) {
  const user = await globalThis.__latchkeyNextTest.auth.requireUser(request);
  return user instanceof Response ? user : Response.json({ user });
}
`;

describe('adapter: next (real Next.js dev server)', () => {
  let dir: string;
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let app: NextApp | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-next-'));
    mkdirSync(join(dir, 'app/api/auth/[...latchkey]'), { recursive: true });
    mkdirSync(join(dir, 'app/api/me'), { recursive: true });
    writeFileSync(join(dir, 'app/api/auth/[...latchkey]/route.js'), AUTH_ROUTE);
    writeFileSync(join(dir, 'app/api/me/route.js'), ME_ROUTE);
    writeFileSync(join(dir, 'next.config.mjs'), 'export default { eslint: { ignoreDuringBuilds: true } };\n');
    writeFileSync(join(dir, 'package.json'), '{ "private": true, "type": "module" }\n');
    // Next resolves itself (and react) from the app directory.
    symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'), 'dir');
    let handle: ((req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>) | undefined;
    rp = await listen(() => (req, res) => void handle!(req, res));
    op = await startOp(rp.base, undefined, '/api/auth');
    auth = makeAuth(rp.base, op, { basePath: '/api/auth' });
    (globalThis as Record<string, unknown>).__latchkeyNextTest = { auth, routes: latchkey(auth) };
    // No lockfile patching (it needs the network) and no telemetry.
    process.env.NEXT_IGNORE_INCORRECT_LOCKFILE = '1';
    process.env.NEXT_TELEMETRY_DISABLED = '1';
    const specifier = 'next';
    const next = ((await import(specifier)) as { default: (o: Record<string, unknown>) => NextApp }).default;
    app = next({ dev: true, dir, hostname: '127.0.0.1', port: Number(new URL(rp.base).port), quiet: true });
    await app.prepare();
    handle = app.getRequestHandler();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await rp?.close();
    await op?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, guards a route handler and logs out through Next.js', async () => {
    const ua = new UserAgent();
    const r = await login(ua, rp.base, '/api/me', 'op', '/api/auth');
    expect(r.url).toBe(`${rp.base}/api/me`);
    const s = await sessionOf(ua, rp.base, '/api/auth');
    expect(s.status).toBe(200);
    const me = await fetch(`${rp.base}/api/me`, { headers: { cookie: ua.cookieHeader(rp.base) } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe('alice@example.test');
    const anonymous = await fetch(`${rp.base}/api/me`, { headers: { accept: 'application/json' } });
    expect(anonymous.status).toBe(401);
    const out = await logout(ua, rp.base, '?federated=1', '/api/auth');
    expect(out.url).toBe(`${rp.base}/`);
    expect((await sessionOf(ua, rp.base, '/api/auth')).status).toBe(401);
  }, 120_000);

  it('answers the methods a route does not serve with 405 and Allow, and bodies over 64 KB with 413', async () => {
    const port = Number(new URL(rp.base).port);
    const req = (method: string, path: string, extra = ''): string =>
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: application/json\r\n${extra}\r\n`;
    for (const method of ['PUT', 'PATCH', 'DELETE', 'HEAD']) {
      const r = await rawRequest(port, req(method, '/api/auth/session', 'Content-Length: 0\r\n'), { timeoutMs: 30_000 });
      expect({ method, status: r.status, allow: r.headers.allow }).toEqual({ method, status: 405, allow: 'GET, OPTIONS' });
    }
    const form = 'Content-Type: application/x-www-form-urlencoded\r\n';
    const declared = await rawRequest(port, req('POST', '/api/auth/op/callback', `${form}Content-Length: ${50 * 1024 * 1024}\r\n`), {
      body: 'state=',
      timeoutMs: 30_000,
    });
    expect(declared.status).toBe(413);
    const chunked = await rawRequest(port, req('POST', '/api/auth/op/callback', `${form}Transfer-Encoding: chunked\r\n`), {
      chunked: { chunks: 64, chunkBytes: 16 * 1024 },
      timeoutMs: 30_000,
    });
    expect(chunked.status).toBe(413);
    expect((await sessionOf(new UserAgent(), rp.base, '/api/auth')).status).toBe(401);
  }, 120_000);
});
