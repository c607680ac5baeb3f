import type { AuthChangeEvent, Session } from '@supabase/supabase-js';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useResourceStore } from './resources.ts';
import { useSessionStore } from './session.ts';

function session(id: string, email: string): Session {
  return { access_token: 't', refresh_token: 'r', expires_in: 3600, token_type: 'bearer', user: { id, email, user_metadata: {}, app_metadata: {}, aud: 'authenticated', created_at: '' } } as unknown as Session;
}

function fakeAuth(initial: Session | null) {
  let listener: ((e: AuthChangeEvent, s: Session | null) => void) | null = null;
  const auth = {
    getSession: vi.fn(async () => ({ data: { session: initial }, error: null })),
    onAuthStateChange: vi.fn((cb: (e: AuthChangeEvent, s: Session | null) => void) => {
      listener = cb;
      return { data: { subscription: { unsubscribe: vi.fn(), id: 'x', callback: cb } } };
    }),
    signInWithPassword: vi.fn(async ({ email, password }: { email: string; password: string }) =>
      password === 'right' ? { data: { session: session('u2', email), user: null }, error: null } : { data: { session: null, user: null }, error: { message: 'Invalid login credentials' } },
    ),
    signUp: vi.fn(async () => ({ data: { session: session('u3', 'new@x.io'), user: null }, error: null })),
    signOut: vi.fn(async () => ({ error: null })),
  };
  return { auth, emit: (e: AuthChangeEvent, s: Session | null) => listener?.(e, s) };
}

beforeEach(() => {
  useSessionStore.setState({ status: 'loading', user: null, session: null, auth: null });
  useResourceStore.getState().clear();
});

describe('session store', () => {
  it('starts from the stored session and follows auth events', async () => {
    const { auth, emit } = fakeAuth(session('u1', 'a@x.io'));
    const stop = useSessionStore.getState().start(auth as never);
    await vi.waitFor(() => expect(useSessionStore.getState().status).toBe('signedIn'));
    expect(useSessionStore.getState().user?.email).toBe('a@x.io');
    emit('SIGNED_OUT', null);
    expect(useSessionStore.getState().status).toBe('signedOut');
    stop();
  });

  it('clears the read cache when the user changes', async () => {
    const { auth, emit } = fakeAuth(session('u1', 'a@x.io'));
    useSessionStore.getState().start(auth as never);
    await vi.waitFor(() => expect(useSessionStore.getState().status).toBe('signedIn'));
    useResourceStore.getState().set('bugs:s:x', ['u1 data']);
    emit('TOKEN_REFRESHED', session('u1', 'a@x.io'));
    expect(useResourceStore.getState().entries['bugs:s:x']).toBeDefined();
    emit('SIGNED_IN', session('u9', 'b@x.io'));
    expect(useResourceStore.getState().entries['bugs:s:x']).toBeUndefined();
  });

  it('signs in, explaining wrong credentials plainly', async () => {
    const { auth } = fakeAuth(null);
    useSessionStore.getState().start(auth as never);
    expect((await useSessionStore.getState().signIn('a@x.io', 'wrong')).error).toMatch(/do not match an account/);
    expect(useSessionStore.getState().status).not.toBe('signedIn');
    expect((await useSessionStore.getState().signIn(' a@x.io ', 'right')).error).toBeNull();
    expect(auth.signInWithPassword).toHaveBeenLastCalledWith({ email: 'a@x.io', password: 'right' });
    expect(useSessionStore.getState().status).toBe('signedIn');
  });

  it('signs up with the name as profile metadata, and signs out', async () => {
    const { auth } = fakeAuth(null);
    useSessionStore.getState().start(auth as never);
    const res = await useSessionStore.getState().signUp({ email: 'new@x.io', password: 'longenough', name: ' Ada Lovelace ' });
    expect(res).toEqual({ error: null, needsConfirmation: false });
    expect(auth.signUp).toHaveBeenCalledWith({ email: 'new@x.io', password: 'longenough', options: { data: { full_name: 'Ada Lovelace' } } });
    await useSessionStore.getState().signOut();
    expect(auth.signOut).toHaveBeenCalled();
    expect(useSessionStore.getState().status).toBe('signedOut');
  });
});
