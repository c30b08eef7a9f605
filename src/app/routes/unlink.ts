/**
 * `POST /auth/:provider/unlink` (same-origin + CSRF token, as `POST /auth/logout`; form or JSON body
 * `accountId?`, `returnTo?`) → the user's account of that provider unlinked, its tokens revoked at
 * the provider (best effort): 200 `{ unlinked: { id, provider }, accounts, canUnlink }`, or a 303
 * to `returnTo` for a browser's form. Never the last way in (409 `LAST_LOGIN_METHOD`).
 *
 * @module
 */
import { accountsOf, unlinkProvider } from '../accounts.js';
import type { AuthContext } from '../context.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, webShape } from '../http-shapes.js';
import { doneAnswer, signedInPost } from './signed-in.js';

/**
 * The unlink route.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @param providerId - the provider id from the path.
 * @param body - the body text.
 * @returns the JSON answer or the 303.
 * @throws SessionError `CSRF_FAILED`, `UNAUTHENTICATED`, `BAD_REQUEST`, `RETURN_TO_INVALID`;
 *   AccountError `ACCOUNT_NOT_FOUND`, `LAST_LOGIN_METHOD`; StorageError.
 */
export async function serveUnlink(ctx: AuthContext, request: AuthRequest, providerId: string, body: string): Promise<AuthAnswer> {
  const post = await signedInPost(ctx, request, body, 'Unlinking an account');
  const account = await unlinkProvider(ctx, post.session.user.id, providerId, post.params.get('accountId'), request);
  return doneAnswer(ctx, request, post, { unlinked: { id: account.id, provider: account.providerId }, ...(await accountsOf(ctx, post.session)) });
}

/**
 * {@link serveUnlink} over a Web `Request` and `Response`.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @param url - its URL.
 * @param providerId - the provider id from the path.
 * @param body - the body text.
 * @returns the response.
 */
export async function unlinkRoute(ctx: AuthContext, request: Request, url: URL, providerId: string, body: string): Promise<Response> {
  return answerToWeb(await serveUnlink(ctx, webShape(request, url), providerId, body));
}
