/**
 * The real Supabase CLI (npm package `supabase`) against our files: it must accept
 * supabase/config.toml and push supabase/migrations unchanged into a database that has only what a
 * Supabase project has before migrations (our bootstrap) — the same path `supabase db push` takes
 * against a hosted project.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './config.ts';
import { listMigrations } from './migrate.ts';
import { withClient } from './postgres.ts';
import { stackInfo } from './testing/index.ts';

function supabase(args: string[]) {
  return spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'supabase'), args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' } });
}

describe('the Supabase CLI', () => {
  it('pushes our migrations unchanged into a freshly bootstrapped database', async () => {
    const info = stackInfo();
    const dbName = `cli_push_${Date.now()}`;
    await withClient(info.dbUrl, (c) => c.query(`create database ${dbName}`));
    try {
      // The CLI insists on TLS unless told otherwise; the local cluster listens on loopback only.
      const url = `${info.dbUrl.replace(/\/postgres$/, `/${dbName}`)}?sslmode=disable`;
      // Bootstrapped by the superuser as Supabase does; then pushed as `postgres`, not a superuser,
      // exactly as `supabase db push` runs against a hosted project.
      const superUrl = info.superuserDbUrl.replace(/\/postgres$/, `/${dbName}`);
      await withClient(superUrl, (c) => c.query(readFileSync(join(REPO_ROOT, 'stack', 'sql', 'bootstrap.sql'), 'utf8')));
      await withClient(url.replace('?sslmode=disable', ''), async (c) => {
        const who = await c.query<{ user: string; superuser: boolean }>(`select current_user as user, rolsuper as superuser from pg_roles where rolname = current_user`);
        expect(who.rows[0]).toEqual({ user: 'postgres', superuser: false });
      });
      const push = supabase(['db', 'push', '--db-url', url, '--yes']);
      expect(push.status, `${push.stdout}\n${push.stderr}`).toBe(0);
      const list = supabase(['migration', 'list', '--db-url', url]);
      expect(list.status, list.stderr).toBe(0);
      await withClient(url.replace('?sslmode=disable', ''), async (c) => {
        const applied = await c.query<{ version: string }>('select version from supabase_migrations.schema_migrations order by version');
        expect(applied.rows.map((r) => r.version)).toEqual(listMigrations(join(REPO_ROOT, 'supabase', 'migrations')).map((m) => m.version));
        const noRls = await c.query(`select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and relkind = 'r' and not relrowsecurity`);
        expect(noRls.rows).toEqual([]);
      });
    } finally {
      await withClient(info.dbUrl, (c) => c.query(`drop database if exists ${dbName} with (force)`));
    }
  });
});
