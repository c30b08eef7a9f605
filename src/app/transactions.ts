/**
 * Login transactions: each login attempt keeps its `state`, `nonce`, PKCE verifier, issuer and
 * `returnTo` in its own short-lived encrypted cookie, named after its `state`, never in the session
 * cookie. Ten tabs can log in at once; at most `max` transactions live per browser (the oldest are
 * expired by a new login); a transaction is opened once and deleted at the callback, whatever the
 * outcome, and a used `state` is remembered so that a replayed callback fails even with a copied
 * cookie.
 *
 * @see [RFC 9700 - Best Current Practice for OAuth 2.0 Security, section 4.7.1](https://www.rfc-editor.org/rfc/rfc9700.html#section-4.7.1)
 * @module
 */
import type { AuthorizationTransaction } from '../core/types.js';
import { SessionError, ValidationError } from '../errors.js';
import { timingSafeEqual } from '../internal/encoding.js';
import { expireCookie, readCookie, readCookiesWithPrefix, serializeCookie } from './cookies.js';
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
  /** Epoch ms after which the transaction is refused. */
  readonly expiresAt: number;
}

/** Length of the `state` prefix in the cookie name. */
const NAME_CHARS = 10;

/** Options of {@link Transactions}. */
export interface TransactionsOptions {
  readonly keyring: () => Promise<Keyring>;
  readonly prefix: string;
  readonly secure: boolean;
  readonly max: number;
  readonly maxAgeMs: number;
  readonly clock: () => number;
}

/** Creates and consumes login transaction cookies. */
export class Transactions {
  /** Used states until their expiry: a replayed callback is refused even with a copied cookie. */
  readonly #used = new Map<string, number>();

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
    const setCookies: string[] = [];
    const existing = readCookiesWithPrefix(cookieHeader, this.options.prefix);
    if (existing.length >= this.options.max) {
      const dated: { name: string; at: number }[] = [];
      for (const c of existing) {
        const p = (await keyring.open('transaction', c.value)) as TransactionData | undefined;
        dated.push({ name: c.name, at: p && typeof p.transaction?.createdAt === 'number' ? p.transaction.createdAt : 0 });
      }
      dated.sort((a, b) => a.at - b.at);
      for (const d of dated.slice(0, existing.length - this.options.max + 1)) setCookies.push(expireCookie(d.name, this.options.secure));
    }
    const full: TransactionData = { ...data, expiresAt: now + this.options.maxAgeMs };
    const value = await keyring.seal('transaction', full);
    setCookies.push(
      serializeCookie(this.cookieName(data.transaction.state), value, {
        secure: this.options.secure,
        maxAgeSeconds: Math.floor(this.options.maxAgeMs / 1000),
      }),
    );
    return setCookies;
  }

  /**
   * Finds, checks and consumes the transaction a callback belongs to.
   *
   * @param providerId - the provider of the callback route.
   * @param state - the callback `state` parameter (untrusted).
   * @param cookieHeader - the callback request's `Cookie` header.
   * @returns the transaction (send {@link Transactions.clear} with the answer, whatever it is).
   * @throws SessionError `TRANSACTION_MISSING` (no cookie: expired, other browser, replay) or
   *   `TRANSACTION_INVALID` (tampered, expired, other provider, other state).
   */
  async consume(providerId: string, state: string | null, cookieHeader: string | null): Promise<TransactionData> {
    // RFC 6749 §4.1.2: the callback must return the state sent.
    if (!state) throw new ValidationError('STATE_MISSING', 'The callback carries no `state`; start the login again.', { claim: 'state' });
    const name = this.cookieName(state);
    const raw = readCookie(cookieHeader, name);
    if (raw === undefined) throw new SessionError('TRANSACTION_MISSING');
    const now = this.options.clock();
    this.#prune(now);
    const keyring = await this.options.keyring();
    const data = (await keyring.open('transaction', raw)) as TransactionData | undefined;
    const invalid = (why: string): SessionError => new SessionError('TRANSACTION_INVALID', `The login transaction cookie ${why}; start the login again.`);
    if (!data || typeof data !== 'object' || typeof data.transaction?.state !== 'string') throw invalid('cannot be read (tampered, or sealed with a retired secret)');
    if (!(now < data.expiresAt)) throw invalid('expired');
    if (data.providerId !== providerId) throw invalid('belongs to another provider');
    // RFC 6749 §10.12: the state must match the one bound to this user agent (constant time).
    if (!timingSafeEqual(data.transaction.state, state)) throw invalid('belongs to another login');
    // RFC 9700 §4.2.4: a state is used once.
    if (this.#used.has(state)) throw new SessionError('TRANSACTION_MISSING', 'This login callback was already used; start the login again.');
    if (this.#used.size >= 100_000) this.#used.delete(this.#used.keys().next().value!);
    this.#used.set(state, data.expiresAt);
    return data;
  }

  /**
   * The `Set-Cookie` deleting the transaction cookie of a `state` (sent with every callback answer).
   *
   * @param state - the callback `state`.
   * @returns the header value.
   */
  clear(state: string): string {
    return expireCookie(this.cookieName(state), this.options.secure);
  }

  #prune(now: number): void {
    if (this.#used.size < 1000) return;
    for (const [s, exp] of this.#used) if (exp <= now) this.#used.delete(s);
  }
}
