/**
 * The normalized profile of a signed-in identity: what every provider preset produces and what
 * the stores link accounts by. Here, below both layers, so storage does not import providers;
 * `latchkey` and `latchkey/providers` re-export it.
 *
 * @module
 */

/**
 * The normalized profile every preset produces. `emailVerified` is true only when the provider
 * asserts it.
 */
export interface Profile {
  readonly issuer: string;
  readonly subject: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly name: string | null;
  readonly givenName: string | null;
  readonly familyName: string | null;
  readonly picture: string | null;
  readonly locale: string | null;
  /** The claims or user JSON the profile was built from. */
  readonly raw: Readonly<Record<string, unknown>>;
}
