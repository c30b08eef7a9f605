/**
 * The shared store suite: every backend (memory, SQLite, PostgreSQL, MySQL/MariaDB, Redis for
 * sessions) runs exactly these tests through the public interfaces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLatchkeyError } from '../../src/errors.js';
import { randomToken } from '../../src/internal/encoding.js';
import type { Profile } from '../../src/providers/types.js';
import { signInWithIdentity, unlinkIdentity } from '../../src/storage/linking.js';
import type { NewAccount, SessionRecord, SessionStore, UserStore } from '../../src/storage/types.js';

/** Expects `promise` to reject with a Latchkey error of `code`; returns the error. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    expect(isLatchkeyError(err) ? err.code : err).toBe(code);
    return err as Error;
  }
  throw new Error(`expected ${code}, got success`);
}

/** A unique issuer per test, so tests sharing one store never see each other's rows. */
export function uniqueIssuer(): string {
  return `https://idp-${randomToken(6).toLowerCase()}.example`;
}

/** A profile for `issuer`/`subject`. */
export function profileOf(issuer: string, subject: string, email: string | null, emailVerified: boolean): Profile {
  return {
    issuer,
    subject,
    email,
    emailVerified,
    name: 'Ada Lovelace',
    givenName: 'Ada',
    familyName: 'Lovelace',
    picture: 'https://img.example/ada.png',
    locale: null,
    raw: { sub: subject },
  };
}

function account(issuer: string, subject: string, providerId = 'google'): NewAccount {
  return {
    providerId,
    issuer,
    subject,
    scopes: ['openid', 'email'],
    tokens: { accessToken: `at-${subject}`, refreshToken: `rt-${subject}`, expiresAt: 1_900_000_000_000 },
  };
}

function email(): string {
  return `user-${randomToken(6).replace(/[^a-zA-Z0-9]/g, 'x')}@Example.COM`;
}

/** Runs the user-store tests against `open()`. */
export function userStoreSuite(name: string, open: () => Promise<{ users: UserStore; close: () => Promise<void> }>): void {
  describe(`${name}: UserStore`, () => {
    let users: UserStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ users, close } = await open());
    });
    afterAll(async () => {
      await close?.();
    });

    it('creates a user with its first account and reads them back', async () => {
      const iss = uniqueIssuer();
      const mail = email();
      const r = await users.createUserWithAccount({ email: mail, emailVerified: true, name: 'Ada', image: null }, account(iss, 's1'));
      expect(r.created).toBe(true);
      expect(r.user.email).toBe(mail);
      expect(r.user.emailVerified).toBe(true);
      expect(r.user.createdAt).toBeInstanceOf(Date);
      expect(r.account.userId).toBe(r.user.id);
      expect(r.account.tokenVersion).toBe(1);
      expect(r.account.needsReauth).toBe(false);
      expect(await users.getUser(r.user.id)).toMatchObject({ id: r.user.id, email: mail, name: 'Ada', image: null, emailVerified: true });
      const acc = await users.getAccount(iss, 's1');
      expect(acc).toMatchObject({ id: r.account.id, userId: r.user.id, providerId: 'google', issuer: iss, subject: 's1' });
      expect(acc!.scopes).toEqual(['openid', 'email']);
      expect(acc!.tokens).toEqual({ accessToken: 'at-s1', refreshToken: 'rt-s1', expiresAt: 1_900_000_000_000 });
      expect((await users.getAccountById(r.account.id))!.subject).toBe('s1');
      expect((await users.listAccounts(r.user.id)).map((a) => a.id)).toEqual([r.account.id]);
      expect(await users.getUser('usr_nope')).toBeNull();
      expect(await users.getAccount(iss, 'other')).toBeNull();
      expect(await users.getAccountById('acc_nope')).toBeNull();
    });

    it('finds users by email case-insensitively and refuses a second user with the same email', async () => {
      const mail = email();
      const r = await users.createUserWithAccount({ email: mail, emailVerified: false, name: null, image: null }, account(uniqueIssuer(), 'x'));
      expect((await users.getUserByEmail(mail.toLowerCase()))!.id).toBe(r.user.id);
      expect((await users.getUserByEmail(mail.toUpperCase()))!.id).toBe(r.user.id);
      expect(await users.getUserByEmail(`nobody-${mail}`)).toBeNull();
      await expectCode(
        users.createUserWithAccount({ email: mail.toUpperCase(), emailVerified: true, name: null, image: null }, account(uniqueIssuer(), 'y')),
        'STORAGE_CONFLICT',
      );
    });

    it('allows many users without an email', async () => {
      const a = await users.createUserWithAccount({ email: null, emailVerified: false, name: null, image: null }, account(uniqueIssuer(), 'n1'));
      const b = await users.createUserWithAccount({ email: null, emailVerified: false, name: null, image: null }, account(uniqueIssuer(), 'n2'));
      expect(a.user.id).not.toBe(b.user.id);
    });

    it('returns the existing pair when the identity already exists', async () => {
      const iss = uniqueIssuer();
      const first = await users.createUserWithAccount({ email: email(), emailVerified: true, name: null, image: null }, account(iss, 'dup'));
      const second = await users.createUserWithAccount({ email: email(), emailVerified: true, name: null, image: null }, account(iss, 'dup'));
      expect(second.created).toBe(false);
      expect(second.user.id).toBe(first.user.id);
      expect(second.account.id).toBe(first.account.id);
    });

    it('20 concurrent first logins of one identity leave exactly one user', async () => {
      const iss = uniqueIssuer();
      const mail = email();
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          signInWithIdentity(users, {
            providerId: 'google',
            profile: profileOf(iss, 'race', mail, true),
            tokens: { accessToken: 'at' },
            scopes: ['openid'],
            allowEmailLinking: false,
          }),
        ),
      );
      const userIds = new Set(results.map((r) => r.user.id));
      const accountIds = new Set(results.map((r) => r.account.id));
      expect(userIds.size).toBe(1);
      expect(accountIds.size).toBe(1);
      expect(results.filter((r) => r.created).length).toBe(1);
      expect((await users.getUserByEmail(mail))!.id).toBe([...userIds][0]);
      expect(await users.listAccounts([...userIds][0]!)).toHaveLength(1);
    });

    it('20 concurrent raw createUserWithAccount calls for one identity create one user', async () => {
      const iss = uniqueIssuer();
      const results = await Promise.all(
        Array.from({ length: 20 }, () => users.createUserWithAccount({ email: null, emailVerified: false, name: null, image: null }, account(iss, 'race2'))),
      );
      expect(new Set(results.map((r) => r.user.id)).size).toBe(1);
      expect(results.filter((r) => r.created).length).toBe(1);
    });

    it('updates users; an email taken by another user is a conflict', async () => {
      const a = await users.createUserWithAccount({ email: email(), emailVerified: false, name: 'A', image: null }, account(uniqueIssuer(), 'u1'));
      const b = await users.createUserWithAccount({ email: email(), emailVerified: false, name: 'B', image: null }, account(uniqueIssuer(), 'u2'));
      const updated = await users.updateUser(a.user.id, { name: 'A2', emailVerified: true });
      expect(updated).toMatchObject({ id: a.user.id, name: 'A2', emailVerified: true, email: a.user.email });
      expect((await users.getUser(a.user.id))!.name).toBe('A2');
      await expectCode(users.updateUser(a.user.id, { email: b.user.email!.toUpperCase() }), 'STORAGE_CONFLICT');
      const moved = await users.updateUser(a.user.id, { email: 'moved-' + a.user.email });
      expect((await users.getUserByEmail(moved.email!))!.id).toBe(a.user.id);
      expect(await users.getUserByEmail(a.user.email!)).toBeNull();
    });

    it('links, refuses a link to another user, and never unlinks the last account', async () => {
      const iss = uniqueIssuer();
      const a = await users.createUserWithAccount({ email: email(), emailVerified: true, name: null, image: null }, account(iss, 'a'));
      const b = await users.createUserWithAccount({ email: email(), emailVerified: true, name: null, image: null }, account(iss, 'b'));
      const gh = await users.linkAccount(a.user.id, account('https://github.com', `gh-${randomToken(4)}`, 'github'));
      expect(gh.userId).toBe(a.user.id);
      expect((await users.linkAccount(a.user.id, account('https://github.com', gh.subject, 'github'))).id).toBe(gh.id);
      await expectCode(users.linkAccount(b.user.id, account('https://github.com', gh.subject, 'github')), 'ACCOUNT_ALREADY_LINKED');
      expect(await users.listAccounts(a.user.id)).toHaveLength(2);
      await expectCode(users.unlinkAccount(b.user.id, gh.id), 'STORAGE_CONFLICT');
      await unlinkIdentity(users, a.user.id, gh.id);
      expect(await users.getAccountById(gh.id)).toBeNull();
      await expectCode(unlinkIdentity(users, a.user.id, a.account.id), 'LAST_LOGIN_METHOD');
      expect(await users.getAccountById(a.account.id)).not.toBeNull();
    });

    it('concurrent unlinks of a two-account user leave one account', async () => {
      const a = await users.createUserWithAccount({ email: null, emailVerified: false, name: null, image: null }, account(uniqueIssuer(), 'c1'));
      const second = await users.linkAccount(a.user.id, account(uniqueIssuer(), 'c2'));
      const outcomes = await Promise.allSettled([users.unlinkAccount(a.user.id, a.account.id), users.unlinkAccount(a.user.id, second.id)]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(await users.listAccounts(a.user.id)).toHaveLength(1);
    });

    it('updates tokens with compare-and-set on tokenVersion', async () => {
      const r = await users.createUserWithAccount({ email: null, emailVerified: false, name: null, image: null }, account(uniqueIssuer(), 't'));
      const v2 = await users.updateAccountTokens(r.account.id, { tokens: { accessToken: 'new', expiresAt: 123 }, scopes: ['openid', 'x'] }, 1);
      expect(v2).toMatchObject({ tokenVersion: 2, tokens: { accessToken: 'new', expiresAt: 123 }, scopes: ['openid', 'x'], needsReauth: false });
      expect(await users.updateAccountTokens(r.account.id, { tokens: { accessToken: 'stale' } }, 1)).toBeNull();
      expect((await users.getAccountById(r.account.id))!.tokens).toEqual({ accessToken: 'new', expiresAt: 123 });
      const v3 = await users.updateAccountTokens(r.account.id, { tokens: null, needsReauth: true });
      expect(v3).toMatchObject({ tokenVersion: 3, tokens: null, needsReauth: true, scopes: ['openid', 'x'] });
      expect(await users.updateAccountTokens('acc_nope', { tokens: null })).toBeNull();
      // Concurrent CAS from the same version: exactly one wins.
      const cas = await Promise.all([1, 2, 3, 4, 5].map((i) => users.updateAccountTokens(r.account.id, { tokens: { accessToken: `c${i}` } }, 3)));
      expect(cas.filter((x) => x !== null)).toHaveLength(1);
      expect((await users.getAccountById(r.account.id))!.tokenVersion).toBe(4);
    });
  });

  describe(`${name}: linking policy`, () => {
    let users: UserStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ users, close } = await open());
    });
    afterAll(async () => {
      await close?.();
    });

    it('creates a user on first sign-in, then signs the same identity in again', async () => {
      const iss = uniqueIssuer();
      const mail = email();
      const first = await signInWithIdentity(users, {
        providerId: 'google',
        profile: profileOf(iss, 'p1', mail, true),
        tokens: { accessToken: 'a1', refreshToken: 'r1' },
        scopes: ['openid'],
        allowEmailLinking: false,
      });
      expect(first).toMatchObject({ created: true, linked: false });
      expect(first.user).toMatchObject({ email: mail, emailVerified: true, name: 'Ada Lovelace', image: 'https://img.example/ada.png' });
      const again = await signInWithIdentity(users, {
        providerId: 'google',
        profile: profileOf(iss, 'p1', mail, true),
        tokens: { accessToken: 'a2' },
        scopes: ['openid', 'email'],
        allowEmailLinking: false,
      });
      expect(again).toMatchObject({ created: false, linked: false });
      expect(again.user.id).toBe(first.user.id);
      // The refresh token from the first consent is kept when the provider sends none.
      expect(again.account.tokens).toEqual({ accessToken: 'a2', refreshToken: 'r1' });
      expect(again.account.scopes).toEqual(['openid', 'email']);
    });

    it('links by email only when allowed and verified on both sides', async () => {
      const mail = email();
      const victim = await signInWithIdentity(users, {
        providerId: 'google',
        profile: profileOf(uniqueIssuer(), 'v', mail, true),
        tokens: null,
        scopes: [],
        allowEmailLinking: false,
      });
      const other = uniqueIssuer();
      // Not enabled for this provider.
      await expectCode(
        signInWithIdentity(users, { providerId: 'gitlab', profile: profileOf(other, 'o', mail, true), tokens: null, scopes: [], allowEmailLinking: false }),
        'ACCOUNT_NOT_LINKED',
      );
      // Enabled, and verified on both sides (case differs).
      const linked = await signInWithIdentity(users, {
        providerId: 'gitlab',
        profile: profileOf(other, 'o', mail.toUpperCase(), true),
        tokens: null,
        scopes: [],
        allowEmailLinking: true,
      });
      expect(linked).toMatchObject({ created: false, linked: true });
      expect(linked.user.id).toBe(victim.user.id);
      expect(await users.listAccounts(victim.user.id)).toHaveLength(2);
    });

    it("security: an unverified provider email equal to a victim's never reaches the victim's account", async () => {
      const mail = email();
      const victim = await signInWithIdentity(users, {
        providerId: 'google',
        profile: profileOf(uniqueIssuer(), 'victim', mail, true),
        tokens: { accessToken: 'victim-token' },
        scopes: [],
        allowEmailLinking: true,
      });
      const evil = uniqueIssuer();
      const err = await expectCode(
        signInWithIdentity(users, {
          providerId: 'evil',
          profile: profileOf(evil, 'attacker', mail, false),
          tokens: { accessToken: 'attacker-token' },
          scopes: [],
          allowEmailLinking: true,
        }),
        'ACCOUNT_NOT_LINKED',
      );
      expect(err.message).not.toContain('attacker-token');
      expect(err.message).not.toContain(mail);
      expect(await users.getAccount(evil, 'attacker')).toBeNull();
      expect(await users.listAccounts(victim.user.id)).toHaveLength(1);
      expect((await users.getUserByEmail(mail))!.id).toBe(victim.user.id);
      expect((await users.getAccountById(victim.account.id))!.tokens).toEqual({ accessToken: 'victim-token' });
    });

    it('does not link to a local user whose email is unverified', async () => {
      const mail = email();
      await signInWithIdentity(users, {
        providerId: 'x',
        profile: profileOf(uniqueIssuer(), 'unv', mail, false),
        tokens: null,
        scopes: [],
        allowEmailLinking: true,
      });
      await expectCode(
        signInWithIdentity(users, {
          providerId: 'google',
          profile: profileOf(uniqueIssuer(), 'g', mail, true),
          tokens: null,
          scopes: [],
          allowEmailLinking: true,
        }),
        'ACCOUNT_NOT_LINKED',
      );
    });

    it('links explicitly for a signed-in user, and refuses an identity owned by another user', async () => {
      const a = await signInWithIdentity(users, {
        providerId: 'google',
        profile: profileOf(uniqueIssuer(), 'ea', email(), true),
        tokens: null,
        scopes: [],
        allowEmailLinking: false,
      });
      const b = await signInWithIdentity(users, {
        providerId: 'google',
        profile: profileOf(uniqueIssuer(), 'eb', email(), true),
        tokens: null,
        scopes: [],
        allowEmailLinking: false,
      });
      const gh = uniqueIssuer();
      // Explicit link works even with an unrelated, unverified email.
      const linked = await signInWithIdentity(users, {
        providerId: 'github',
        profile: profileOf(gh, 'g1', 'other@example.org', false),
        tokens: null,
        scopes: [],
        allowEmailLinking: false,
        linkToUserId: a.user.id,
      });
      expect(linked).toMatchObject({ linked: true, created: false });
      expect(linked.user.id).toBe(a.user.id);
      // Same identity again with link intent for the same user: just a sign-in.
      expect(
        (
          await signInWithIdentity(users, {
            providerId: 'github',
            profile: profileOf(gh, 'g1', null, false),
            tokens: null,
            scopes: [],
            allowEmailLinking: false,
            linkToUserId: a.user.id,
          })
        ).linked,
      ).toBe(false);
      await expectCode(
        signInWithIdentity(users, {
          providerId: 'github',
          profile: profileOf(gh, 'g1', null, false),
          tokens: null,
          scopes: [],
          allowEmailLinking: false,
          linkToUserId: b.user.id,
        }),
        'ACCOUNT_ALREADY_LINKED',
      );
      await expectCode(
        signInWithIdentity(users, {
          providerId: 'github',
          profile: profileOf(gh, 'g2', null, false),
          tokens: null,
          scopes: [],
          allowEmailLinking: false,
          linkToUserId: 'usr_gone',
        }),
        'UNAUTHENTICATED',
      );
    });
  });
}

/** A session record for tests. */
export function sessionOf(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    id: randomToken(32),
    userId: `usr_${randomToken(8)}`,
    providerId: 'google',
    issuer: 'https://accounts.google.com',
    subject: `sub-${randomToken(8)}`,
    createdAt: now,
    idleExpiresAt: now + 60_000,
    absoluteExpiresAt: now + 3_600_000,
    data: { user: { name: 'Ada', roles: ['a', 'b'] }, idTokenHint: 'x.y.z' },
    ...overrides,
  };
}

/** Runs the session-store tests against `open()`. */
export function sessionStoreSuite(name: string, open: () => Promise<{ sessions: SessionStore; close: () => Promise<void> }>): void {
  describe(`${name}: SessionStore`, () => {
    let sessions: SessionStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ sessions, close } = await open());
    });
    afterAll(async () => {
      await close?.();
    });

    it('creates, reads, touches and deletes a session', async () => {
      const s = sessionOf({ sid: 'sid-1' });
      await sessions.create(s);
      expect(await sessions.get(s.id)).toEqual(s);
      const later = s.idleExpiresAt + 10_000;
      await sessions.touch(s.id, later);
      expect((await sessions.get(s.id))!.idleExpiresAt).toBe(later);
      await sessions.delete(s.id);
      expect(await sessions.get(s.id)).toBeNull();
      await sessions.delete(s.id);
      await sessions.touch(s.id, later);
      expect(await sessions.get(s.id)).toBeNull();
      expect(await sessions.get('never-existed')).toBeNull();
    });

    it('expires on the idle and on the absolute deadline', async () => {
      const now = Date.now();
      const idle = sessionOf({ idleExpiresAt: now + 300, absoluteExpiresAt: now + 60_000 });
      const absolute = sessionOf({ idleExpiresAt: now + 60_000, absoluteExpiresAt: now + 300 });
      const past = sessionOf({ idleExpiresAt: now - 1, absoluteExpiresAt: now + 60_000 });
      await sessions.create(idle);
      await sessions.create(absolute);
      await sessions.create(past);
      expect(await sessions.get(idle.id)).not.toBeNull();
      expect(await sessions.get(absolute.id)).not.toBeNull();
      expect(await sessions.get(past.id)).toBeNull();
      await new Promise((r) => setTimeout(r, 450));
      expect(await sessions.get(idle.id)).toBeNull();
      expect(await sessions.get(absolute.id)).toBeNull();
    });

    it('touch keeps a session alive past its first idle deadline', async () => {
      const now = Date.now();
      const s = sessionOf({ idleExpiresAt: now + 300, absoluteExpiresAt: now + 60_000 });
      await sessions.create(s);
      await sessions.touch(s.id, Date.now() + 5_000);
      await new Promise((r) => setTimeout(r, 450));
      expect(await sessions.get(s.id)).not.toBeNull();
    });

    it('logs a user out everywhere, and only that user', async () => {
      const userId = `usr_${randomToken(8)}`;
      const a = sessionOf({ userId });
      const b = sessionOf({ userId, sid: 'x' });
      const other = sessionOf();
      await Promise.all([sessions.create(a), sessions.create(b), sessions.create(other)]);
      const deleted = await sessions.deleteByUser(userId);
      expect(deleted.sort()).toEqual([a.id, b.id].sort());
      expect(await sessions.get(a.id)).toBeNull();
      expect(await sessions.get(b.id)).toBeNull();
      expect(await sessions.get(other.id)).not.toBeNull();
      expect(await sessions.deleteByUser(userId)).toEqual([]);
    });

    it("lists a user's live sessions, oldest first, and only that user's", async () => {
      expect(sessions.listByUser).toBeTypeOf('function');
      const userId = `usr_${randomToken(8)}`;
      const now = Date.now();
      const a = sessionOf({ userId, createdAt: now - 2000, data: { user: { id: userId }, device: 'Firefox on Linux' } });
      const b = sessionOf({ userId, createdAt: now - 1000, sid: 'list-sid' });
      const expired = sessionOf({ userId, idleExpiresAt: now - 10, absoluteExpiresAt: now + 10_000 });
      const other = sessionOf();
      await Promise.all([a, b, expired, other].map((s) => sessions.create(s)));
      const listed = await sessions.listByUser!(userId);
      expect(listed.map((r) => r.id)).toEqual([a.id, b.id]);
      expect(listed[0]).toEqual(a);
      expect(listed[1]!.sid).toBe('list-sid');
      await sessions.delete(a.id);
      expect((await sessions.listByUser!(userId)).map((r) => r.id)).toEqual([b.id]);
      await sessions.deleteByUser(userId);
      expect(await sessions.listByUser!(userId)).toEqual([]);
      expect(await sessions.listByUser!(`usr_${randomToken(8)}`)).toEqual([]);
    });

    it('back-channel logout by (issuer, sid) and by (issuer, sub)', async () => {
      const iss = uniqueIssuer();
      const sub = `sub-${randomToken(6)}`;
      const s1 = sessionOf({ issuer: iss, subject: sub, sid: 'op-sid-1' });
      const s2 = sessionOf({ issuer: iss, subject: sub, sid: 'op-sid-2' });
      const s3 = sessionOf({ issuer: iss, subject: sub });
      const otherIssuer = sessionOf({ issuer: uniqueIssuer(), subject: sub, sid: 'op-sid-1' });
      await Promise.all([s1, s2, s3, otherIssuer].map((s) => sessions.create(s)));
      expect(await sessions.deleteBySid(iss, 'op-sid-1')).toEqual([s1.id]);
      expect(await sessions.get(s1.id)).toBeNull();
      expect(await sessions.get(otherIssuer.id)).not.toBeNull();
      expect((await sessions.deleteBySubject(iss, sub)).sort()).toEqual([s2.id, s3.id].sort());
      expect(await sessions.get(s2.id)).toBeNull();
      expect(await sessions.get(s3.id)).toBeNull();
      expect(await sessions.get(otherIssuer.id)).not.toBeNull();
      expect(await sessions.deleteBySid(iss, 'nope')).toEqual([]);
    });

    it('does not return expired sessions from the logout indexes', async () => {
      const userId = `usr_${randomToken(8)}`;
      const now = Date.now();
      const live = sessionOf({ userId });
      await sessions.create(live);
      await sessions.create(sessionOf({ userId, idleExpiresAt: now - 10, absoluteExpiresAt: now + 10_000 }));
      expect(await sessions.deleteByUser(userId)).toEqual([live.id]);
    });

    it('tells onRevoked subscribers about revocations', async () => {
      expect(sessions.onRevoked).toBeTypeOf('function');
      const seen: string[] = [];
      const unsubscribe = await sessions.onRevoked!((ids) => seen.push(...ids));
      const s = sessionOf({ sid: 'rv' });
      const t = sessionOf();
      await sessions.create(s);
      await sessions.create(t);
      await sessions.deleteBySid(s.issuer, 'rv');
      await sessions.delete(t.id);
      for (let i = 0; i < 50 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen.sort()).toEqual([s.id, t.id].sort());
      await unsubscribe();
    });
  });
}
