/**
 * The user's sessions as the user sees them ("your devices"): a short label of the browser and
 * system a session was signed in from, an opaque handle per session that names it in
 * `POST /auth/sessions/revoke` without revealing its id, and the session views of
 * `GET /auth/sessions`.
 *
 * - The label is made once, at sign-in, from the `User-Agent` (RFC 9110 §10.1.5), and kept in the
 *   session: at most {@link MAX_DEVICE_LABEL} printable ASCII characters, never the whole header.
 * - The handle is base64url(SHA-256(`session-handle:` + session id)), cut to 22 characters (132
 *   bits): the store key never leaves the server, and a handle cannot be turned back into one.
 *
 * @module
 */
import { SessionError } from '../errors.js';
import { base64url, sha256 } from '../internal/encoding.js';
import type { AuthContext } from './context.js';
import type { Session } from './sessions/types.js';

/** The longest device label kept in a session. */
export const MAX_DEVICE_LABEL = 64;

/** The characters of a session handle. */
const HANDLE_LENGTH = 22;

/** Most characters of a `User-Agent` looked at: the names sit at its start. */
const MAX_UA_SCANNED = 512;

/** Browsers, most specific first (Edge and Opera also say "Chrome", Chrome also says "Safari"). */
const BROWSERS: readonly (readonly [RegExp, string])[] = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bChrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

/** Systems, most specific first (iPadOS says "Mac OS X", Android says "Linux"). */
const SYSTEMS: readonly (readonly [RegExp, string])[] = [
  [/\bWindows\b/, 'Windows'],
  [/\biPhone|\biPad|\biPod/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

/**
 * A short label of the device a `User-Agent` names: `Firefox on Linux`, `Safari on iOS`, or, for
 * other clients, the first product token (`curl/8.5.0`).
 *
 * @param userAgent - the request's `User-Agent` header (untrusted).
 * @returns the label (printable ASCII, at most {@link MAX_DEVICE_LABEL} characters), or undefined
 *   when the header is absent or says nothing printable.
 * @see [RFC 9110 - HTTP Semantics, section 10.1.5](https://www.rfc-editor.org/rfc/rfc9110.html#section-10.1.5)
 */
export function deviceLabel(userAgent: string | null | undefined): string | undefined {
  if (typeof userAgent !== 'string') return undefined;
  const ua = userAgent.slice(0, MAX_UA_SCANNED);
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  if (browser !== undefined && system !== undefined) return `${browser} on ${system}`;
  if (browser !== undefined || system !== undefined) return browser ?? system;
  // RFC 9110 §10.1.5: `product *( RWS ( product / comment ) )`; the first product names the client.
  const product = (ua.split(/\s/, 1)[0] ?? '').replace(/[^\x21-\x7e]/g, '').slice(0, MAX_DEVICE_LABEL);
  return product === '' ? undefined : product;
}

/**
 * The opaque handle of a session: what the user's list shows and `POST /auth/sessions/revoke`
 * takes, in place of the session id.
 *
 * @param sessionId - the session's id (its store key).
 * @returns 22 base64url characters.
 */
export async function sessionHandle(sessionId: string): Promise<string> {
  return base64url(await sha256(`session-handle:${sessionId}`)).slice(0, HANDLE_LENGTH);
}

/** One session of `GET /auth/sessions`. */
export interface SessionView {
  /** The opaque handle ({@link sessionHandle}). */
  readonly handle: string;
  /** The device label from the sign-in's `User-Agent`, or null when none was recorded. */
  readonly label: string | null;
  /** The provider the session was signed in with. */
  readonly provider: string;
  /** ISO 8601 instants. */
  readonly createdAt: string;
  /** When the session was last used, to the minute (its idle expiry moves at most once a minute). */
  readonly lastSeenAt: string;
  /** When the session ends unless used again (its idle or, if sooner, its absolute expiry). */
  readonly expiresAt: string;
  /** True for the session making this request. */
  readonly current: boolean;
}

/**
 * The live sessions of a user, from the session strategy.
 *
 * @param ctx - the auth context.
 * @param userId - the user.
 * @returns the sessions.
 * @throws SessionError `SESSIONS_UNSUPPORTED` (cookie strategy, or a store without `listByUser`); StorageError.
 */
export async function sessionsOfUser(ctx: AuthContext, userId: string): Promise<readonly Session[]> {
  const list = ctx.strategy.listByUser;
  if (typeof list !== 'function') {
    throw new SessionError(
      'SESSIONS_UNSUPPORTED',
      "Sealed cookie sessions keep no server-side list: the user's sessions cannot be listed or revoked one by one.",
    );
  }
  return list.call(ctx.strategy, userId, ctx.clock());
}

/**
 * The view of one session: no id, no token, no user data.
 *
 * @param ctx - the auth context (the idle timeout).
 * @param session - the session.
 * @param currentId - the id of the requesting session.
 * @returns the view.
 */
export async function sessionView(ctx: AuthContext, session: Session, currentId: string): Promise<SessionView> {
  // The idle expiry was last set to (use + idle timeout), capped by the absolute expiry.
  const lastSeen = Math.max(session.createdAt, Math.min(session.idleExpiresAt - ctx.config.idleTimeoutMs, ctx.clock()));
  return {
    handle: await sessionHandle(session.id),
    label: session.device ?? null,
    provider: session.providerId,
    createdAt: new Date(session.createdAt).toISOString(),
    lastSeenAt: new Date(lastSeen).toISOString(),
    expiresAt: new Date(Math.min(session.idleExpiresAt, session.absoluteExpiresAt)).toISOString(),
    current: session.id === currentId,
  };
}

/**
 * The views of the requesting user's sessions, the requesting one first, then the most recently seen.
 *
 * @param ctx - the auth context.
 * @param session - the requesting session.
 * @returns the views.
 * @throws SessionError `SESSIONS_UNSUPPORTED`; StorageError.
 */
export async function sessionViewsOf(ctx: AuthContext, session: Session): Promise<SessionView[]> {
  const views = await Promise.all((await sessionsOfUser(ctx, session.user.id)).map((s) => sessionView(ctx, s, session.id)));
  // A session just made may not be listed yet by an eventually consistent store (Workers KV).
  if (!views.some((v) => v.current)) views.push(await sessionView(ctx, session, session.id));
  return views.sort((a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt.localeCompare(a.lastSeenAt));
}
