/** The signed-in backend client for recorder handlers, or a FriendlyError saying what to do. */
import type { SupabaseClient } from '@supabase/supabase-js';
import { FriendlyError } from '../lib/errors.ts';
import { getBackend, readBackendConfig } from '../lib/backend.ts';

export async function backendOrThrow(): Promise<SupabaseClient> {
  const db = await getBackend();
  if (!db) throw new FriendlyError('FlowLens does not know which server to use yet. Open "Backend" below the sign-in form and enter your FlowLens address and key.');
  return db;
}

export async function signedIn(): Promise<{ db: SupabaseClient; userId: string; email: string; accessToken: string }> {
  const db = await backendOrThrow();
  const { data } = await db.auth.getSession();
  const session = data.session;
  if (!session) throw new FriendlyError('You are signed out. Sign in to continue.');
  return { db, userId: session.user.id, email: session.user.email ?? '', accessToken: session.access_token };
}

export async function backendUrl(): Promise<string | null> {
  return (await readBackendConfig())?.url ?? null;
}
