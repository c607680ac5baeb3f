/**
 * The one way background code asks "who is signed in?" (issue 16: one `signedIn`). The recorder,
 * the overlay and the walkthrough all use it, so they agree on what signed out means.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { FriendlyError } from '../lib/errors.ts';
import { getBackend, readBackendConfig } from '../lib/backend.ts';

export interface SignedIn {
  db: SupabaseClient;
  userId: string;
  email: string;
  accessToken: string;
}

export async function backendOrThrow(): Promise<SupabaseClient> {
  const db = await getBackend();
  if (!db) throw new FriendlyError('FlowLens does not know which server to use yet. Open "Backend" below the sign-in form and enter your FlowLens address and key.');
  return db;
}

/**
 * The signed-in user, or null when signed out (or no backend is configured yet). A session that
 * cannot be read (a token refresh that failed for the network) is not "signed out": that throws,
 * so callers keep what they have (the overlay's registration, issue 19).
 */
export async function currentUser(): Promise<SignedIn | null> {
  const db = await getBackend();
  if (!db) return null;
  const { data, error } = await db.auth.getSession();
  if (error) throw error;
  const session = data.session;
  return session ? { db, userId: session.user.id, email: session.user.email ?? '', accessToken: session.access_token } : null;
}

/** The signed-in user, or a FriendlyError saying what to do (configure the backend, sign in). */
export async function signedIn(): Promise<SignedIn> {
  await backendOrThrow();
  const user = await currentUser();
  if (!user) throw new FriendlyError('You are signed out. Sign in to continue.');
  return user;
}

export async function backendUrl(): Promise<string | null> {
  return (await readBackendConfig())?.url ?? null;
}
