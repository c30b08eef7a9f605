/**
 * Login transactions: each login attempt keeps its `state`, `nonce`, PKCE verifier, issuer and
 * `returnTo` in its own short-lived encrypted cookie, named after its `state`, never in the session
 * cookie. Ten tabs can log in at once; at most `max` transactions live per browser, and together
 * they take at most {@link MAX_TRANSACTION_COOKIE_BYTES} of its `Cookie` header (the oldest are
 * expired by a new login), so unfinished logins can never push a browser's cookies past what
 * servers accept (a "cookie bomb": every request answered 431). A transaction cookie is deleted at
 * the callback, whatever the outcome.
 *
 * This module only finds and decrypts a transaction: the `state` itself (equal to this browser's,
 * used once) is checked in one place, the protocol core (`validateAuthorizationResponse` with the
 * client's one replay memory, RFC 6749 §10.12, RFC 9700 §4.7.1), when the callback route hands it
 * the transaction.
 *
 * @see [RFC 9700 - Best Current Practice for OAuth 2.0 Security, section 4.7.1](https://www.rfc-editor.org/rfc/rfc9700.html#section-4.7.1)
 * @module
 */
import type { AuthorizationTransaction } from '../core/types.js';
import { SessionError, ValidationError } from '../errors.js';
import { cookieBytes, expireCookie, readCookie, readCookiesWithPrefix, type SameSite, serializeCookie } from './cookies.js';
import type { Keyring } from './seal.js';

/** What a transaction cookie holds. */
export interface TransactionData {
  /** The provider id the login went to. */
  readonly providerId: string;
  /** The core transaction (state, nonce, verifier, issuer, redirect URI, …). */
  readonly transaction: AuthorizationTransaction;
  /** The same-origin path to land on. */
  readonly returnTo: string;
  /** `link`: link the identity to `linkUserId` instead of signing in. */
  readonly intent?: 'link';
  readonly linkUserId?: string;
  /** True when the login asked to stay signed in (`remember=1`). */
  readonly remember?: true;
  /** Epoch ms after which the transaction is refused. */
  readonly expiresAt: number;
}

/** Length of the `state` prefix in the cookie name. */
const NAME_CHARS = 10;

/**
 * The most bytes all transaction cookies of one browser may add to its `Cookie` header (each
 * `name=value; `). Node answers 431 above 16 KB of request headers (`--max-http-header-size`), and
 * many proxies at 8 to 16 KB: 8 KB leaves room for the session cookie (at most 4 KB) and the app's
 * own cookies. With `returnTo` capped at 512 bytes a transaction cookie is at most about 1.3 KB, so
 * at least five logins can be under way at once, and about ten typical ones.
 */
export const MAX_TRANSACTION_COOKIE_BYTES = 8192;

/** What one cookie adds to a `Cookie` header: `name=value; `. */
const headerCost = (name: string, value: string): number => cookieBytes(name, value) + 3;

/** Options of {@link Transactions}. */
export interface TransactionsOptions {
  readonly keyring: () => Promise<Keyring>;
  readonly prefix: string;
  readonly secure: boolean;
  /** The cookies' `SameSite` (default `Lax`). */
  readonly sameSite?: SameSite | undefined;
  readonly max: number;
  readonly maxAgeMs: number;
  readonly clock: () => number;
}

/** Creates and consumes login transaction cookies. */
export class Transactions {
  constructor(private readonly options: TransactionsOptions) {}

  /**
   * The cookie name of the transaction for a `state`.
   *
   * @param state - the `state` value.
   * @returns the name.
   */
  cookieName(state: string): string {
    return `${this.options.prefix}${state.replace(/[^A-Za-z0-9_-]/g, '').slice(0, NAME_CHARS)}`;
  }

  /**
   * Seals a new transaction into its own cookie and expires the oldest ones beyond the bound.
   *
   * @param data - the transaction (without `expiresAt`).
   * @param cookieHeader - the login request's `Cookie` header (to count live transactions).
   * @returns the `Set-Cookie` values to send with the redirect to the provider.
   */
  async create(data: Omit<TransactionData, 'expiresAt'>, cookieHeader: string | null): Promise<string[]> {
    const keyring = await this.options.keyring();
    const now = this.options.clock();
    const name = this.cookieName(data.transaction.state);
    const full: TransactionData = { ...data, expiresAt: now + this.options.maxAgeMs };
    const value = await keyring.seal('transaction', full);
    // Serialized first: a cookie over 4 KB fails here (COOKIE_TOO_LARGE) before anything is expired.
    const setCookie = serializeCookie(name, value, {
      secure: this.options.secure,
      maxAgeSeconds: Math.floor(this.options.maxAgeMs / 1000),
      sameSite: this.options.sameSite,
    });
    const existing = readCookiesWithPrefix(cookieHeader, this.options.prefix).filter((c) => c.name !== name);
    const expired = await this.#evict(existing, headerCost(name, value), keyring);
    return [...expired.map((n) => expireCookie(n, this.options.secure, this.options.sameSite)), setCookie];
  }

  /**
   * The names of the transaction cookies to expire so that, with the new one, at most `max` remain
   * and they take at most {@link MAX_TRANSACTION_COOKIE_BYTES}: the oldest first (unreadable ones,
   * tampered or sealed with a retired secret, before all others).
   */
  async #evict(existing: { name: string; value: string }[], newCost: number, keyring: Keyring): Promise<string[]> {
    let count = existing.length + 1;
    let bytes = newCost;
    for (const c of existing) bytes += headerCost(c.name, c.value);
    if (count <= this.options.max && bytes <= MAX_TRANSACTION_COOKIE_BYTES) return [];
    const dated: { name: string; cost: number; at: number }[] = [];
    for (const c of existing) {
      const p = (await keyring.open('transaction', c.value)) as TransactionData | undefined;
      dated.push({ name: c.name, cost: headerCost(c.name, c.value), at: p && typeof p.transaction?.createdAt === 'number' ? p.transaction.createdAt : 0 });
    }
    dated.sort((a, b) => a.at - b.at);
    const names: string[] = [];
    for (const d of dated) {
      if (count <= this.options.max && bytes <= MAX_TRANSACTION_COOKIE_BYTES) break;
      names.push(d.name);
      count--;
      bytes -= d.cost;
    }
    return names;
  }

  /**
   * Finds and decrypts the transaction a callback belongs to: the cookie named after its `state`,
   * readable, not expired, of this provider. The `state` itself is not compared here, nor
   * remembered: the core does both, once (`OidcClient.callback`).
   *
   * @param providerId - the provider of the callback route.
   * @param state - the callback `state` parameter (untrusted), which names the cookie.
   * @param cookieHeader - the callback request's `Cookie` header.
   * @returns the transaction, for the core to check (send {@link Transactions.clear} with the answer, whatever it is).
   * @throws ValidationError `STATE_MISSING` (no `state`, so no cookie to look for); SessionError
   *   `TRANSACTION_MISSING` (no cookie: expired, other browser) or `TRANSACTION_INVALID` (tampered,
   *   expired, other provider).
   */
  async open(providerId: string, state: string | null, cookieHeader: string | null): Promise<TransactionData> {
    // RFC 6749 §4.1.2: the callback returns the state sent; without it there is no cookie to find.
    if (!state) throw new ValidationError('STATE_MISSING', 'The callback carries no `state`; start the login again.', { claim: 'state' });
    const raw = readCookie(cookieHeader, this.cookieName(state));
    if (raw === undefined) throw new SessionError('TRANSACTION_MISSING');
    const keyring = await this.options.keyring();
    const data = (await keyring.open('transaction', raw)) as TransactionData | undefined;
    const invalid = (why: string): SessionError => new SessionError('TRANSACTION_INVALID', `The login transaction cookie ${why}; start the login again.`);
    if (!data || typeof data !== 'object' || typeof data.transaction?.state !== 'string')
      throw invalid('cannot be read (tampered, or sealed with a retired secret)');
    if (!(this.options.clock() < data.expiresAt)) throw invalid('expired');
    if (data.providerId !== providerId) throw invalid('belongs to another provider');
    return data;
  }

  /**
   * The `Set-Cookie` deleting the transaction cookie of a `state` (sent with every callback answer).
   *
   * @param state - the callback `state`.
   * @returns the header value.
   */
  clear(state: string): string {
    return expireCookie(this.cookieName(state), this.options.secure, this.options.sameSite);
  }
}
