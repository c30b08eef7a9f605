/**
 * Apple's client secret: an ES256 JWT signed with the team's private key, valid for at most six
 * months. Signed once, cached, and signed again well before it expires. Internal.
 *
 * @see [Apple - Creating a client secret](https://developer.apple.com/documentation/accountorganizationaldatasharing/creating-a-client-secret)
 * @module
 */
import { importPKCS8, SignJWT } from 'jose';
import { ConfigurationError } from '../../errors.js';

/** Apple's upper bound on a client secret's lifetime: 15,777,000 seconds (six months). */
export const APPLE_MAX_SECRET_LIFETIME_SECONDS = 15_777_000;

/** What {@link appleClientSecret} signs. */
export interface AppleSecretOptions {
  /** The Apple Developer Team ID (the JWT `iss`). */
  readonly teamId: string;
  /** The Services ID (the JWT `sub`, the OAuth `client_id`). */
  readonly clientId: string;
  /** The Key ID of the Sign in with Apple key (the JWT header `kid`). */
  readonly keyId: string;
  /** The `.p8` key: a PEM PKCS #8 EC P-256 private key. */
  readonly privateKey: string;
  /** The JWT `aud`: Apple's issuer, `https://appleid.apple.com`. */
  readonly audience: string;
  /** Lifetime of each secret, in seconds. Default 1 day; at most six months. */
  readonly lifetimeSeconds?: number;
  /** Clock in milliseconds (tests). */
  readonly clock?: () => number;
}

/**
 * Returns a function producing the current client secret. The JWT is cached and replaced once
 * less than a quarter of its lifetime remains, so a secret in use never expires mid-request.
 * Concurrent callers share one signing.
 *
 * @throws {ConfigurationError} `CONFIG_INVALID` (on first use) when the key is not a PKCS #8 P-256 key,
 *   or the lifetime is out of range.
 */
export function appleClientSecret(options: AppleSecretOptions): () => Promise<string> {
  const lifetime = options.lifetimeSeconds ?? 86_400;
  if (!(lifetime >= 60 && lifetime <= APPLE_MAX_SECRET_LIFETIME_SECONDS)) {
    throw new ConfigurationError(`Apple client secret lifetime must be between 60 and ${APPLE_MAX_SECRET_LIFETIME_SECONDS} seconds.`);
  }
  const clock = options.clock ?? Date.now;
  let key: Promise<CryptoKey> | undefined;
  let current: { jwt: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const sign = async (): Promise<string> => {
    key ??= importPKCS8(normalizePem(options.privateKey), 'ES256').catch((cause: unknown) => {
      key = undefined;
      throw new ConfigurationError('The Apple private key is not a PEM PKCS #8 P-256 key (the .p8 file from Apple).', 'CONFIG_INVALID', { cause });
    });
    const now = Math.floor(clock() / 1000);
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: options.keyId })
      .setIssuer(options.teamId)
      .setSubject(options.clientId)
      .setAudience(options.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + lifetime)
      .sign(await key);
    current = { jwt, renewAt: (now + Math.floor((lifetime * 3) / 4)) * 1000 };
    return jwt;
  };

  return () => {
    if (current && clock() < current.renewAt) return Promise.resolve(current.jwt);
    pending ??= sign().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/** Accepts a key pasted into an environment variable with literal `\n` sequences. */
function normalizePem(pem: string): string {
  return pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem;
}
