/**
 * The generic OpenID Provider flavor, at `/oidc`: a strict, modern OP (code flow only, PKCE S256
 * required, RFC 9207 `iss`, refresh-token rotation, RP-initiated and back-channel logout).
 *
 * @module
 */
import { endpoint, type Flavor, standardClaims } from './flavor.js';

/** The generic OIDC flavor. */
export const genericFlavor: Flavor = {
  name: 'generic',
  title: 'Latchkey Dev OIDC',
  accent: '#4f46e5',
  kind: 'oidc',
  pkce: 'required',
  requireOpenid: true,
  issParameter: true,
  paths: {
    discovery: '/.well-known/openid-configuration',
    authorize: '/authorize',
    token: '/token',
    userinfo: '/userinfo',
    jwks: '/jwks',
    revoke: '/revoke',
    endSession: '/end_session',
  },
  clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
  rotatesRefreshTokens: true,
  revocationNeedsClientAuth: true,
  tokenType: 'Bearer',
  metadata(instance) {
    // OpenID Connect Discovery 1.0 §3, RFC 9207 §3, Back-Channel Logout 1.0 §2.1.
    return {
      issuer: instance.issuer,
      authorization_endpoint: endpoint(instance, this.paths.authorize),
      token_endpoint: endpoint(instance, this.paths.token),
      userinfo_endpoint: endpoint(instance, this.paths.userinfo),
      jwks_uri: endpoint(instance, this.paths.jwks),
      revocation_endpoint: endpoint(instance, this.paths.revoke),
      end_session_endpoint: endpoint(instance, this.paths.endSession),
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'form_post'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      code_challenge_methods_supported: ['S256'],
      prompt_values_supported: ['none', 'login', 'consent'],
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'nonce',
        'sid',
        'name',
        'given_name',
        'family_name',
        'picture',
        'locale',
        'email',
        'email_verified',
      ],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      authorization_response_iss_parameter_supported: true,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
    };
  },
  wantsRefreshToken({ scopes, genericPolicy }) {
    return genericPolicy === 'always' || scopes.includes('offline_access');
  },
  tokenIssuer(instance) {
    return instance.issuer;
  },
  async subject(user) {
    return user.id;
  },
  async idTokenClaims(user, ctx) {
    // OIDC Core 2: auth_time always (max_age support), sid for Back-Channel Logout 1.0 §2.4.
    return { auth_time: ctx.authTime, sid: ctx.sid, ...standardClaims(user, ctx.scopes, ctx.avatarUrl) };
  },
  async userinfo(user, ctx) {
    return { sub: ctx.subject, ...standardClaims(user, ctx.scopes, ctx.avatarUrl) };
  },
  responseScope(scopes) {
    return scopes.join(' ');
  },
};
