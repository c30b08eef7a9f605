/**
 * Browser sessions at the dev IdP: finding the one a request's cookie names, the cookie itself, and
 * ending a session with OpenID Connect Back-Channel Logout 1.0 delivery to its clients (from the
 * end-session endpoint, and from the `logoutUser()` control for OP-initiated logout).
 *
 * @module
 */
import { httpRequest } from '../core/http.js';
import { isLatchkeyError } from '../errors.js';
import { randomToken } from '../internal/encoding.js';
import type { DevIdpContext } from './context.js';
import type { ResolvedInstance } from './instances.js';
import { parseCookies } from './request-helpers.js';
import type { BrowserSession } from './store.js';

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const MAX_DELIVERIES_KEPT = 1000;

/**
 * The browser session the request's cookie names at this flavor, if it exists and its user still does.
 *
 * @param ctx - the dev IdP context.
 * @param request - the request carrying the `lkdev_<flavor>` cookie.
 * @param resolved - the flavor instance the request landed on.
 */
export function currentSession(ctx: DevIdpContext, request: Request, resolved: ResolvedInstance): BrowserSession | undefined {
  const id = parseCookies(request.headers.get('cookie'))[resolved.cookieName];
  const session = id === undefined ? undefined : ctx.store.sessions.get(id);
  if (!session || session.flavor !== resolved.instance.flavor.name || ctx.users.get(session.userId) === undefined) return undefined;
  return session;
}

/**
 * The `Set-Cookie` value that sets (or, with `undefined`, clears) the browser-session cookie.
 *
 * @param resolved - the flavor instance whose cookie it is.
 * @param sessionId - the session id, or `undefined` to clear the cookie.
 */
export function sessionCookie(resolved: ResolvedInstance, sessionId: string | undefined): string {
  const base = `${resolved.cookieName}=${sessionId ?? ''}; Path=${resolved.cookiePath}; HttpOnly; SameSite=Lax`;
  return sessionId === undefined ? `${base}; Max-Age=0` : base;
}

/**
 * Ends a browser session and POSTs a logout token to every client of it that registered a
 * back-channel logout URI; each attempt is recorded in `ctx.logoutDeliveries` (no token kept).
 *
 * @param ctx - the dev IdP context.
 * @param session - the session to end.
 */
export async function endBrowserSession(ctx: DevIdpContext, session: BrowserSession): Promise<void> {
  ctx.store.sessions.delete(session.id);
  const user = ctx.users.get(session.userId);
  const flavor = ctx.flavors[session.flavor];
  if (!user) return;
  await Promise.all(
    [...session.clients].map(async ([clientId, issuer]) => {
      const uri = ctx.clients.get(clientId)?.backchannel_logout_uri;
      if (uri === undefined) return;
      const iat = ctx.nowSeconds();
      // Back-Channel Logout 1.0 §2.4: iss, aud, iat, exp, jti, events, sid and sub; never a nonce.
      const logoutToken = await ctx.keys.sign(
        {
          iss: issuer,
          aud: clientId,
          iat,
          exp: iat + 120,
          jti: randomToken(16),
          sub: await flavor.subject(user, clientId),
          sid: session.id,
          events: { [BACKCHANNEL_EVENT]: {} },
        },
        'logout+jwt',
      );
      let status = 0;
      try {
        const res = await httpRequest(
          { url: uri, method: 'POST', body: new URLSearchParams({ logout_token: logoutToken }), expect: 'any', okStatuses: [200, 204] },
          { timeoutMs: 5000 },
        );
        status = res.status;
      } catch (e) {
        status = isLatchkeyError(e) && e.response ? e.response.status : 0;
      }
      ctx.logoutDeliveries.push({ clientId, uri, sid: session.id, status, ok: status === 200 || status === 204 });
      if (ctx.logoutDeliveries.length > MAX_DELIVERIES_KEPT) ctx.logoutDeliveries.shift();
    }),
  );
}

/**
 * OP-initiated logout: ends every browser session of a user, with back-channel delivery.
 *
 * @param ctx - the dev IdP context.
 * @param userId - the user whose sessions end.
 * @returns the number of sessions ended.
 */
export async function logoutUser(ctx: DevIdpContext, userId: string): Promise<number> {
  const sessions = [...ctx.store.sessions.values()].filter((s) => s.userId === userId);
  for (const s of sessions) await endBrowserSession(ctx, s);
  return sessions.length;
}
