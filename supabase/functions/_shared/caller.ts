/**
 * Asking Postgres as the caller: the user-scoped side of a function's database access.
 *
 * `asCaller(user, fn)` runs fn in one transaction on the functions' connection, switched to the
 * `authenticated` role with the caller's own JWT claims as `request.jwt.claims` — exactly what
 * PostgREST does for every API request — so RLS and the SQL role helpers (`private.member_site_ids()`,
 * `private.admin_org_ids()` …, which read `auth.uid()`) decide what the caller may see and do.
 * Functions make role decisions this way, never by re-reading organization_members in TypeScript;
 * the service connection (`db()`) is kept for what the caller must not do directly (writing an
 * encrypted secret, reading a channel URL), after the check passed as the caller.
 *
 * The claims are those of the access token that `getUser` just had Auth validate (signature and
 * live session); a token whose subject differs from that user, or whose role is not
 * `authenticated`, is refused.
 */
import type pg from 'npm:pg';
import type { AuthUser } from './auth.ts';
import { fromBase64url } from './crypto.ts';
import { db } from './db.ts';

export class NotACaller extends Error {}

/** The payload of the caller's access token (already validated by Auth in getUser). */
export function callerClaims(user: AuthUser): Record<string, unknown> {
  const payload = user.token.split('.')[1];
  const bytes = payload ? fromBase64url(payload) : null;
  let claims: unknown = null;
  try {
    claims = bytes ? JSON.parse(new TextDecoder().decode(bytes)) : null;
  } catch {
    claims = null;
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw new NotACaller('The access token carries no claims.');
  const c = claims as Record<string, unknown>;
  if (c.sub !== user.id || c.role !== 'authenticated') throw new NotACaller('The access token is not a signed-in user’s.');
  return c;
}

/** Runs fn in one transaction as the caller (role `authenticated`, their JWT claims). */
export async function asCaller<T>(user: AuthUser, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const claims = callerClaims(user);
  const c = await db().connect();
  try {
    await c.query('begin');
    // Both local to this transaction: the pooled connection is itself again after commit/rollback.
    await c.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
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
