/**
 * The functions' database connection: SUPABASE_DB_URL (Supabase injects it into every function;
 * the local stack does too). It bypasses RLS, so only functions that authenticate their caller
 * themselves use it, and they only call the private.* functions and fixed, parameterised queries.
 */
import pg from 'npm:pg';
import { requireEnv } from './env.ts';
import { log } from './log.ts';

export type Db = pg.Pool;
export type DbClient = pg.PoolClient;

let pool: pg.Pool | null = null;

export function db(): pg.Pool {
  if (!pool) {
    pool = new pg.Pool({ connectionString: requireEnv('SUPABASE_DB_URL'), max: 5, idleTimeoutMillis: 10_000, application_name: 'flowlens-edge' });
    pool.on('error', (e: Error) => log.error('database connection failed', { err: e }));
  }
  return pool;
}

/** Runs fn in one transaction on one connection. */
export async function tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await db().connect();
  try {
    await c.query('begin');
    const out = await fn(c);
    await c.query('commit');
    return out;
  } catch (e) {
    await c.query('rollback').catch(() => {});
    throw e;
  } finally {
    c.release();
  }
}

/** Closes the shared pool (tests, so Deno's leak checks pass). */
export async function closeDb(): Promise<void> {
  const p = pool;
  pool = null;
  if (p) await p.end();
}
