/**
 * Upgrading to recipient confirmation (issue 14, docs/limits.md "Upgrade decision"): a database
 * migrated up to the migration before 20261203005000_recipient_confirmation, with an external
 * recipient and a member's own address already receiving alerts, keeps both confirmed after the
 * upgrade, so nobody is silenced by it; an address added after the upgrade awaits confirmation.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stackInfo } from '@flowlens/stack/testing';
import { REPO_ROOT } from '../../stack/src/config.ts';
import { applyMigrations, listMigrations } from '../../stack/src/migrate.ts';
import { withClient } from '../../stack/src/postgres.ts';

const MIGRATIONS = join(REPO_ROOT, 'supabase', 'migrations');

describe('upgrading to recipient confirmation', () => {
  it('keeps the recipients that existed confirmed; a new outside address awaits confirmation', async () => {
    const info = stackInfo();
    const dbName = `recipient_upgrade_${Date.now()}`;
    const before = mkdtempSync(join(tmpdir(), 'flowlens-migrations-'));
    await withClient(info.dbUrl, (c) => c.query(`create database ${dbName}`));
    try {
      const url = info.dbUrl.replace(/\/postgres$/, `/${dbName}`);
      for (const m of listMigrations(MIGRATIONS).filter((x) => x.version < '20261203005000')) copyFileSync(m.file, join(before, `${m.version}_${m.name}.sql`));
      // Bootstrapped by the superuser as Supabase does; migrated as `postgres` (not a superuser).
      await withClient(info.superuserDbUrl.replace(/\/postgres$/, `/${dbName}`), (c) => c.query(readFileSync(join(REPO_ROOT, 'stack', 'sql', 'bootstrap.sql'), 'utf8')));
      await withClient(url, async (c) => {
        await applyMigrations(c, before);
        const user = (await c.query<{ id: string }>(`insert into auth.users (id, email) values (gen_random_uuid(), 'ada@lumen.test') returning id`)).rows[0]!.id;
        const org = (await c.query<{ id: string }>(`insert into public.organizations (name) values ('Lumen') returning id`)).rows[0]!.id;
        await c.query(`insert into public.organization_members (organization_id, user_id, role, email) values ($1, $2, 'owner', 'ada@lumen.test')`, [org, user]);
        const site = (await c.query<{ id: string }>(`insert into public.sites (organization_id, name, base_url) values ($1, 'Shop', 'https://shop.lumen.test') returning id`, [org])).rows[0]!.id;
        await c.query(`insert into public.notification_recipients (site_id, email) values ($1, 'oncall@partner.test')`, [site]);

        const applied = await applyMigrations(c, MIGRATIONS);
        expect(applied).toContain('20261203005000');
        const rows = (await c.query<{ email: string; confirmed: boolean; due: boolean }>(
          `select email, confirmed_at is not null as confirmed, confirmation_requested_at is not null as due
             from public.notification_recipients where site_id = $1 order by email`,
          [site],
        )).rows;
        expect(rows).toEqual([
          { email: 'ada@lumen.test', confirmed: true, due: false },
          { email: 'oncall@partner.test', confirmed: true, due: false },
        ]);
        await c.query(`insert into public.notification_recipients (site_id, email) values ($1, 'new@partner.test')`, [site]);
        const added = (await c.query<{ confirmed: boolean; due: boolean }>(
          `select confirmed_at is not null as confirmed, confirmation_requested_at is not null as due from public.notification_recipients where email = 'new@partner.test'`,
        )).rows[0];
        expect(added).toEqual({ confirmed: false, due: true });
      });
    } finally {
      rmSync(before, { recursive: true, force: true });
      await withClient(info.dbUrl, (c) => c.query(`drop database if exists ${dbName} with (force)`));
    }
  }, 180_000);
});
