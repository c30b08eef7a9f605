/**
 * `GET /auth/accounts` → 200 `{ accounts: [{ id, provider, providerName, issuer, subject, scopes,
 * linkedAt, needsReauth, current }], canUnlink }`: the signed-in user's linked accounts, never a
 * token; 401 JSON when signed out.
 *
 * @module
 */
import { accountsOf } from '../accounts.js';
import type { AuthContext } from '../context.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, webShape } from '../http-shapes.js';
import { jsonAnswer } from '../responses.js';
import { signedInGet } from './signed-in.js';

/**
 * The accounts route.
 *
 * @param ctx - the auth context.
 * @param request - the request (`Cookie`, `Authorization`).
 * @returns the accounts as JSON, or the 401.
 * @throws StorageError `STORAGE_UNAVAILABLE`.
 */
export async function serveAccounts(ctx: AuthContext, request: AuthRequest): Promise<AuthAnswer> {
  const session = await signedInGet(ctx, request);
  if (!('user' in session)) return session;
  return jsonAnswer(await accountsOf(ctx, session));
}

/**
 * {@link serveAccounts} over a Web `Request` and `Response`.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @returns the response.
 */
export async function accountsRoute(ctx: AuthContext, request: Request): Promise<Response> {
  return answerToWeb(await serveAccounts(ctx, webShape(request)));
}
