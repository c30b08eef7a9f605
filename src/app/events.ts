/**
 * Audit events: what happened to whom, for `hooks.onEvent` (sign-in, sign-out, link, unlink,
 * refresh failure, back-channel logout, sessions revoked). An event names the user, the provider,
 * the time and where the request came from; it never carries a token, a code, a cookie, a session
 * id or a secret. The hook runs after the answer is on its way (a macrotask later), so a slow,
 * throwing or rejecting hook never delays or changes a request; its failure is reported like any
 * other (`onError` with route `event-hook`, and the logger), without the request.
 *
 * @module
 */
import { newReferenceId } from './error-log.js';
import type { AuthRequest } from './http-shapes.js';
import { clientAddress, externalOrigin } from './request-origin.js';

/** Most characters of `userAgent` kept in an event. */
export const MAX_EVENT_USER_AGENT = 256;

/** What every event carries. */
export interface AuthEventBase {
  /** When it happened, epoch milliseconds (the auth clock). */
  readonly at: number;
  /** A fresh id of this event (the format of the error log's reference ids), to find it again. */
  readonly referenceId: string;
  /** The user, when known. */
  readonly userId?: string;
  /** The provider id, when the event concerns one. */
  readonly providerId?: string;
  /**
   * The client's address, when known: the socket's peer on the Node-family adapters, or with
   * `trustProxy` the address the proxy put last in `Forwarded: for=` / `X-Forwarded-For`.
   */
  readonly ip?: string;
  /** The origin the browser used (`externalOrigin`: `baseUrl`'s unless `trustProxy`). Absent outside a request. */
  readonly origin?: string;
  /** The request's `User-Agent`, control characters removed, at most {@link MAX_EVENT_USER_AGENT} characters. */
  readonly userAgent?: string;
}

/** A completed sign-in (code flow callback). */
export interface SignInEvent extends AuthEventBase {
  readonly type: 'sign-in';
  readonly userId: string;
  readonly providerId: string;
  /** The account of this identity. */
  readonly accountId: string;
  /** True when this sign-in created the user. */
  readonly firstLogin: boolean;
  /** True when this sign-in linked a new identity to an existing user (a `link` event follows). */
  readonly linked: boolean;
}

/** A new identity linked to an existing user (`intent=link`, or email linking the provider allows). */
export interface LinkEvent extends AuthEventBase {
  readonly type: 'link';
  readonly userId: string;
  readonly providerId: string;
  readonly accountId: string;
}

/** An account unlinked (`POST /auth/:provider/unlink` or `auth.unlink`). */
export interface UnlinkEvent extends AuthEventBase {
  readonly type: 'unlink';
  readonly userId: string;
  readonly providerId: string;
  readonly accountId: string;
}

/** A session ended by `POST /auth/logout`. */
export interface SignOutEvent extends AuthEventBase {
  readonly type: 'sign-out';
  readonly userId: string;
  readonly providerId: string;
  /** Whether the provider session is ended too (RP-initiated logout). */
  readonly federated: boolean;
}

/** A token-vault refresh that failed (`auth.fetch`, `auth.api`, `auth.tokens.get`). Outside a request: no `ip`, `origin`, `userAgent`. */
export interface RefreshFailureEvent extends AuthEventBase {
  readonly type: 'refresh-failure';
  readonly userId: string;
  readonly providerId: string;
  readonly accountId: string;
  /** The error code: `REAUTH_REQUIRED` (the grant is gone) or `TOKEN_REFRESH_FAILED` (try later), …. */
  readonly code: string;
  /** True when the user must sign in again (the account is marked `needsReauth`). */
  readonly reauthRequired: boolean;
}

/** A valid back-channel logout token ended sessions (OpenID Connect Back-Channel Logout 1.0). */
export interface BackChannelLogoutEvent extends AuthEventBase {
  readonly type: 'back-channel-logout';
  readonly providerId: string;
  /** How many sessions ended. */
  readonly sessions: number;
  /** Whether the token named one provider session (`sid`) or every session of the subject (`sub`). */
  readonly by: 'sid' | 'sub';
}

/** Sessions ended by `POST /auth/sessions/revoke`. */
export interface SessionsRevokedEvent extends AuthEventBase {
  readonly type: 'sessions-revoked';
  readonly userId: string;
  /** The provider of the requesting session. */
  readonly providerId: string;
  /** How many sessions ended. */
  readonly sessions: number;
  /** `one` (by handle) or `others` (every other session of the user). */
  readonly scope: 'one' | 'others';
  /** Whether the requesting session was among them. */
  readonly signedOut: boolean;
}

/** What `hooks.onEvent` receives: one of the event types, told apart by `type`. */
export type AuthEvent = SignInEvent | LinkEvent | UnlinkEvent | SignOutEvent | RefreshFailureEvent | BackChannelLogoutEvent | SessionsRevokedEvent;

/** The event types. */
export type AuthEventType = AuthEvent['type'];

/** What a route says about an event; the emitter adds the time, the id and the request facts. */
export type EventFacts = AuthEvent extends infer E ? (E extends AuthEvent ? Omit<E, 'at' | 'referenceId' | 'ip' | 'origin' | 'userAgent'> : never) : never;

/** Emits an event: returns at once; the hook runs later. */
export type EmitEvent = (facts: EventFacts, request?: AuthRequest) => void;

/** What {@link createEventEmitter} needs. */
export interface EmitterOptions {
  readonly hook: ((event: AuthEvent) => unknown) | undefined;
  readonly clock: () => number;
  readonly trustProxy: boolean;
  readonly origin: string;
  /** Reports the hook's failure (never with the request). */
  readonly report: (error: unknown) => void;
}

/**
 * The emitter of an `Auth`: a no-op without `hooks.onEvent`.
 *
 * @param options - the hook, the clock, the proxy setting, the app origin and the report path.
 * @returns the emitter.
 */
export function createEventEmitter(options: EmitterOptions): EmitEvent {
  const { hook, clock, trustProxy, origin, report } = options;
  if (hook === undefined) return () => {};
  return (facts, request) => {
    const event = Object.freeze({
      ...facts,
      at: clock(),
      referenceId: newReferenceId(),
      ...(request ? requestFacts(request, trustProxy, origin) : {}),
    }) as AuthEvent;
    // A macrotask later: the answer is written first, and a synchronous hook cannot hold it up.
    setTimeout(() => {
      try {
        Promise.resolve(hook(event)).catch(report);
      } catch (error) {
        report(error);
      }
    }, 0);
  };
}

/** `ip`, `origin` and `userAgent` of a request; read now (the request may be gone when the hook runs). */
function requestFacts(request: AuthRequest, trustProxy: boolean, origin: string): Pick<AuthEventBase, 'ip' | 'origin' | 'userAgent'> {
  const ip = clientAddress(request, trustProxy);
  const ua = boundedUserAgent(request.header('user-agent'));
  return { ...(ip !== undefined ? { ip } : {}), origin: externalOrigin(request, trustProxy, origin), ...(ua !== undefined ? { userAgent: ua } : {}) };
}

/**
 * A `User-Agent` fit for a log: control characters removed, at most {@link MAX_EVENT_USER_AGENT} characters.
 *
 * @param raw - the header value.
 * @returns the text, or undefined for none.
 */
export function boundedUserAgent(raw: string | null): string | undefined {
  if (raw === null) return undefined;
  const text = raw.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return text === '' ? undefined : text.slice(0, MAX_EVENT_USER_AGENT);
}
