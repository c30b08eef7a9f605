/**
 * `state` is checked in exactly one place: the protocol core (RFC 6749 §10.12, RFC 9700 §4.7.1),
 * with one replay memory, the client's (RFC 9700 §4.2.4). The app's transaction cookie only finds
 * and decrypts the transaction: opening the same cookie twice gives the same transaction, and a
 * cookie carrying another login's state is handed over as is, for the core to refuse.
 */
import { describe, expect, it } from 'vitest';
import { type AuthContext, createAuthContext } from '../../src/app/context.js';
import { callbackRoute } from '../../src/app/routes/callback.js';
import { loginRoute } from '../../src/app/routes/login.js';
import { routeFixture } from './route-fixture.js';
import { opProvider, SECRET_A, UserAgent } from './support.js';

describe('one state check, one replay memory (the core)', () => {
  const fx = routeFixture();

  /** A login through the login route and the OP, stopped at the callback: its URL and the browser's cookies. */
  async function startLogin(on: AuthContext = fx.ctx): Promise<{ callbackUrl: URL; cookie: string; state: string }> {
    const loginUrl = new URL(`${fx.rp.base}/auth/op/login`);
    const started = await loginRoute(on, new Request(loginUrl), loginUrl, 'op');
    const ua = new UserAgent();
    for (const c of started.headers.getSetCookie()) ua.setCookie(c, fx.rp.base);
    const atOp = await ua.navigate(started.headers.get('location')!, { stop: (u) => u.startsWith(fx.rp.base) });
    expect(atOp.url.startsWith(`${fx.rp.base}/auth/op/callback?`)).toBe(true);
    const callbackUrl = new URL(atOp.url);
    return { callbackUrl, cookie: ua.cookieHeader(callbackUrl), state: callbackUrl.searchParams.get('state')! };
  }

  const callback = (url: URL, cookie: string, on: AuthContext = fx.ctx): Promise<Response> =>
    callbackRoute(on, new Request(url, { headers: { cookie, accept: 'application/json' } }), url, 'op', '');

  it('the transaction cookie keeps no memory: the same cookie opens to the same transaction twice', async () => {
    const { cookie, state } = await startLogin();
    const first = await fx.ctx.transactions.open('op', state, cookie);
    const second = await fx.ctx.transactions.open('op', state, cookie);
    expect(second).toEqual(first);
    expect(first.transaction.state).toBe(state);
  });

  it('a replayed callback, its cookie copied back, is refused by the core memory (STATE_MISMATCH, "already used")', async () => {
    const { callbackUrl, cookie } = await startLogin();
    const done = await callback(callbackUrl, cookie);
    expect(done.status).toBe(302);
    const again = await callback(callbackUrl, cookie);
    expect(again.status).toBe(400);
    const body = (await again.json()) as { code: string; message: string };
    expect(body.code).toBe('STATE_MISMATCH');
    expect(body.message).toMatch(/already used/);
    // The transaction cookie is still cleared with the refusal.
    expect(again.headers.getSetCookie().some((c) => c.startsWith(`${fx.ctx.transactions.cookieName(callbackUrl.searchParams.get('state')!)}=;`))).toBe(true);
  });

  it("a cookie carrying another login's transaction is opened as is; the core's state check refuses it", async () => {
    const a = await startLogin();
    const b = await startLogin();
    const bValue = b.cookie.slice(b.cookie.indexOf('=') + 1);
    const forged = `${fx.ctx.transactions.cookieName(a.state)}=${bValue}`;
    // The app only finds and decrypts: no state comparison there.
    expect((await fx.ctx.transactions.open('op', a.state, forged)).transaction.state).toBe(b.state);
    const refused = await callback(a.callbackUrl, forged);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 'STATE_MISMATCH' });
    // B's own login is untouched by that attempt: its state was never marked used.
    expect((await callback(b.callbackUrl, b.cookie)).status).toBe(302);
  });

  it('the core memory keeps a used state as long as the app accepts its transaction (loginTimeoutSeconds)', async () => {
    let now = Date.now();
    const long = createAuthContext({
      baseUrl: fx.rp.base,
      secret: SECRET_A,
      providers: [opProvider(fx.op.issuer)],
      loginTimeoutSeconds: 7200,
      clock: () => now,
      development: true,
      logger: () => {},
    });
    const { callbackUrl, cookie } = await startLogin(long);
    expect((await callback(callbackUrl, cookie, long)).status).toBe(302);
    // 90 minutes on: the copied transaction cookie is still within its 2 hours, so the state must still be remembered.
    now += 90 * 60_000;
    const again = await callback(callbackUrl, cookie, long);
    expect(again.status).toBe(400);
    const body = (await again.json()) as { code: string; message: string };
    expect(body.code).toBe('STATE_MISMATCH');
    expect(body.message).toMatch(/already used/);
  });
});
