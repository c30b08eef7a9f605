/**
 * The avatar endpoint: `/avatars/<user id>.svg`, the default `picture` of every test user.
 *
 * @module
 */
import type { DevIdpContext } from '../context.js';
import { avatarSvg } from '../pages.js';

/** The path of an avatar; the group is the user id. */
export const AVATAR_PATH = /^\/avatars\/([a-z0-9-]+)\.svg$/;

/**
 * Serves a user's SVG avatar, or a plain 404 for an unknown user or path.
 *
 * @param ctx - the dev IdP context (its users).
 * @param request - the request for `/avatars/<id>.svg`.
 */
export function avatarEndpoint(ctx: DevIdpContext, request: Request): Response {
  const match = AVATAR_PATH.exec(new URL(request.url).pathname);
  const user = match ? ctx.users.get(match[1]!) : undefined;
  if (!user) return new Response('Not found', { status: 404 });
  return new Response(avatarSvg(user), { headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=300' } });
}
