/**
 * Applies supabase/migrations in filename order, each file in its own transaction, recording it in
 * supabase_migrations.schema_migrations exactly as the Supabase CLI does (version = the timestamp
 * prefix), so a database migrated here and one migrated by `supabase db push` agree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';

const MIGRATION_FILE = /^(\d{14})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  version: string;
  name: string;
  file: string;
}

export function listMigrations(dir: string): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const bad = files.filter((f) => !MIGRATION_FILE.test(f));
  if (bad.length > 0) {
    throw new Error(`Migration files must be named <14-digit timestamp>_<snake_name>.sql; rename: ${bad.join(', ')}`);
  }
  return files.map((f) => {
    const m = MIGRATION_FILE.exec(f)!;
    return { version: m[1]!, name: m[2]!, file: join(dir, f) };
  });
}

export async function applyMigrations(client: pg.Client, dir: string, log: (line: string) => void = () => {}): Promise<string[]> {
  const applied = new Set(
    (await client.query<{ version: string }>('select version from supabase_migrations.schema_migrations')).rows.map((r) => r.version),
  );
  const done: string[] = [];
  for (const m of listMigrations(dir)) {
    if (applied.has(m.version)) continue;
    const sql = readFileSync(m.file, 'utf8');
    await client.query('begin');
    try {
      await client.query(sql);
      await client.query('insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)', [
        m.version,
        m.name,
        [sql],
      ]);
      await client.query('commit');
    } catch (e) {
      await client.query('rollback');
      const err = e as Error & { position?: string };
      const where = err.position ? ` near character ${err.position}` : '';
      throw new Error(`Migration ${m.version}_${m.name}.sql failed${where}: ${err.message}`, { cause: e });
    }
    log(`applied ${m.version}_${m.name}`);
    done.push(m.version);
  }
  if (done.length > 0) await client.query(`notify pgrst, 'reload schema'`);
  return done;
}
