/**
 * What the authorization endpoint and the sign-in page's form posts share: the sign-in page, whether
 * a browser session is fresh enough to reuse, issuing the code, and sending the authorization
 * response (success or error) by the requested response mode.
 *
 * @module
 */
import type { DevIdpContext } from './context.js';
import { avatarUrl, type ResolvedInstance } from './instances.js';
import { formPostPage, htmlResponse, signInPage } from './pages.js';
import { splitScopes } from './request-helpers.js';
import type { BrowserSession, Interaction } from './store.js';
import type { DevUser } from './types.js';

/**
 * The response mode an authorization request asked for (anything but `form_post` means `query`).
 *
 * @param params - the authorization request parameters.
 */
export function responseModeOf(params: Readonly<Record<string, string>>): 'form_post' | 'query' {
  return params.response_mode === 'form_post' ? 'form_post' : 'query';
}

/**
 * Sends an authorization response (success or error) by the requested response mode, with RFC 9207 `iss`.
 *
 * @param resolved - the flavor instance answering.
 * @param redirectUri - the client's (checked) redirect URI.
 * @param responseMode - `query` (a 302) or `form_post` (an auto-submitting page).
 * @param params - the response parameters (`code`, `state`, or `error`, `error_description`, ...).
 * @param headers - extra headers, e.g. the session cookie.
 */
export function authorizationResponse(
  resolved: ResolvedInstance,
  redirectUri: string,
  responseMode: 'form_post' | 'query',
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Response {
  const out = { ...params };
  // RFC 9207 §2: the iss parameter on every authorization response, errors included.
  if (resolved.instance.flavor.issParameter) out.iss = resolved.instance.issuer;
  if (responseMode === 'form_post') return htmlResponse(formPostPage(redirectUri, out), 200, headers);
  const target = new URL(redirectUri);
  for (const [k, v] of Object.entries(out)) target.searchParams.set(k, v);
  return new Response(null, { status: 302, headers: { location: target.href, 'cache-control': 'no-store', ...headers } });
}

/**
 * Whether a browser session may be reused for an authorization request: it exists, `prompt` does
 * not ask for `login`, and it is not older than `max_age` (OIDC Core 3.1.2.1).
 *
 * @param ctx - the dev IdP context (for its clock).
 * @param session - the current browser session, if any.
 * @param params - the authorization request parameters.
 */
export function isSessionFresh(ctx: DevIdpContext, session: BrowserSession | undefined, params: Readonly<Record<string, string>>): session is BrowserSession {
  const maxAge = params.max_age === undefined ? undefined : Number(params.max_age);
  return session !== undefined && !splitScopes(params.prompt).includes('login') && (maxAge === undefined || ctx.nowSeconds() - session.authTime <= maxAge);
}

/**
 * The sign-in page of an interaction.
 *
 * @param ctx - the dev IdP context.
 * @param resolved - the flavor instance.
 * @param interaction - the pending authorization request.
 * @param continueSession - a fresh browser session to offer as "continue as".
 * @param notice - a message shown above the user list.
 */
export function renderSignIn(
  ctx: DevIdpContext,
  resolved: ResolvedInstance,
  interaction: Interaction,
  continueSession: BrowserSession | undefined,
  notice?: string,
): Response {
  const hint = interaction.params.login_hint;
  const users = ctx.users.list();
  const hinted = hint === undefined ? undefined : users.find((u) => u.id === hint || u.email === hint);
  const html = signInPage({
    providerTitle: resolved.instance.flavor.title,
    accent: resolved.instance.flavor.accent,
    clientId: interaction.clientId,
    redirectUri: interaction.redirectUri,
    scopes: splitScopes(interaction.params.scope),
    action: `${resolved.instance.prefix}/interaction/${interaction.id}`,
    users,
    avatarUrl: (u) => avatarUrl(resolved.instance.base, u),
    ...(hinted ? { hintedUserId: hinted.id } : {}),
    ...(continueSession ? { continueAs: ctx.users.get(continueSession.userId)! } : {}),
    ...(notice ? { notice } : {}),
    slowMs: ctx.slowMs,
  });
  return htmlResponse(html);
}

/**
 * Issues the code and answers the client (OIDC Core 3.1.2.5).
 *
 * @param ctx - the dev IdP context.
 * @param resolved - the flavor instance.
 * @param interaction - the authorization request being completed.
 * @param session - the browser session the user is signed in with.
 * @param user - the signed-in user.
 * @param headers - extra headers, e.g. a new session cookie.
 */
export async function completeAuthorization(
  ctx: DevIdpContext,
  resolved: ResolvedInstance,
  interaction: Interaction,
  session: BrowserSession,
  user: DevUser,
  headers: Record<string, string>,
): Promise<Response> {
  const flavor = resolved.instance.flavor;
  const params = interaction.params;
  const grantKey = `${flavor.name} ${user.id} ${interaction.clientId}`;
  const previous = ctx.store.grants.get(grantKey);
  const firstConsent = previous === undefined;
  let scopes = splitScopes(params.scope);
  // Google: include_granted_scopes=true adds the scopes granted before (incremental authorization).
  if (params.include_granted_scopes === 'true' && previous) scopes = [...new Set([...scopes, ...previous])];
  ctx.store.grants.set(grantKey, new Set([...(previous ?? []), ...scopes]));
  const issuer = flavor.tokenIssuer(resolved.instance, user);
  const code = ctx.store.issueCode({
    flavor: flavor.name,
    clientId: interaction.clientId,
    redirectUri: interaction.redirectUri,
    ...(params.code_challenge !== undefined ? { codeChallenge: params.code_challenge } : {}),
    ...(params.nonce !== undefined ? { nonce: params.nonce } : {}),
    scopes,
    userId: user.id,
    authTime: session.authTime,
    sid: session.id,
    issuer,
    refresh: flavor.wantsRefreshToken({ scopes, params, firstConsent, genericPolicy: ctx.genericRefreshTokens }),
    maxAgeRequested: params.max_age !== undefined,
  });
  session.clients.set(interaction.clientId, issuer);
  const extras = (await flavor.authorizationResponseExtras?.(user, { scopes, firstConsent })) ?? {};
  const out: Record<string, string> = { code, ...(params.state !== undefined ? { state: params.state } : {}), ...extras };
  return authorizationResponse(resolved, interaction.redirectUri, responseModeOf(params), out, headers);
}
