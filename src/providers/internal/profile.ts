/**
 * Helpers that turn provider claims or user JSON into the normalized {@link Profile}. Every value is
 * type-checked: a provider sending a number where a string is due yields `null`, never a crash.
 * Internal: not exported from the package.
 *
 * @module
 */
import { ValidationError } from '../../errors.js';
import type { Profile, ProfileContext } from '../types.js';

/** A non-empty string, or `null`. */
export function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * True only for `true` or the string `"true"` (Apple and Cognito send booleans as strings). Anything
 * else, absent included, is false: `emailVerified` is true only when the provider says so.
 */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

/** A plain JSON object, or `undefined`. */
export function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * The stable subject of a user: a string or a number (GitHub, Discord ids), as a string.
 *
 * @throws {ValidationError} `USERINFO_INVALID` when the provider sent no usable identifier.
 */
export function subjectOf(value: unknown, field: string, provider: string): string {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw new ValidationError('USERINFO_INVALID', `The ${provider} profile has no usable "${field}".`, { claim: field });
}

/** Fields of a profile besides issuer, subject and raw; missing ones become `null` / `false`. */
export type ProfileFields = Partial<Omit<Profile, 'issuer' | 'subject' | 'raw'>>;

/** Builds a frozen {@link Profile}. */
export function makeProfile(issuer: string, subject: string, fields: ProfileFields, raw: Readonly<Record<string, unknown>>): Profile {
  return Object.freeze({
    issuer,
    subject,
    email: fields.email ?? null,
    emailVerified: fields.emailVerified === true && (fields.email ?? null) !== null,
    name: fields.name ?? null,
    givenName: fields.givenName ?? null,
    familyName: fields.familyName ?? null,
    picture: fields.picture ?? null,
    locale: fields.locale ?? null,
    raw,
  });
}

/**
 * The profile from OpenID Connect standard claims (OIDC Core §5.1), used by every OIDC preset
 * unless it has its own mapping. `issuer` is the configured one, so that an issuer alias never
 * splits one user into two identities.
 *
 * @see [OpenID Connect Core 1.0, section 5.1](https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims)
 */
export function standardClaimsProfile(
  raw: Readonly<Record<string, unknown>>,
  ctx: Pick<ProfileContext, 'issuer'>,
  provider: string,
  overrides: ProfileFields = {},
): Profile {
  const given = str(raw.given_name);
  const family = str(raw.family_name);
  return makeProfile(
    ctx.issuer,
    subjectOf(raw.sub, 'sub', provider),
    {
      email: str(raw.email),
      // OIDC Core §5.1: email_verified is a boolean; some providers send the string "true".
      emailVerified: isTrue(raw.email_verified),
      name: str(raw.name) ?? joinName(given, family) ?? str(raw.preferred_username) ?? str(raw.nickname),
      givenName: given,
      familyName: family,
      picture: str(raw.picture),
      locale: str(raw.locale),
      ...overrides,
    },
    raw,
  );
}

/** "Given Family", or `null` when both are absent. */
export function joinName(given: string | null, family: string | null): string | null {
  const joined = [given, family].filter((p): p is string => p !== null).join(' ');
  return joined.length > 0 ? joined : null;
}

/** The ID token claims of this sign-in as a raw profile (providers whose userinfo adds nothing or needs POST). */
export async function idTokenClaimsProfile(ctx: ProfileContext): Promise<Record<string, unknown>> {
  const claims = ctx.tokens.idTokenClaims;
  if (!claims) throw new ValidationError('ID_TOKEN_MISSING', 'This provider builds the profile from the ID token, but none came.');
  return { ...claims };
}

/**
 * GETs a provider API URL with the access token and checks that the answer is a JSON object.
 *
 * @throws {ValidationError} `USERINFO_INVALID` when the answer is not a JSON object.
 */
export async function fetchObject(ctx: ProfileContext, url: string, headers?: Record<string, string>): Promise<Record<string, unknown>> {
  const body = await ctx.fetchJson(url, headers ? { headers } : undefined);
  const o = obj(body);
  if (!o) throw new ValidationError('USERINFO_INVALID', `${new URL(url).pathname} did not answer with a JSON object.`);
  return o;
}
