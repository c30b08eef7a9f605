/**
 * The sign-in page's own endpoint, `<prefix>/interaction/<id>`: GET shows the page again; POST takes
 * its forms: sign in as a user (optionally slowly), continue the current session, deny consent,
 * simulate a server error, or add a user (Post/Redirect/Get back to the page).
 *
 * @module
 */
import { authorizationResponse, completeAuthorization, isSessionFresh, renderSignIn, responseModeOf } from '../authorization.js';
import { currentSession, sessionCookie } from '../browser-sessions.js';
import type { DevIdpContext } from '../context.js';
import type { ResolvedInstance } from '../instances.js';
import { errorPage, htmlResponse } from '../pages.js';
import { readParams, sleep } from '../request-helpers.js';
import type { BrowserSession, Interaction } from '../store.js';

/** The path of an interaction, relative to the instance prefix; the group is its id. */
export const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]{1,64})$/;

/** Adds the user the sign-in page's "add a user" form describes, then shows the page again. */
function addUserFromForm(
  ctx: DevIdpContext,
  resolved: ResolvedInstance,
  interaction: Interaction,
  form: Record<string, string>,
  freshSession: BrowserSession | undefined,
): Response {
  const name = (form.name ?? '').trim().slice(0, 80);
  const email = (form.email ?? '').trim().slice(0, 120);
  if (!name) return renderSignIn(ctx, resolved, interaction, freshSession, 'A name is required to add a user.');
  if (email !== '' && !/^[^\s@]+@[^\s@]+$/.test(email))
    return renderSignIn(ctx, resolved, interaction, freshSession, 'That email address does not look valid.');
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'user';
  let userId = slug;
  for (let n = 2; ctx.users.get(userId) !== undefined && n < 1000; n++) userId = `${slug}-${n}`;
  const parts = name.split(/\s+/);
  ctx.users.add({
    id: userId,
    name,
    givenName: parts[0]!,
    ...(parts.length > 1 ? { familyName: parts.slice(1).join(' ') } : {}),
    email: email === '' ? null : email,
    emailVerified: form.email_verified === '1' || form.email_verified === 'on',
  });
  // Post/Redirect/Get back to the page.
  return new Response(null, { status: 303, headers: { location: `${resolved.instance.prefix}/interaction/${interaction.id}`, 'cache-control': 'no-store' } });
}

/**
 * Handles the sign-in page: GET renders it, POST takes one of its forms.
 *
 * @param ctx - the dev IdP context.
 * @param request - the request for `<prefix>/interaction/<id>`.
 * @param resolved - the flavor instance (its `rest` holds the interaction id).
 * @returns the page, a redirect or form_post to the client, a 303 after adding a user, or an error page.
 */
export async function interactionEndpoint(ctx: DevIdpContext, request: Request, resolved: ResolvedInstance): Promise<Response> {
  const id = INTERACTION_PATH.exec(resolved.rest)?.[1];
  const interaction = id === undefined ? undefined : ctx.store.getInteraction(id);
  if (!interaction || interaction.prefix !== resolved.instance.prefix) {
    return htmlResponse(errorPage('invalid_request', 'This sign-in page has expired or was already used; start the sign-in again.'), 400);
  }
  const session = currentSession(ctx, request, resolved);
  const freshSession = isSessionFresh(ctx, session, interaction.params) ? session : undefined;
  if (request.method === 'GET') return renderSignIn(ctx, resolved, interaction, freshSession);
  if (request.method !== 'POST') return new Response(null, { status: 405, headers: { allow: 'GET, POST' } });
  const form = (await readParams(request)) ?? {};
  const responseMode = responseModeOf(interaction.params);
  const state: Record<string, string> = interaction.params.state === undefined ? {} : { state: interaction.params.state };
  const action = form.action ?? 'login';

  if (action === 'add-user') return addUserFromForm(ctx, resolved, interaction, form, freshSession);

  // Every other action ends the interaction (one-time).
  ctx.store.interactions.delete(interaction.id);
  if (action === 'deny') {
    return authorizationResponse(resolved, interaction.redirectUri, responseMode, {
      error: 'access_denied',
      error_description: 'The user denied the request.',
      ...state,
    });
  }
  if (action === 'server-error') {
    return authorizationResponse(resolved, interaction.redirectUri, responseMode, {
      error: 'server_error',
      error_description: 'Simulated server error.',
      ...state,
    });
  }
  if (action === 'continue') {
    if (!freshSession) return htmlResponse(errorPage('login_required', 'The session has ended; start the sign-in again.'), 400);
    return completeAuthorization(ctx, resolved, interaction, freshSession, ctx.users.get(freshSession.userId)!, {});
  }
  const user = form.user === undefined ? undefined : ctx.users.get(form.user);
  if (!user) return htmlResponse(errorPage('invalid_request', 'Unknown user; start the sign-in again.'), 400);
  if (form.slow === '1') await sleep(ctx.slowMs);
  const newSession = ctx.store.createSession(resolved.instance.flavor.name, user.id);
  if (session && session.userId !== user.id) ctx.store.sessions.delete(session.id);
  return completeAuthorization(ctx, resolved, interaction, newSession, user, { 'set-cookie': sessionCookie(resolved, newSession.id) });
}
