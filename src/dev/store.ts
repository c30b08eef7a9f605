/**
 * In-memory state of the development identity provider: pending sign-in interactions, browser
 * sessions, one-time authorization codes, access tokens, and refresh-token families with rotation
 * and reuse detection. Everything expires; nothing is persisted.
 *
 * @module
 */
import { BoundedMap } from '../internal/bounded-map.js';
import { randomToken } from '../internal/encoding.js';
import type { FlavorName } from './types.js';

/** The parameters of an authorization request, kept while the sign-in page is shown. */
export interface Interaction {
  readonly id: string;
  readonly flavor: FlavorName;
  /** The path prefix of the flavor instance (e.g. `/microsoft/common`). */
  readonly prefix: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly params: Readonly<Record<string, string>>;
  readonly expiresAt: number;
}

/** A browser session at one flavor, found by its cookie. `id` doubles as the `sid` claim. */
export interface BrowserSession {
  readonly id: string;
  readonly flavor: FlavorName;
  readonly userId: string;
  /** Seconds since the epoch. */
  readonly authTime: number;
  /** Clients that received a code in this session → the issuer of their tokens (for back-channel logout). */
  readonly clients: Map<string, string>;
}

/** What an authorization code stands for. */
export interface CodeGrant {
  readonly flavor: FlavorName;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge?: string;
  readonly nonce?: string;
  readonly scopes: readonly string[];
  readonly userId: string;
  readonly authTime: number;
  readonly sid: string;
  /** The issuer the ID token carries (concrete even when discovery is templated). */
  readonly issuer: string;
  readonly refresh: boolean;
  /** Whether `auth_time` must be in the ID token (`max_age` was requested). */
  readonly maxAgeRequested: boolean;
  readonly expiresAt: number;
}

/** The grant behind access and refresh tokens: one family per code exchange. */
export interface TokenFamily {
  readonly id: string;
  readonly flavor: FlavorName;
  readonly clientId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
  readonly issuer: string;
  readonly sid: string;
  readonly authTime: number;
  readonly maxAgeRequested: boolean;
  revoked: boolean;
  /** The refresh token currently valid, if any. */
  currentRefreshToken?: string;
}

interface AccessTokenEntry {
  readonly familyId: string;
  readonly expiresAt: number;
}

interface CodeEntry {
  readonly grant: CodeGrant;
  /** Set when the code was exchanged: the family it produced (revoked on reuse). */
  usedBy?: string;
}

/** Result of looking up a refresh token. */
export type RefreshLookup =
  | { readonly status: 'current'; readonly family: TokenFamily }
  | { readonly status: 'reused'; readonly family: TokenFamily }
  | { readonly status: 'revoked' | 'unknown' };

/** Result of consuming a code. */
export type CodeLookup = { readonly status: 'ok'; readonly grant: CodeGrant } | { readonly status: 'reused' | 'expired' | 'unknown' };

const MAX_ENTRIES = 10_000;

/** A bounded map: the oldest entry goes when it is full (a dev server must not grow forever). */
function bounded<K, V>(): BoundedMap<K, V> {
  return new BoundedMap<K, V>({ maxEntries: MAX_ENTRIES });
}

/**
 * The dev IdP's state. Codes live 60 s and are one-time; refresh tokens rotate on every use and a
 * reused one revokes its whole family (RFC 9700 §4.14.2).
 *
 * @see [RFC 9700 - Best Current Practice for OAuth 2.0 Security](https://www.rfc-editor.org/rfc/rfc9700.html#section-4.14.2)
 */
export class DevStore {
  readonly #now: () => number;
  readonly interactions = bounded<string, Interaction>();
  readonly sessions = bounded<string, BrowserSession>();
  readonly #codes = bounded<string, CodeEntry>();
  readonly #families = bounded<string, TokenFamily>();
  readonly #accessTokens = bounded<string, AccessTokenEntry>();
  /** Every refresh token ever issued → its family id (rotated-out ones included, for reuse detection). */
  readonly #refreshTokens = bounded<string, string>();
  /** `${flavor} ${userId} ${clientId}` → scopes granted so far (Google `include_granted_scopes`, Apple first sign-in). */
  readonly grants = new Map<string, Set<string>>();

  /** @param now Milliseconds since the epoch. */
  constructor(now: () => number) {
    this.#now = now;
  }

  /** Stores an interaction for 10 minutes and returns it. */
  createInteraction(fields: Omit<Interaction, 'id' | 'expiresAt'>): Interaction {
    const interaction: Interaction = { ...fields, id: randomToken(18), expiresAt: this.#now() + 600_000 };
    this.interactions.set(interaction.id, interaction);
    return interaction;
  }

  /** The interaction, unless unknown or expired. */
  getInteraction(id: string): Interaction | undefined {
    const i = this.interactions.get(id);
    if (!i || i.expiresAt <= this.#now()) return undefined;
    return i;
  }

  /** Starts a browser session. */
  createSession(flavor: FlavorName, userId: string): BrowserSession {
    const session: BrowserSession = { id: randomToken(18), flavor, userId, authTime: Math.floor(this.#now() / 1000), clients: new Map() };
    this.sessions.set(session.id, session);
    return session;
  }

  /** Issues a one-time authorization code valid for 60 seconds. */
  issueCode(grant: Omit<CodeGrant, 'expiresAt'>): string {
    const code = randomToken(32);
    this.#codes.set(code, { grant: { ...grant, expiresAt: this.#now() + 60_000 } });
    return code;
  }

  /**
   * Consumes a code. A second use answers `reused` and revokes the tokens the first use produced
   * (RFC 6749 §4.1.2: the code MUST NOT be used more than once).
   */
  consumeCode(code: string): CodeLookup {
    const entry = this.#codes.get(code);
    if (!entry) return { status: 'unknown' };
    if (entry.usedBy !== undefined) {
      this.revokeFamily(entry.usedBy);
      return { status: 'reused' };
    }
    if (entry.grant.expiresAt <= this.#now()) {
      this.#codes.delete(code);
      return { status: 'expired' };
    }
    entry.usedBy = '';
    return { status: 'ok', grant: entry.grant };
  }

  /** Records which family a consumed code produced. */
  linkCodeToFamily(code: string, familyId: string): void {
    const entry = this.#codes.get(code);
    if (entry) entry.usedBy = familyId;
  }

  /** Starts a token family for a successful code exchange. */
  createFamily(fields: Omit<TokenFamily, 'id' | 'revoked' | 'currentRefreshToken'>): TokenFamily {
    const family: TokenFamily = { ...fields, id: randomToken(12), revoked: false };
    this.#families.set(family.id, family);
    return family;
  }

  /** Issues an access token for a family. */
  issueAccessToken(family: TokenFamily, ttlSeconds: number): string {
    const token = randomToken(32);
    this.#accessTokens.set(token, { familyId: family.id, expiresAt: this.#now() + ttlSeconds * 1000 });
    return token;
  }

  /** Issues the family's next refresh token; the previous one stops working (rotation). */
  rotateRefreshToken(family: TokenFamily): string {
    const token = randomToken(32);
    family.currentRefreshToken = token;
    this.#refreshTokens.set(token, family.id);
    return token;
  }

  /** The family behind a valid access token. */
  lookupAccessToken(token: string): TokenFamily | undefined {
    const entry = this.#accessTokens.get(token);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#accessTokens.delete(token);
      return undefined;
    }
    const family = this.#families.get(entry.familyId);
    return family && !family.revoked ? family : undefined;
  }

  /**
   * Looks a refresh token up. A rotated-out token answers `reused` (the caller revokes the family);
   * a token of a revoked family answers `revoked`.
   */
  lookupRefreshToken(token: string): RefreshLookup {
    const familyId = this.#refreshTokens.get(token);
    const family = familyId === undefined ? undefined : this.#families.get(familyId);
    if (!family) return { status: 'unknown' };
    if (family.revoked) return { status: 'revoked' };
    if (family.currentRefreshToken !== token) return { status: 'reused', family };
    return { status: 'current', family };
  }

  /** Revokes a family: its refresh token and every access token it issued stop working. */
  revokeFamily(familyId: string): void {
    const family = this.#families.get(familyId);
    if (!family) return;
    family.revoked = true;
    delete family.currentRefreshToken;
    for (const [token, entry] of this.#accessTokens) if (entry.familyId === familyId) this.#accessTokens.delete(token);
  }

  /** Revokes one access token (RFC 7009). Returns whether it existed. */
  revokeAccessToken(token: string): boolean {
    return this.#accessTokens.delete(token);
  }

  /** The family id of a refresh token, current or rotated-out. */
  familyOfRefreshToken(token: string): string | undefined {
    return this.#refreshTokens.get(token);
  }
}
