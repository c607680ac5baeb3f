/**
 * Helpers for tests that use the local stack: users with real sessions (through the Auth
 * stand-in's admin API, as `supabase.auth.admin` would), supabase-js clients, a database connection
 * as `postgres` (bypasses RLS, not a superuser, as on Supabase) for seeding and for checking what
 * really changed.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import ws from 'ws';
import type { StackInfo } from '../stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}

export function stackInfo(): StackInfo {
  return inject('stack');
}

export function supabaseClient(info: StackInfo = stackInfo(), key: string = info.anonKey): SupabaseClient {
  // Node 20 has no global WebSocket: supabase-js needs `ws` for its realtime transport.
  return createClient(info.apiUrl, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: ws as never },
  });
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  client: SupabaseClient;
}

export function uniqueEmail(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}@flowlens.test`;
}

/** Signs up a fresh user and returns a client signed in as them. */
export async function createTestUser(label: string, info: StackInfo = stackInfo()): Promise<TestUser> {
  const email = uniqueEmail(label);
  const password = `pw-${randomUUID()}`;
  const client = supabaseClient(info);
  const { data, error } = await client.auth.signUp({ email, password });
  if (error || !data.session || !data.user) throw new Error(`Could not create test user ${email}: ${error?.message ?? 'no session'}`);
  return { id: data.user.id, email, password, accessToken: data.session.access_token, client };
}

export async function withDb<T>(fn: (db: pg.Client) => Promise<T>, info: StackInfo = stackInfo()): Promise<T> {
  const db = new pg.Client(info.dbUrl);
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

/** A raw PostgREST call through the gateway, for assertions on status codes. */
export async function rest(
  path: string,
  opts: { method?: string; token?: string | null; body?: unknown; prefer?: string; info?: StackInfo } = {},
): Promise<{ status: number; body: unknown }> {
  const info = opts.info ?? stackInfo();
  const headers: Record<string, string> = { apikey: info.anonKey, 'content-type': 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.prefer) headers.prefer = opts.prefer;
  const res = await fetch(`${info.restUrl}${path}`, {
    method: opts.method ?? 'GET',
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* keep text */
  }
  return { status: res.status, body };
}
