/**
 * The Google flavor, at `/google`: Google's endpoint shapes and quirks. No end-session endpoint
 * and no back-channel logout (like the real Google); refresh tokens only with
 * `access_type=offline` on the first consent or with `prompt=consent`; the token response's
 * `scope` rewritten to Google's URL scopes; `hd` for Workspace users; a Calendar-like API.
 *
 * @module
 */
import { atHash, digitsFrom, endpoint, type Flavor, json, standardClaims } from './flavor.js';

const SCOPE_REWRITES: Readonly<Record<string, string>> = {
  email: 'https://www.googleapis.com/auth/userinfo.email',
  profile: 'https://www.googleapis.com/auth/userinfo.profile',
};

const CALENDAR_SCOPES = [
  'https://www.googleapis.com/auth/calendar',
  'https://www.googleapis.com/auth/calendar.readonly',
  'https://www.googleapis.com/auth/calendar.calendarlist.readonly',
];

/** Google's API error body shape. */
function googleApiError(code: number, status: string, message: string): Response {
  const headers: Record<string, string> = code === 401 ? { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' } : {};
  return json(
    { error: { code, message, status, errors: [{ message, domain: 'global', reason: code === 401 ? 'authError' : 'insufficientPermissions' }] } },
    code,
    headers,
  );
}

/** The Google flavor. */
export const googleFlavor: Flavor = {
  name: 'google',
  title: 'Google',
  accent: '#1a73e8',
  kind: 'oidc',
  pkce: 'optional',
  requireOpenid: false,
  // Google returns `iss` in authorization responses although its discovery does not advertise it.
  issParameter: true,
  paths: {
    discovery: '/.well-known/openid-configuration',
    authorize: '/o/oauth2/v2/auth',
    token: '/token',
    userinfo: '/v1/userinfo',
    jwks: '/oauth2/v3/certs',
    revoke: '/revoke',
  },
  clientAuthMethods: ['client_secret_post', 'client_secret_basic'],
  // Google keeps the same refresh token and returns none on refresh.
  rotatesRefreshTokens: false,
  revocationNeedsClientAuth: false,
  // Google answers "code_verifier or verifier is not needed." to a verifier without a challenge.
  rejectsVerifierWithoutChallenge: true,
  tokenPrefixes: { access: 'ya29.', refresh: '1//' },
  tokenType: 'Bearer',
  metadata(instance) {
    // Shaped like https://accounts.google.com/.well-known/openid-configuration: no
    // end_session_endpoint, no backchannel_logout_supported.
    return {
      issuer: instance.issuer,
      authorization_endpoint: endpoint(instance, this.paths.authorize),
      token_endpoint: endpoint(instance, this.paths.token),
      userinfo_endpoint: endpoint(instance, this.paths.userinfo),
      revocation_endpoint: endpoint(instance, this.paths.revoke),
      jwks_uri: endpoint(instance, this.paths.jwks),
      response_types_supported: ['code', 'token', 'id_token', 'code token', 'code id_token', 'token id_token', 'code token id_token', 'none'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      claims_supported: ['aud', 'email', 'email_verified', 'exp', 'family_name', 'given_name', 'iat', 'iss', 'name', 'picture', 'sub'],
      code_challenge_methods_supported: ['plain', 'S256'],
      grant_types_supported: [
        'authorization_code',
        'refresh_token',
        'urn:ietf:params:oauth:grant-type:device_code',
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
      ],
    };
  },
  wantsRefreshToken({ params, firstConsent }) {
    // Google: a refresh token only for access_type=offline, and only on the first consent unless
    // prompt=consent forces a new one.
    if (params.access_type !== 'offline') return false;
    return firstConsent || (params.prompt ?? '').split(' ').includes('consent');
  },
  tokenIssuer(instance) {
    return instance.issuer;
  },
  subject(user) {
    return digitsFrom(`google:${user.id}`, 21);
  },
  async idTokenClaims(user, ctx) {
    const claims: Record<string, unknown> = { azp: ctx.clientId, at_hash: await atHash(ctx.accessToken), ...standardClaims(user, ctx.scopes, ctx.avatarUrl) };
    if (user.hostedDomain !== undefined) claims.hd = user.hostedDomain;
    if (ctx.maxAgeRequested) claims.auth_time = ctx.authTime;
    return claims;
  },
  async userinfo(user, ctx) {
    const claims: Record<string, unknown> = { sub: ctx.subject, ...standardClaims(user, ctx.scopes, ctx.avatarUrl) };
    if (user.hostedDomain !== undefined) claims.hd = user.hostedDomain;
    return claims;
  },
  responseScope(scopes) {
    // Google answers with URL scopes: `openid https://www.googleapis.com/auth/userinfo.email …`.
    const rewritten = scopes.map((s) => SCOPE_REWRITES[s] ?? s);
    const order = (s: string) => (s === 'openid' ? 0 : s === SCOPE_REWRITES.email ? 1 : s === SCOPE_REWRITES.profile ? 2 : 3);
    return [...new Set(rewritten)].sort((a, b) => order(a) - order(b)).join(' ');
  },
  async route(rest, request, api) {
    if (rest !== '/calendar/v3/users/me/calendarList') return undefined;
    if (request.method !== 'GET') return googleApiError(405, 'METHOD_NOT_ALLOWED', 'Use GET.');
    const who = api.authenticate(request);
    if (!who) return googleApiError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    if (!who.scopes.some((s) => CALENDAR_SCOPES.includes(s))) {
      return googleApiError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.');
    }
    const primary = who.user.email ?? `${who.user.id}@example.invalid`;
    return json({
      kind: 'calendar#calendarList',
      etag: '"dev-1"',
      items: [
        { kind: 'calendar#calendarListEntry', id: primary, summary: primary, timeZone: 'Europe/London', accessRole: 'owner', primary: true },
        {
          kind: 'calendar#calendarListEntry',
          id: `team-${who.user.id}@group.calendar.google.com`,
          summary: `${who.user.name}'s team`,
          timeZone: 'Europe/London',
          accessRole: 'reader',
        },
      ],
    });
  },
};
