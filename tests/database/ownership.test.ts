/**
 * The local stack has Supabase's ownership model (issue 16, docs/local-stack.md "Roles and
 * ownership"), so a migration that only works as a superuser or as the owner of auth/storage fails
 * here as it would at `supabase db push`: `postgres` (which applied every migration) is not a
 * superuser and owns neither auth nor storage; everything the migrations made belongs to it; the
 * superuser owns only the extensions; direct deletes from storage tables are refused.
 */
import { describe, expect, it } from 'vitest';
import { withDb } from '@flowlens/stack/testing';

async function refused(sql: string): Promise<string> {
  return withDb(async (db) => {
    await db.query('begin');
    try {
      await db.query(sql);
      return 'accepted';
    } catch (e) {
      return (e as Error).message;
    } finally {
      await db.query('rollback');
    }
  });
}

describe('ownership as on a Supabase project', () => {
  it('connects the migrations and the tests as postgres, which is not a superuser', async () => {
    const rows = await withDb(async (db) =>
      (await db.query<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean; rolcreaterole: boolean }>(
        `select rolname, rolsuper, rolbypassrls, rolcreaterole from pg_roles where rolname = current_user`,
      )).rows,
    );
    expect(rows).toEqual([{ rolname: 'postgres', rolsuper: false, rolbypassrls: true, rolcreaterole: true }]);
    const supers = await withDb(async (db) => (await db.query<{ rolname: string }>(`select rolname from pg_roles where rolsuper order by rolname`)).rows);
    expect(supers.map((r) => r.rolname)).toEqual(['supabase_admin']);
  });

  it('gives auth and storage, and every table in them, to their own admin roles', async () => {
    const rows = await withDb(async (db) =>
      (await db.query<{ schema: string; owner: string; objects: string[] }>(
        `select n.nspname as schema, pg_get_userbyid(n.nspowner) as owner,
                coalesce((select array_agg(distinct pg_get_userbyid(c.relowner) order by pg_get_userbyid(c.relowner))::text[]
                            from pg_class c where c.relnamespace = n.oid and c.relkind in ('r', 'v', 'S', 'i')), '{}') as objects
           from pg_namespace n where n.nspname in ('auth', 'storage') order by 1`,
      )).rows,
    );
    expect(rows).toEqual([
      { schema: 'auth', owner: 'supabase_auth_admin', objects: ['supabase_auth_admin'] },
      { schema: 'storage', owner: 'supabase_storage_admin', objects: ['supabase_storage_admin'] },
    ]);
  });

  it('leaves every object the migrations created owned by postgres, and no SECURITY DEFINER function owned by a superuser', async () => {
    const foreign = await withDb(async (db) =>
      (await db.query<{ name: string; owner: string }>(
        `select n.nspname || '.' || c.relname as name, pg_get_userbyid(c.relowner) as owner
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname in ('public', 'private') and pg_get_userbyid(c.relowner) <> 'postgres'
         union all
         select n.nspname || '.' || p.proname, pg_get_userbyid(p.proowner)
           from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where n.nspname in ('public', 'private') and pg_get_userbyid(p.proowner) <> 'postgres'`,
      )).rows,
    );
    expect(foreign).toEqual([]);
    const definers = await withDb(async (db) =>
      (await db.query<{ name: string }>(
        `select n.nspname || '.' || p.proname as name
           from pg_proc p join pg_namespace n on n.oid = p.pronamespace join pg_roles r on r.oid = p.proowner
          where p.prosecdef and r.rolsuper`,
      )).rows,
    );
    expect(definers).toEqual([]);
    const counted = await withDb(async (db) => (await db.query<{ n: number }>(`select count(*)::int as n from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'private' and p.prosecdef`)).rows[0]!.n);
    expect(counted).toBeGreaterThan(10);
  });

  it('leaves extensions to the superuser, and refuses postgres what only a superuser may do', async () => {
    const owners = await withDb(async (db) => (await db.query<{ owner: string }>(`select distinct pg_get_userbyid(extowner) as owner from pg_extension`)).rows);
    expect(owners).toEqual([{ owner: 'supabase_admin' }]);
    // ALTER SYSTEM cannot run in a transaction; refused or not, it changes nothing else.
    const alterSystem = await withDb((db) => db.query(`alter system set work_mem = '8MB'`).then(() => 'accepted', (e: Error) => e.message));
    expect(alterSystem).toMatch(/permission denied|must be superuser/);
    expect(await refused(`create event trigger flowlens_probe on ddl_command_start execute function pg_catalog.pg_event_trigger_ddl_commands()`)).toMatch(
      /permission denied|must be superuser/,
    );
    expect(await refused(`alter role postgres superuser`)).toMatch(/permission denied|must be superuser/);
    expect(await refused(`copy (select 1) to program 'true'`)).toMatch(/permission denied|must be superuser/);
    expect(await refused(`set session_replication_role = replica`)).toMatch(/permission denied/);
  });

  it('refuses direct deletes from storage tables, as the delete guard of a Supabase project does', async () => {
    expect(await refused(`delete from storage.objects where false`)).toMatch(/Direct deletion from storage tables is not allowed/);
    expect(await refused(`delete from storage.buckets where false`)).toMatch(/Direct deletion from storage tables is not allowed/);
    // The Storage API's own statements set storage.allow_delete_query (the stand-in does the same).
    expect(await refused(`select set_config('storage.allow_delete_query', 'true', true); delete from storage.objects where false`)).toBe('accepted');
  });
});
