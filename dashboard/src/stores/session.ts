/**
 * Who is signed in. Follows supabase-js' auth events (sign-in in another tab, token refresh,
 * sign-out) and clears the read cache whenever the user changes, so nothing one user loaded is
 * shown to another.
 */
import type { Session, SupabaseClient, User } from '@supabase/supabase-js';
import { create } from 'zustand';
import { errorMessage } from '../lib/errors.ts';
import { useResourceStore } from './resources.ts';

type AuthClient = Pick<SupabaseClient['auth'], 'getSession' | 'onAuthStateChange' | 'signInWithPassword' | 'signUp' | 'signOut'>;

export type SessionStatus = 'loading' | 'signedOut' | 'signedIn';

interface SessionState {
  status: SessionStatus;
  user: User | null;
  session: Session | null;
  auth: AuthClient | null;
  /** Subscribes to auth changes; returns the unsubscribe function. */
  start(auth: AuthClient): () => void;
  signIn(email: string, password: string): Promise<{ error: string | null }>;
  signUp(input: { email: string; password: string; name: string }): Promise<{ error: string | null; needsConfirmation: boolean }>;
  signOut(): Promise<void>;
}

function authOf(get: () => SessionState): AuthClient {
  const auth = get().auth;
  if (!auth) throw new Error('The session store was not started (call start(client.auth) first).');
  return auth;
}

export const useSessionStore = create<SessionState>()((set, get) => {
  const apply = (session: Session | null) => {
    const prevUser = get().user?.id ?? null;
    const nextUser = session?.user?.id ?? null;
    if (prevUser !== nextUser) useResourceStore.getState().clear();
    set({ session, user: session?.user ?? null, status: session ? 'signedIn' : 'signedOut' });
  };

  return {
    status: 'loading',
    user: null,
    session: null,
    auth: null,

    start(auth) {
      set({ auth });
      let active = true;
      void auth.getSession().then(({ data }) => {
        if (active) apply(data.session);
      });
      const { data } = auth.onAuthStateChange((_event, session) => {
        if (active) apply(session);
      });
      return () => {
        active = false;
        data.subscription.unsubscribe();
      };
    },

    async signIn(email, password) {
      try {
        const { data, error } = await authOf(get).signInWithPassword({ email: email.trim(), password });
        if (error) return { error: signInMessage(error.message) };
        apply(data.session);
        return { error: null };
      } catch (err) {
        return { error: errorMessage(err) };
      }
    },

    async signUp({ email, password, name }) {
      try {
        const { data, error } = await authOf(get).signUp({
          email: email.trim(),
          password,
          options: { data: name.trim() ? { full_name: name.trim() } : {} },
        });
        if (error) return { error: error.message, needsConfirmation: false };
        if (data.session) apply(data.session);
        return { error: null, needsConfirmation: !data.session };
      } catch (err) {
        return { error: errorMessage(err), needsConfirmation: false };
      }
    },

    async signOut() {
      try {
        await authOf(get).signOut();
      } finally {
        apply(null);
      }
    },
  };
});

function signInMessage(message: string): string {
  if (/invalid login credentials|invalid_grant/i.test(message)) return 'That email and password do not match an account. Check them, or create an account.';
  return message;
}
