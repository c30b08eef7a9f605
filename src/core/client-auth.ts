/**
 * Client authentication at the token, PAR and revocation endpoints: `client_secret_basic`,
 * `client_secret_post`, `client_secret_jwt`, `private_key_jwt` (RFC 7523) and `none`. Exactly one
 * method is applied per request.
 *
 * @module
 */
import { importJWK, SignJWT } from 'jose';
import { ConfigurationError } from '../errors.js';
import { randomToken, utf8 } from '../internal/encoding.js';
import type { ClientAuthMethod, ClientMetadata, PrivateKey, ServerMetadata } from './types.js';

/** What {@link applyClientAuthentication} needs beyond the client metadata. */
export interface ClientAuthContext {
  /** The private key for `private_key_jwt`. */
  readonly privateKey?: PrivateKey;
  /** The current time in milliseconds. Default `Date.now`. */
  readonly clock?: () => number;
  /** Lifetime of a client assertion in seconds. Default 60. */
  readonly assertionLifetimeSeconds?: number;
}

/**
 * The `client_assertion_type` of RFC 7523 §2.2.
 *
 * @see [RFC 7523 - JWT Profile for OAuth 2.0 Client Authentication, section 2.2](https://www.rfc-editor.org/rfc/rfc7523.html#section-2.2)
 */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * The method a client uses when none is configured: `private_key_jwt` with a private key,
 * `client_secret_basic` with a secret, `none` otherwise.
 *
 * @param client The client metadata.
 * @param privateKey The client's private key, if any.
 * @returns The method.
 * @see [OpenID Connect Dynamic Client Registration 1.0, section 2](https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata)
 */
export function resolveClientAuthMethod(client: ClientMetadata, privateKey?: PrivateKey): ClientAuthMethod {
  if (client.token_endpoint_auth_method) return client.token_endpoint_auth_method;
  if (privateKey) return 'private_key_jwt';
  // OIDC Registration §2: the default is client_secret_basic.
  return client.client_secret ? 'client_secret_basic' : 'none';
}

/**
 * Encodes `client_id:client_secret` for HTTP Basic authentication, each part
 * `application/x-www-form-urlencoded` first (RFC 6749 §2.3.1), so a secret holding `:`, `+`, `%`
 * or a space survives.
 *
 * @see [RFC 6749 - The OAuth 2.0 Authorization Framework, section 2.3.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-2.3.1)
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  // RFC 6749 §2.3.1: form-urlencode the id and the secret before joining and base64-encoding them.
  const joined = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
  const bytes = utf8(joined);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
  return `Basic ${btoa(bin)}`;
}

function formEncode(value: string): string {
  // application/x-www-form-urlencoded: what URLSearchParams produces (space as "+").
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * Adds client authentication to a back-channel request, in place: either an `Authorization`
 * header, or body parameters, never both (RFC 6749 §2.3: one method per request).
 *
 * @param method The authentication method.
 * @param client The client metadata (`client_id`, `client_secret`, `token_endpoint_auth_signing_alg`).
 * @param metadata The server metadata (the assertion `aud` is its token endpoint, or its issuer).
 * @param body The form body of the request, to which parameters are added.
 * @param headers The request headers, to which `Authorization` may be added.
 * @param context The private key and clock.
 * @throws {ConfigurationError} `CONFIG_INVALID` when the method needs a secret or key that is missing.
 * @see [RFC 6749, section 2.3](https://www.rfc-editor.org/rfc/rfc6749.html#section-2.3)
 * @see [OpenID Connect Core 1.0, section 9](https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication)
 * @see [RFC 7523 - JWT Profile for OAuth 2.0 Client Authentication, section 3](https://www.rfc-editor.org/rfc/rfc7523.html#section-3)
 */
export async function applyClientAuthentication(
  method: ClientAuthMethod,
  client: ClientMetadata,
  metadata: ServerMetadata,
  body: URLSearchParams,
  headers: Headers,
  context: ClientAuthContext = {},
): Promise<void> {
  // RFC 6749 §2.3: exactly one authentication method per request; clear any stray one.
  headers.delete('authorization');
  body.delete('client_secret');
  body.delete('client_assertion');
  body.delete('client_assertion_type');
  switch (method) {
    case 'client_secret_basic': {
      const secret = requireSecret(client, method);
      headers.set('authorization', basicAuthorization(client.client_id, secret));
      // RFC 6749 §2.3.1: the client_id travels in the header; a body copy is not needed.
      body.delete('client_id');
      return;
    }
    case 'client_secret_post': {
      const secret = requireSecret(client, method);
      // RFC 6749 §2.3.1: client_id and client_secret in the request body.
      body.set('client_id', client.client_id);
      body.set('client_secret', secret);
      return;
    }
    case 'client_secret_jwt': {
      const secret = requireSecret(client, method);
      const alg = client.token_endpoint_auth_signing_alg ?? 'HS256';
      if (!/^HS(?:256|384|512)$/.test(alg)) throw new ConfigurationError(`client_secret_jwt needs an HS256/384/512 algorithm, not "${alg}".`);
      const key = await importJWK({ kty: 'oct', k: b64urlOf(secret) }, alg);
      await addAssertion(client, metadata, body, alg, key, undefined, context);
      return;
    }
    case 'private_key_jwt': {
      const pk = context.privateKey;
      if (!pk) throw new ConfigurationError('private_key_jwt client authentication needs `privateKey`.');
      await addAssertion(client, metadata, body, client.token_endpoint_auth_signing_alg ?? pk.alg, pk.key, pk.kid, context);
      return;
    }
    case 'none':
      // RFC 6749 §2.1 / OIDC Core 9: a public client identifies itself with client_id only.
      body.set('client_id', client.client_id);
      return;
    default:
      throw new ConfigurationError(`Unknown client authentication method "${String(method)}".`);
  }
}

function requireSecret(client: ClientMetadata, method: ClientAuthMethod): string {
  if (!client.client_secret) throw new ConfigurationError(`${method} client authentication needs a client secret.`);
  return client.client_secret;
}

function b64urlOf(secret: string): string {
  const bytes = utf8(secret);
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function addAssertion(
  client: ClientMetadata,
  metadata: ServerMetadata,
  body: URLSearchParams,
  alg: string,
  key: CryptoKey | Uint8Array,
  kid: string | undefined,
  context: ClientAuthContext,
): Promise<void> {
  const now = Math.floor((context.clock ?? Date.now)() / 1000);
  const lifetime = context.assertionLifetimeSeconds ?? 60;
  const assertion = await new SignJWT({ jti: randomToken(16) })
    .setProtectedHeader(kid !== undefined ? { alg, kid } : { alg })
    // RFC 7523 §3: iss and sub are the client_id.
    .setIssuer(client.client_id)
    .setSubject(client.client_id)
    // RFC 7523 §3: aud identifies the authorization server (its token endpoint URL, or its issuer).
    .setAudience(metadata.token_endpoint ?? metadata.issuer)
    .setIssuedAt(now)
    // RFC 7523 §3: a short expiry limits replay.
    .setExpirationTime(now + lifetime)
    .sign(key);
  // RFC 7523 §2.2: client_assertion_type and client_assertion (and client_id, OIDC Core 9).
  body.set('client_id', client.client_id);
  body.set('client_assertion_type', JWT_BEARER_ASSERTION_TYPE);
  body.set('client_assertion', assertion);
}
