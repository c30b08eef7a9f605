/**
 * The stateless session strategy: the whole session, encrypted, in the session cookie. Key rotation
 * comes from the keyring (newest secret seals, any configured secret opens). A session that would
 * not fit in a cookie fails loudly with `SESSION_TOO_LARGE` instead of being silently dropped by the
 * browser. Revocation (logout, "log out everywhere", back-channel logout) is recorded in this
 * process until the revoked sessions would have expired anyway and, when a shared store is
 * configured (`store.replay`), in that store too, where every other process reads it when it
 * re-checks a session (at most `session.revalidateSeconds` after its last check).
 *
 * @module
 */
import { SessionError } from '../../errors.js';
import { base64url, randomToken, sha256 } from '../../internal/encoding.js';
import type { ReplayStore } from '../../storage/types.js';
import { MAX_COOKIE_BYTES } from '../cookies.js';
import type { Keyring } from '../seal.js';
import type { NewSession, RevokeSelector, Session, SessionStrategy, SessionUser } from './types.js';

interface Sealed {
  readonly v: 1;
  readonly id: string;
  readonly u: SessionUser;
  readonly p: string;
  readonly is: string;
  readonly sb: string;
  readonly sd?: string;
  readonly c: number;
  readonly i: number;
  readonly a: number;
  readonly d: Readonly<Record<string, unknown>>;
  readonly t?: string;
  /** 1: a browser session (its cookie has no `Max-Age`). */
  readonly b?: 1;
}

/** Options of {@link CookieSessionStrategy}. */
export interface CookieSessionOptions {
  readonly keyring: () => Promise<Keyring>;
  readonly cookieName: string;
  readonly idleTimeoutMs: number;
  readonly absoluteTimeoutMs: number;
  /** Revocations shared with every other instance (the app's store), when configured. */
  readonly shared?: ReplayStore | undefined;
}

/** Sessions sealed into the cookie. */
export class CookieSessionStrategy implements SessionStrategy {
  /** Revoked session ids, until their absolute expiry. */
  readonly #revokedIds = new Map<string, number>();
  /** Sessions created before these instants are revoked, by user / identity / provider session. */
  readonly #notBefore = new Map<string, { at: number; until: number }>();

  constructor(private readonly options: CookieSessionOptions) {}

  async create(input: NewSession, now: number): Promise<{ session: Session; cookieValue: string }> {
    const session: Session = {
      ...input,
      id: randomToken(16),
      createdAt: now,
      idleExpiresAt: Math.min(now + this.options.idleTimeoutMs, now + this.options.absoluteTimeoutMs),
      absoluteExpiresAt: now + this.options.absoluteTimeoutMs,
    };
    return { session, cookieValue: await this.#seal(session) };
  }

  async resolve(cookieValue: string, now: number): Promise<Session | null> {
    const keyring = await this.options.keyring();
    const p = (await keyring.open('session', cookieValue)) as Sealed | undefined;
    if (!p || typeof p !== 'object' || p.v !== 1 || typeof p.id !== 'string' || typeof p.u?.id !== 'string') return null;
    if (!(now < p.i && now < p.a)) return null;
    const session: Session = {
      id: p.id,
      user: p.u,
      providerId: p.p,
      issuer: p.is,
      subject: p.sb,
      ...(p.sd !== undefined ? { sid: p.sd } : {}),
      createdAt: p.c,
      idleExpiresAt: p.i,
      absoluteExpiresAt: p.a,
      data: p.d ?? {},
      ...(p.t !== undefined ? { idToken: p.t } : {}),
      ...(p.b === 1 ? { browserSession: true as const } : {}),
    };
    if (this.#isRevoked(session)) return null;
    return (await this.#sharedRevoked(session)) ? null : session;
  }

  async touch(session: Session, _cookieValue: string, now: number): Promise<string | undefined> {
    const moved: Session = { ...session, idleExpiresAt: Math.min(now + this.options.idleTimeoutMs, session.absoluteExpiresAt) };
    return this.#seal(moved);
  }

  /**
   * Whether a session (e.g. one carried by an access token) was revoked in this process.
   *
   * @param session - the session.
   * @returns true when revoked.
   */
  isRevoked(session: Session): boolean {
    return this.#isRevoked(session);
  }

  async resolveById(): Promise<undefined> {
    return undefined;
  }

  async destroy(session: Session, now: number): Promise<void> {
    this.#prune(now);
    this.#revokedIds.set(session.id, session.absoluteExpiresAt);
    await this.options.shared?.revoke(await sharedKey(`i ${session.id}`), now, session.absoluteExpiresAt);
  }

  async revoke(selector: RevokeSelector, now: number): Promise<readonly string[]> {
    this.#prune(now);
    const key = selectorKey(selector);
    const until = now + this.options.absoluteTimeoutMs;
    this.#notBefore.set(key, { at: now, until });
    await this.options.shared?.revoke(await sharedKey(key), now, until);
    return [];
  }

  /**
   * Whether another instance revoked the session (the shared store), recorded here when it did so
   * that its access tokens are refused in this process too.
   */
  async #sharedRevoked(s: Session): Promise<boolean> {
    const shared = this.options.shared;
    if (shared === undefined) return false;
    const keys = [`i ${s.id}`, ...sessionSelectorKeys(s)];
    const latest = await shared.revokedAt(await Promise.all(keys.map(sharedKey)));
    if (latest === null || latest < s.createdAt) return false;
    this.#revokedIds.set(s.id, s.absoluteExpiresAt);
    return true;
  }

  /** Whether a resolved session was revoked in this process. */
  #isRevoked(s: Session): boolean {
    if (this.#revokedIds.has(s.id)) return true;
    if (this.#notBefore.size === 0) return false;
    return sessionSelectorKeys(s).some((k) => {
      const nb = this.#notBefore.get(k);
      return nb !== undefined && s.createdAt <= nb.at;
    });
  }

  #prune(now: number): void {
    for (const [id, until] of this.#revokedIds) if (until <= now) this.#revokedIds.delete(id);
    for (const [k, v] of this.#notBefore) if (v.until <= now) this.#notBefore.delete(k);
  }

  async #seal(s: Session): Promise<string> {
    const payload: Sealed = {
      v: 1,
      id: s.id,
      u: s.user,
      p: s.providerId,
      is: s.issuer,
      sb: s.subject,
      ...(s.sid !== undefined ? { sd: s.sid } : {}),
      c: s.createdAt,
      i: s.idleExpiresAt,
      a: s.absoluteExpiresAt,
      d: s.data,
      ...(s.idToken !== undefined ? { t: s.idToken } : {}),
      ...(s.browserSession === true ? { b: 1 as const } : {}),
    };
    const value = await (await this.options.keyring()).seal('session', payload);
    // RFC 6265bis §5.7: user agents drop a cookie whose name and value exceed 4096 bytes. Refuse
    // loudly here instead of letting the browser drop it silently (next request: not signed in).
    const size = this.options.cookieName.length + 1 + value.length;
    if (size > MAX_COOKIE_BYTES) {
      throw new SessionError(
        'SESSION_TOO_LARGE',
        `The session cookie would be ${size} bytes, over the ${MAX_COOKIE_BYTES} browsers keep; keep less in \`sessionData\` (onLogin), or use session: { strategy: 'server' }.`,
      );
    }
    return value;
  }
}

function selectorKey(s: RevokeSelector): string {
  if ('userId' in s) return `u ${s.userId}`;
  if ('sid' in s) return `s ${s.issuer} ${s.sid}`;
  return `b ${s.issuer} ${s.subject}`;
}

/** The selector keys that name a session: its user, its identity and its provider session. */
function sessionSelectorKeys(s: Session): string[] {
  const keys = [selectorKey({ userId: s.user.id }), selectorKey({ issuer: s.issuer, subject: s.subject })];
  if (s.sid !== undefined) keys.push(selectorKey({ issuer: s.issuer, sid: s.sid }));
  return keys;
}

/** A selector as the shared store keeps it: hashed (no user id, issuer or sid in the store). */
async function sharedKey(selector: string): Promise<string> {
  return base64url(await sha256(`latchkey-revocation ${selector}`));
}
