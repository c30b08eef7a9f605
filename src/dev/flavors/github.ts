/**
 * The GitHub flavor, at `/github`: OAuth 2.0 only (no ID token, no discovery; RFC 8414 metadata is
 * published for convenience). Its real quirks: the token endpoint answers form-encoded unless
 * `Accept: application/json`, errors come with HTTP 200 and an `error` field, `token_type` is
 * lower-case `bearer`, scopes are comma-separated, and the profile comes from `/api/user` and
 * `/api/user/emails` (numeric `id`, possibly `null` public email).
 *
 * @module
 */
import type { DevUser } from '../types.js';
import { digitsFrom, endpoint, type Flavor, json } from './flavor.js';

/** GitHub's names for the standard token errors. */
const GITHUB_ERRORS: Readonly<Record<string, string>> = {
  invalid_grant: 'bad_verification_code',
  invalid_client: 'incorrect_client_credentials',
};

async function numericId(user: DevUser): Promise<number> {
  return Number(await digitsFrom(`github:${user.id}`, 8));
}

function githubError(status: number, message: string): Response {
  return json({ message, documentation_url: 'https://docs.github.com/rest', status: String(status) }, status);
}

/** The GitHub flavor. */
export const githubFlavor: Flavor = {
  name: 'github',
  title: 'GitHub',
  accent: '#24292f',
  kind: 'oauth2',
  pkce: 'optional',
  requireOpenid: false,
  // GitHub's authorize endpoint takes no response_type.
  responseTypeOptional: true,
  // …and its token endpoint needs no grant_type.
  grantTypeOptional: true,
  redirectUriOptionalAtToken: true,
  acceptsTokenScheme: true,
  noRefreshGrant: true,
  issParameter: false,
  paths: {
    discovery: '/.well-known/oauth-authorization-server',
    authorize: '/login/oauth/authorize',
    token: '/login/oauth/access_token',
  },
  clientAuthMethods: ['client_secret_post', 'client_secret_basic'],
  rotatesRefreshTokens: true,
  revocationNeedsClientAuth: true,
  tokenPrefixes: { access: 'gho_', refresh: 'ghr_' },
  tokenType: 'bearer',
  metadata(instance) {
    // RFC 8414 metadata; the real GitHub publishes none, presets give the endpoints explicitly.
    return {
      issuer: instance.issuer,
      authorization_endpoint: endpoint(instance, this.paths.authorize),
      token_endpoint: endpoint(instance, this.paths.token),
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['read:user', 'user:email', 'repo', 'user'],
      service_documentation: `${instance.base}${instance.prefix}/api`,
    };
  },
  wantsRefreshToken() {
    // Classic OAuth App tokens do not expire and come without a refresh token.
    return false;
  },
  tokenIssuer(instance) {
    return instance.issuer;
  },
  async subject(user) {
    return String(await numericId(user));
  },
  responseScope(scopes) {
    // GitHub quirk: the granted scopes come back comma-separated.
    return scopes.join(',');
  },
  tokenResponse(answer, request) {
    // GitHub quirk: errors are HTTP 200 with an `error` field (the client authentication and
    // simulated 5xx failures keep their status); form-encoded unless JSON is asked for.
    const status = answer.status === 400 || answer.status === 401 ? 200 : answer.status;
    const body: Record<string, string | number> = { ...answer.body };
    const renamed = typeof body.error === 'string' ? GITHUB_ERRORS[body.error] : undefined;
    if (renamed !== undefined) {
      body.error = renamed;
      body.error_uri = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors';
    }
    const wantsJson = (request.headers.get('accept') ?? '').includes('application/json');
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (wantsJson) return json(body, status, headers);
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) form.set(k, String(v));
    return new Response(form.toString(), { status, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } });
  },
  async route(rest, request, api) {
    if (rest !== '/api/user' && rest !== '/api/user/emails') return undefined;
    if (request.method !== 'GET') return githubError(404, 'Not Found');
    const who = api.authenticate(request);
    if (!who) return githubError(401, 'Bad credentials');
    const user = who.user;
    const id = await numericId(user);
    if (rest === '/api/user') {
      return json({
        login: user.id,
        id,
        node_id: `U_dev${id}`,
        avatar_url: user.picture ?? api.avatarUrl(user),
        html_url: `https://github.com/${user.id}`,
        type: 'User',
        name: user.name,
        // The public email: null when the user keeps it private.
        email: user.hideEmail || user.email === null ? null : user.email,
      });
    }
    // /user/emails needs the user:email (or user) scope; GitHub answers 404 without it.
    if (!who.scopes.includes('user:email') && !who.scopes.includes('user')) return githubError(404, 'Not Found');
    const emails: Record<string, unknown>[] = [];
    if (user.email !== null) {
      emails.push({ email: user.email, primary: true, verified: user.emailVerified, visibility: user.hideEmail ? 'private' : 'public' });
    }
    emails.push({ email: `${id}+${user.id}@users.noreply.github.com`, primary: user.email === null, verified: true, visibility: null });
    return json(emails);
  },
};
