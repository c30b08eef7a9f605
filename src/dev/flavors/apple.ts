/**
 * The Sign in with Apple flavor, at `/apple`. Its quirks: `response_mode=form_post` is required
 * when `name` or `email` is requested; the client secret is an ES256 JWT (iss = team id, sub =
 * client id, aud = the issuer, at most six months long) that this flavor verifies against the
 * client's registered public key; the `user` JSON (name, email) is POSTed only on the first
 * sign-in of a user with a client; `email_verified` and `is_private_email` are the strings
 * `"true"`/`"false"`; users who hide their email get a private-relay address; no userinfo.
 *
 * @module
 */
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import type { DevUser } from '../types.js';
import { atHash, endpoint, type Flavor, hexDigest } from './flavor.js';

/** Apple's limit on a client-secret JWT's lifetime: 15,777,000 seconds (six months). */
export const APPLE_MAX_SECRET_LIFETIME_SECONDS = 15_777_000;

async function relayEmail(user: DevUser): Promise<string> {
  return `${(await hexDigest(`apple-relay:${user.id}`)).slice(0, 10)}@privaterelay.appleid.com`;
}

async function appleEmail(user: DevUser): Promise<string | null> {
  if (user.email === null) return null;
  return user.hideEmail ? relayEmail(user) : user.email;
}

/** The Apple flavor. */
export const appleFlavor: Flavor = {
  name: 'apple',
  title: 'Apple',
  accent: '#000000',
  kind: 'oidc',
  pkce: 'optional',
  requireOpenid: false,
  issParameter: false,
  paths: {
    discovery: '/.well-known/openid-configuration',
    authorize: '/auth/authorize',
    token: '/auth/token',
    jwks: '/auth/keys',
    revoke: '/auth/revoke',
  },
  clientAuthMethods: ['client_secret_post'],
  // Apple's refresh response carries a new access token and ID token but no refresh token.
  rotatesRefreshTokens: false,
  revocationNeedsClientAuth: true,
  tokenType: 'Bearer',
  metadata(instance) {
    // Shaped like https://appleid.apple.com/.well-known/openid-configuration (no userinfo).
    return {
      issuer: instance.issuer,
      authorization_endpoint: endpoint(instance, this.paths.authorize),
      token_endpoint: endpoint(instance, this.paths.token),
      revocation_endpoint: endpoint(instance, this.paths.revoke),
      jwks_uri: endpoint(instance, this.paths.jwks),
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'name'],
      token_endpoint_auth_methods_supported: ['client_secret_post'],
      claims_supported: [
        'aud',
        'email',
        'email_verified',
        'exp',
        'iat',
        'is_private_email',
        'iss',
        'nonce',
        'nonce_supported',
        'real_user_status',
        'sub',
        'transfer_sub',
      ],
    };
  },
  checkAuthorizationRequest(params) {
    const scopes = (params.scope ?? '').split(/\s+/);
    if ((scopes.includes('name') || scopes.includes('email')) && params.response_mode !== 'form_post') {
      return { error: 'invalid_request', error_description: 'response_mode must be form_post when name or email scope is requested' };
    }
    return undefined;
  },
  wantsRefreshToken() {
    return true;
  },
  tokenIssuer(instance) {
    return instance.issuer;
  },
  async subject(user) {
    const h = await hexDigest(`apple:${user.id}`);
    return `000${h.slice(0, 3)}.${h.slice(3, 35)}.0${h.slice(35, 38)}`;
  },
  async idTokenClaims(user, ctx) {
    const claims: Record<string, unknown> = { at_hash: await atHash(ctx.accessToken), auth_time: ctx.authTime, nonce_supported: true };
    const email = await appleEmail(user);
    if (ctx.scopes.includes('email') && email !== null) {
      claims.email = email;
      // Apple quirk: booleans as strings.
      claims.email_verified = user.hideEmail || user.emailVerified ? 'true' : 'false';
      claims.is_private_email = user.hideEmail ? 'true' : 'false';
    }
    return claims;
  },
  responseScope() {
    return undefined;
  },
  async authorizationResponseExtras(user, { scopes, firstConsent }): Promise<Record<string, string>> {
    // Apple posts `user` only the first time a user authorizes a client; the app must keep it.
    if (!firstConsent || !(scopes.includes('name') || scopes.includes('email'))) return {};
    const value: Record<string, unknown> = {};
    if (scopes.includes('name')) value.name = { firstName: user.givenName ?? user.name, lastName: user.familyName ?? '' };
    const email = await appleEmail(user);
    if (scopes.includes('email') && email !== null) value.email = email;
    return { user: JSON.stringify(value) };
  },
  async verifyClientSecret(secret, clientId, client, instance, nowSeconds) {
    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(secret);
      claims = decodeJwt(secret);
    } catch {
      return false;
    }
    if (header.alg !== 'ES256') return false;
    if (client?.apple) {
      // The registered key verifies the signature, `iss` (team id), `sub` (client id) and `aud`.
      if (client.apple.keyId !== undefined && header.kid !== client.apple.keyId) return false;
      try {
        const key = 'kty' in client.apple.publicKey ? await importJWK(client.apple.publicKey, 'ES256') : client.apple.publicKey;
        await jwtVerify(secret, key, {
          algorithms: ['ES256'],
          issuer: client.apple.teamId,
          subject: clientId,
          audience: instance.issuer,
          currentDate: new Date(nowSeconds * 1000),
          requiredClaims: ['iat', 'exp'],
        });
      } catch {
        return false;
      }
    } else {
      // acceptAnyClient without a registered key: shape checks only (documented).
      if (claims.sub !== clientId || typeof claims.iss !== 'string') return false;
      const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      if (!aud.includes(instance.issuer)) return false;
      if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) return false;
    }
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') return false;
    return claims.exp - claims.iat <= APPLE_MAX_SECRET_LIFETIME_SECONDS;
  },
};
