import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runMigrate, runMigrateCommand } from '../../src/cli/migrate.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('latchkey migrate', () => {
  it('creates the SQLite file and the tables, then reports up to date', async () => {
    const file = join(dir, 'sub', 'auth.db');
    const lines: string[] = [];
    expect(await runMigrate({ databaseUrl: `sqlite:${file}`, out: (l) => lines.push(l) })).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(lines[0]).toMatch(/Applied 2 migration\(s\) on sqlite: 0001_initial, 0002_replay/);
    const raw = new Database(file, { readonly: true });
    const tables = (raw.prepare("select name from sqlite_master where type = 'table' order by name").all() as { name: string }[]).map((t) => t.name);
    raw.close();
    expect(tables).toEqual(expect.arrayContaining(['latchkey_users', 'latchkey_accounts', 'latchkey_sessions', 'latchkey_kysely_migration']));
    expect(await runMigrateCommand(['--database-url', `sqlite:${file}`], (l) => lines.push(l))).toBe(0);
    expect(lines[1]).toBe('Database is up to date (sqlite).');
  });

  it('fails with a clear message and a non-zero code', async () => {
    const lines: string[] = [];
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      expect(await runMigrateCommand([], (l) => lines.push(l))).toBe(2);
      expect(lines[0]).toMatch(/DATABASE_URL/);
      expect(await runMigrateCommand(['--bogus'], (l) => lines.push(l))).toBe(2);
      expect(await runMigrate({ databaseUrl: 'oracle://x', out: (l) => lines.push(l) })).toBe(2);
      expect(await runMigrate({ databaseUrl: 'postgres://postgres@127.0.0.1:1/test', out: (l) => lines.push(l) })).toBe(1);
      expect(lines.at(-1)).toMatch(/Migration failed: .*unreachable/);
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });
});
