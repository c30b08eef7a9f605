/**
 * Client authentication at the dev IdP's token and revocation endpoints (RFC 6749 §2.3:
 * `client_secret_basic`, `client_secret_post`, `none`; Apple's ES256 client-secret JWT through its
 * flavor hook), and the wire form of a token-endpoint answer.
 *
 * @module
 */
import { fromBase64url, fromUtf8, timingSafeEqual } from '../internal/encoding.js';
import type { DevIdpContext } from './context.js';
import { json, type TokenAnswer } from './flavors/flavor.js';
import type { ResolvedInstance } from './instances.js';
import type { DevClient } from './types.js';

/** The authenticated client, or the error answer to send. */
export type ClientAuthResult = { readonly clientId: string; readonly client: DevClient | undefined } | { readonly answer: TokenAnswer };

type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

function invalidClient(description: string, basic: boolean): { readonly answer: TokenAnswer } {
  // RFC 6749 §5.2: 401 invalid_client, with WWW-Authenticate when the client used the Authorization header.
  return {
    answer: { status: 401, body: { error: 'invalid_client', error_description: description }, ...(basic ? { wwwAuthenticate: 'Basic realm="dev-idp"' } : {}) },
  };
}

/** The credentials of an `Authorization: Basic` header, `undefined` without one, or an error answer. */
function basicCredentials(request: Request): { readonly id: string; readonly secret: string } | { readonly answer: TokenAnswer } | undefined {
  const header = request.headers.get('authorization') ?? '';
  if (!/^basic\s/i.test(header)) return undefined;
  try {
    const decoded = fromUtf8(fromBase64url(header.slice(6).trim().replace(/\+/g, '-').replace(/\//g, '_')));
    const i = decoded.indexOf(':');
    if (i < 0) return invalidClient('Malformed Basic credentials.', true);
    // RFC 6749 §2.3.1: client id and secret are form-urlencoded before base64.
    return { id: decodeURIComponent(decoded.slice(0, i).replace(/\+/g, ' ')), secret: decodeURIComponent(decoded.slice(i + 1).replace(/\+/g, ' ')) };
  } catch {
    return invalidClient('Malformed Basic credentials.', true);
  }
}

/**
 * Authenticates the client of a token or revocation request.
 *
 * @param ctx - the dev IdP context.
 * @param request - the request (for its `Authorization` header).
 * @param params - the request's body parameters (`client_id`, `client_secret`).
 * @param resolved - the flavor instance (its accepted methods and secret verifier).
 * @returns the client id (and registered client, if any), or the error answer to send.
 */
export async function authenticateClient(
  ctx: DevIdpContext,
  request: Request,
  params: Record<string, string>,
  resolved: ResolvedInstance,
): Promise<ClientAuthResult> {
  const flavor = resolved.instance.flavor;
  const basic = basicCredentials(request);
  if (basic !== undefined && 'answer' in basic) return basic;
  if (basic !== undefined && params.client_secret !== undefined) {
    return { answer: { status: 400, body: { error: 'invalid_request', error_description: 'Use one client authentication method.' } } };
  }
  if (basic !== undefined && params.client_id !== undefined && params.client_id !== basic.id) {
    return { answer: { status: 400, body: { error: 'invalid_request', error_description: 'client_id differs from the authenticated client.' } } };
  }
  const clientId = basic?.id ?? params.client_id;
  if (!clientId) return invalidClient('No client authentication.', false);
  const used: ClientAuthMethod = basic !== undefined ? 'client_secret_basic' : params.client_secret !== undefined ? 'client_secret_post' : 'none';
  const usedBasic = used === 'client_secret_basic';
  const secret = basic?.secret ?? params.client_secret;
  const client = ctx.clients.get(clientId);
  if (!client && !ctx.acceptAnyClient) return invalidClient('Unknown client.', usedBasic);
  if (!flavor.clientAuthMethods.includes(used)) return invalidClient(`${used} is not accepted here.`, usedBasic);
  if (flavor.verifyClientSecret && used !== 'none') {
    // Apple: the secret is an ES256 JWT, verified against the registered key.
    const ok = await flavor.verifyClientSecret(secret!, clientId, client, resolved.instance, ctx.nowSeconds());
    return ok ? { clientId, client } : invalidClient('The client secret JWT is invalid.', false);
  }
  if (!client) return { clientId, client };
  const confidential = client.client_secret !== undefined || client.apple !== undefined;
  if (!confidential) return used === 'none' ? { clientId, client } : invalidClient('This public client has no secret.', usedBasic);
  if (used === 'none') return invalidClient('Client authentication is required.', false);
  if (client.token_endpoint_auth_method !== undefined && client.token_endpoint_auth_method !== used) {
    return invalidClient(`This client is registered for ${client.token_endpoint_auth_method}.`, usedBasic);
  }
  if (client.client_secret === undefined || !timingSafeEqual(secret!, client.client_secret)) return invalidClient('Wrong client secret.', usedBasic);
  return { clientId, client };
}

/**
 * Puts a token-endpoint answer on the wire: the flavor's own shape (GitHub's form or JSON by
 * `Accept`), else JSON with `Cache-Control: no-store` and `Pragma: no-cache`.
 *
 * @param resolved - the flavor instance answering.
 * @param request - the request (a flavor may look at its `Accept`).
 * @param answer - status, body and `WWW-Authenticate`.
 */
export function tokenEndpointResponse(resolved: ResolvedInstance, request: Request, answer: TokenAnswer): Response {
  if (resolved.instance.flavor.tokenResponse) return resolved.instance.flavor.tokenResponse(answer, request);
  // RFC 6749 §5.1: no-store on token responses.
  const headers: Record<string, string> = { pragma: 'no-cache' };
  if (answer.wwwAuthenticate) headers['www-authenticate'] = answer.wwwAuthenticate;
  return json(answer.body, answer.status, headers);
}
