/**
 * The session as the app layer sees it, whichever strategy keeps it.
 *
 * @module
 */

/** The user snapshot kept in a session (no store read on guarded requests). */
export interface SessionUser {
  readonly id: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly name: string | null;
  readonly image: string | null;
}

/** A live session. */
export interface Session {
  /**
   * The session's identifier: for server sessions the store key (SHA-256 of the cookie id), for
   * cookie sessions a random handle. Not a credential: knowing it does not sign anybody in.
   */
  readonly id: string;
  readonly user: SessionUser;
  /** The provider the user signed in with. */
  readonly providerId: string;
  readonly issuer: string;
  readonly subject: string;
  /** The provider session id (ID token `sid`), for back-channel logout. */
  readonly sid?: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms; moves forward on use. */
  readonly idleExpiresAt: number;
  /** Epoch ms; fixed at sign-in. */
  readonly absoluteExpiresAt: number;
  /** App data from `onLogin` (`sessionData`). */
  readonly data: Readonly<Record<string, unknown>>;
  /** The ID token, kept as `id_token_hint` for RP-initiated logout. Never sent to the browser. */
  readonly idToken?: string;
  /**
   * A short label of the device, from the `User-Agent` of the sign-in (`Firefox on Linux`), for the
   * user's list of sessions (`GET /auth/sessions`); kept by server sessions only.
   */
  readonly device?: string;
  /**
   * True when the session cookie is a browser-session cookie (no `Max-Age`: it ends when the
   * browser closes), because `session.remember` is `ask` and the user did not ask to stay signed
   * in; kept in the session so every re-issued cookie stays one.
   */
  readonly browserSession?: true;
}

/** What a new session is made of. */
export type NewSession = Omit<Session, 'id' | 'createdAt' | 'idleExpiresAt' | 'absoluteExpiresAt'>;

/** A storage strategy for sessions. */
export interface SessionStrategy {
  /**
   * Creates a session with a fresh id (no fixation).
   *
   * @returns the session and the cookie value that names it.
   * @throws SessionError `SESSION_TOO_LARGE` (cookie strategy); StorageError.
   */
  create(input: NewSession, now: number): Promise<{ session: Session; cookieValue: string }>;
  /** Resolves a cookie value (untrusted) to a live session, or null. Never throws for bad input. */
  resolve(cookieValue: string, now: number): Promise<Session | null>;
  /** Records use: returns a new cookie value to send (cookie strategy) or undefined. */
  touch(session: Session, cookieValue: string, now: number): Promise<string | undefined>;
  /** Whether a session resolved by other means (an access token) was revoked (cookie strategy). */
  isRevoked(session: Session): boolean;
  /** Re-reads a session by id (server strategy); undefined when the strategy cannot. */
  resolveById(id: string, now: number): Promise<Session | null | undefined>;
  /** Ends one session. */
  destroy(session: Session, now: number): Promise<void>;
  /** Ends sessions by user, provider `sid` or provider subject; returns the ended session ids (when known). */
  revoke(selector: RevokeSelector, now: number): Promise<readonly string[]>;
  /** Subscribes to revocations made elsewhere (other processes). */
  subscribe?(listener: (ids: readonly string[]) => void): Promise<() => Promise<void>>;
  /**
   * The live sessions of a user (server strategy, with a store that lists them); absent when the
   * strategy cannot list them (sealed cookies keep no server-side record).
   *
   * @throws SessionError `SESSIONS_UNSUPPORTED` when the store has no `listByUser`; StorageError.
   */
  listByUser?(userId: string, now: number): Promise<readonly Session[]>;
}

/** Which sessions to end. */
export type RevokeSelector =
  | { readonly userId: string }
  | { readonly issuer: string; readonly sid: string }
  | { readonly issuer: string; readonly subject: string };
