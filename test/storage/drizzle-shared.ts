/**
 * What every dialect of the Drizzle store shows besides the shared store suite: the tables come
 * from drizzle-kit's migration of the app's own schema; the app's own users columns are left alone
 * (and carried when named in `userFields`); tokens are encrypted in the row; identities are
 * case-sensitive; a misdeclared schema is refused with a clear configuration error.
 */
import { describe, expect, it } from 'vitest';
import { randomToken } from '../../src/internal/encoding.js';
import { createDrizzleStore } from '../../src/storage/drizzle/index.js';
import { signInWithIdentity } from '../../src/storage/linking.js';
import { createTokenCipher } from '../../src/storage/token-cipher.js';
import type { NewUser } from '../../src/storage/types.js';
import { type DrizzleHarness, type DrizzleKind, generateMigrations } from './drizzle-support.js';
import { pgSchema } from './fixtures/drizzle/schema-pg.js';
import { sqliteSchema } from './fixtures/drizzle/schema-sqlite.js';
import { TEST_SECRET } from './sql-support.js';
import { expectCode, profileOf, uniqueIssuer } from './store-suite.js';

const noUser: NewUser = { email: null, emailVerified: false, name: null, image: null };

/** Registers the schema tests of `kind` on the harness `get()` returns. */
export function drizzleSchemaTests(name: string, kind: DrizzleKind, get: () => DrizzleHarness): void {
  describe(`${name}: the app's own Drizzle schema`, () => {
    it('drizzle-kit generate writes the three tables, with the app columns and the unique keys', async () => {
      const { sql, output, folder } = await generateMigrations(kind, 'gen_');
      expect(output).toMatch(/3 tables/);
      for (const t of ['gen_users', 'gen_accounts', 'gen_sessions']) expect(sql).toMatch(new RegExp(`CREATE TABLE [\`"]?${t}[\`"]?`));
      expect(sql).toMatch(/[`"]plan[`"]/);
      expect(sql).toMatch(/gen_accounts_identity/);
      expect(sql).toMatch(/gen_users_email_lower_unique/);
      expect(folder).toBeTruthy();
    }, 60_000);

    it("leaves the app's own users columns alone: defaults on insert, the app's values kept across sign-ins and updates", async () => {
      const h = get();
      const iss = uniqueIssuer();
      const mail = `plan-${randomToken(4).replace(/[^a-zA-Z0-9]/g, 'x')}@example.com`;
      const input = {
        providerId: 'google',
        profile: profileOf(iss, 'app', mail, true),
        tokens: { accessToken: 'at1' },
        scopes: ['openid'],
        allowEmailLinking: false,
      };
      const first = await signInWithIdentity(h.store.users, input);
      const users = `${h.prefix}users`;
      expect(await h.raw(`select plan, role, credits from ${users} where id = ${h.p(1)}`, [first.user.id])).toEqual([{ plan: 'free', role: null, credits: 0 }]);
      // The app upgrades the user with its own query.
      await h.raw(`update ${users} set plan = 'pro', role = 'admin', credits = 7 where id = ${h.p(1)}`, [first.user.id]);
      const again = await signInWithIdentity(h.store.users, { ...input, tokens: { accessToken: 'at2' } });
      expect(again.user.id).toBe(first.user.id);
      await h.store.users.updateUser(first.user.id, { name: 'Renamed', emailVerified: false });
      expect(await h.raw(`select plan, role, credits, name from ${users} where id = ${h.p(1)}`, [first.user.id])).toEqual([
        { plan: 'pro', role: 'admin', credits: 7, name: 'Renamed' },
      ]);
      // Not named in userFields: never on the User (a users table may hold what a session must not).
      expect(Object.keys((await h.store.users.getUser(first.user.id))!).sort()).toEqual([
        'createdAt',
        'email',
        'emailVerified',
        'id',
        'image',
        'name',
        'updatedAt',
      ]);
    });

    it('carries the app fields named in userFields, on read and on write', async () => {
      const h = get();
      const store = await h.reopen({ userFields: ['plan', 'role'] });
      const created = await store.users.createUserWithAccount({ ...noUser, plan: 'team' } as NewUser, {
        providerId: 'google',
        issuer: uniqueIssuer(),
        subject: 'fields',
        scopes: [],
        tokens: null,
      });
      expect(created.user).toMatchObject({ plan: 'team' });
      expect(await store.users.getUser(created.user.id)).toMatchObject({ plan: 'team', role: null });
      const updated = await store.users.updateUser(created.user.id, { role: 'owner' } as Partial<NewUser>);
      expect(updated).toMatchObject({ plan: 'team', role: 'owner' });
      expect(await h.raw(`select plan, role, credits from ${h.prefix}users where id = ${h.p(1)}`, [created.user.id])).toEqual([
        { plan: 'team', role: 'owner', credits: 0 },
      ]);
      await store.close();
    });

    it('stores tokens encrypted in the row, with the key id, bound to the account', async () => {
      const h = get();
      const r = await h.store.users.createUserWithAccount(noUser, {
        providerId: 'google',
        issuer: uniqueIssuer(),
        subject: 'enc',
        scopes: ['openid'],
        tokens: { accessToken: 'ya29.PLAINTEXT-ACCESS', refreshToken: '1//PLAINTEXT-REFRESH', expiresAt: 1_900_000_000_123 },
      });
      const [row] = await h.raw(`select tokens_enc, token_key_id from ${h.prefix}accounts where id = ${h.p(1)}`, [r.account.id]);
      const enc = String(row!.tokens_enc);
      expect(enc).not.toContain('PLAINTEXT');
      expect(row!.token_key_id).toBe(await createTokenCipher({ secrets: [TEST_SECRET] }).currentKeyId());
      expect(enc.startsWith(`lk1.${row!.token_key_id}.`)).toBe(true);
      expect((await h.store.users.getAccountById(r.account.id))!.tokens).toEqual({
        accessToken: 'ya29.PLAINTEXT-ACCESS',
        refreshToken: '1//PLAINTEXT-REFRESH',
        expiresAt: 1_900_000_000_123,
      });
      // Another account's ciphertext pasted into this row does not decrypt: re-consent, not a leak.
      const other = await h.store.users.createUserWithAccount(noUser, { providerId: 'g', issuer: uniqueIssuer(), subject: 'other', scopes: [], tokens: null });
      await h.raw(`update ${h.prefix}accounts set tokens_enc = ${h.p(1)} where id = ${h.p(2)}`, [enc, other.account.id]);
      expect(await h.store.users.getAccountById(other.account.id)).toMatchObject({ tokens: null, needsReauth: true });
    });

    it('subjects are case-sensitive: AbC and abc are two identities', async () => {
      const h = get();
      const iss = uniqueIssuer();
      const a = await h.store.users.createUserWithAccount(noUser, { providerId: 'x', issuer: iss, subject: 'AbC', scopes: [], tokens: null });
      const b = await h.store.users.createUserWithAccount(noUser, { providerId: 'x', issuer: iss, subject: 'abc', scopes: [], tokens: null });
      expect(b.created).toBe(true);
      expect(b.user.id).not.toBe(a.user.id);
      expect(await h.store.users.getAccount(iss, 'ABC')).toBeNull();
      expect((await h.store.users.getAccount(iss, 'AbC'))!.userId).toBe(a.user.id);
    });

    it('refuses a misdeclared schema with CONFIG_INVALID', async () => {
      const h = get();
      const { users, accounts, sessions } = h.tables;
      const cipher = createTokenCipher({ secrets: [TEST_SECRET] });
      const base: Record<string, unknown> = { db: h.db, tables: { users, accounts, sessions }, tokenCipher: cipher };
      const open = (over: Record<string, unknown>) => createDrizzleStore({ ...base, ...over } as never);
      await expectCode(open({ db: {} }), 'CONFIG_INVALID');
      await expectCode(open({ tables: { users: accounts, accounts, sessions } }), 'CONFIG_INVALID');
      await expectCode(open({ tables: { users, accounts: sessions, sessions } }), 'CONFIG_INVALID');
      // Tables of another dialect than the database's.
      await expectCode(open({ tables: kind === 'pg' ? sqliteSchema('') : pgSchema('') }), 'CONFIG_INVALID');
      await expectCode(open({ userFields: ['passwordHash'] }), 'CONFIG_INVALID');
      await expectCode(open({ tokenCipher: undefined }), 'CONFIG_INVALID');
      const err = await expectCode(open({ tables: { users: accounts, accounts, sessions } }), 'CONFIG_INVALID');
      expect(err.message).toMatch(/latchkeyUserColumns\(\)/);
    });
  });
}
