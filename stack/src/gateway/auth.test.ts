/**
 * The Auth stand-in, exercised through @supabase/supabase-js itself (the client our dashboard,
 * extension and crawler use), plus the tokens it issues against PostgREST and Storage.
 */
import { describe, expect, it } from 'vitest';
import { decodeJwt, signJwt } from '../jwt.ts';
import { createTestUser, rest, stackInfo, supabaseClient, uniqueEmail } from '../testing/index.ts';

describe('Auth stand-in through supabase-js', () => {
  it('signs up, signs in and returns the user', async () => {
    const sb = supabaseClient();
    const email = uniqueEmail('signup');
    const up = await sb.auth.signUp({ email, password: 'correct horse', options: { data: { full_name: 'Ada Lovelace' } } });
    expect(up.error).toBeNull();
    expect(up.data.session?.access_token).toBeTruthy();
    expect(up.data.user?.email).toBe(email);
    expect(up.data.user?.user_metadata.full_name).toBe('Ada Lovelace');

    const fresh = supabaseClient();
    const signIn = await fresh.auth.signInWithPassword({ email, password: 'correct horse' });
    expect(signIn.error).toBeNull();
    const me = await fresh.auth.getUser();
    expect(me.data.user?.id).toBe(up.data.user?.id);
  });

  it('issues access tokens with the claims Supabase Auth issues', async () => {
    const user = await createTestUser('claims');
    const claims = decodeJwt(user.accessToken)!;
    expect(claims).toMatchObject({ sub: user.id, role: 'authenticated', email: user.email, aud: 'authenticated', aal: 'aal1', is_anonymous: false });
    expect(typeof claims.session_id).toBe('string');
    expect(claims.exp! - claims.iat!).toBe(3600);
    expect(claims.iss).toBe(`${stackInfo().apiUrl}/auth/v1`);
  });

  it('refuses a wrong password and a duplicate sign-up', async () => {
    const user = await createTestUser('wrongpw');
    const sb = supabaseClient();
    const bad = await sb.auth.signInWithPassword({ email: user.email, password: 'not it' });
    expect(bad.error?.message).toBe('Invalid login credentials');
    expect(bad.data.session).toBeNull();
    const dup = await sb.auth.signUp({ email: user.email, password: 'whatever123' });
    expect(dup.error?.message).toMatch(/already registered/);
    const weak = await sb.auth.signUp({ email: uniqueEmail('weak'), password: '123' });
    expect(weak.error?.message).toMatch(/at least 6/);
  });

  it('refreshes with rotation and refuses a used refresh token', async () => {
    const user = await createTestUser('refresh');
    const { data: s0 } = await user.client.auth.getSession();
    const oldRefresh = s0.session!.refresh_token;
    const refreshed = await user.client.auth.refreshSession();
    expect(refreshed.error).toBeNull();
    expect(refreshed.data.session!.refresh_token).not.toBe(oldRefresh);
    expect(decodeJwt(refreshed.data.session!.access_token)!.session_id).toBe(decodeJwt(s0.session!.access_token)!.session_id);

    const other = supabaseClient();
    const reuse = await other.auth.refreshSession({ refresh_token: oldRefresh });
    expect(reuse.error?.message).toMatch(/Already Used/);
  });

  it('refuses an expired token in Auth, PostgREST and Storage', async () => {
    const user = await createTestUser('expired');
    const claims = decodeJwt(user.accessToken)!;
    const now = Math.floor(Date.now() / 1000);
    const expired = signJwt({ ...claims, iat: now - 7200, exp: now - 3600 }, stackInfo().jwtSecret);

    const sb = supabaseClient();
    const got = await sb.auth.getUser(expired);
    expect(got.error).not.toBeNull();
    expect(got.data.user).toBeNull();

    const r = await rest('/sites?select=id', { token: expired });
    expect(r.status).toBe(401);
    expect(JSON.stringify(r.body)).toMatch(/expired/i);

    const s = await fetch(`${stackInfo().apiUrl}/storage/v1/object/screenshots/x/y.png`, { headers: { authorization: `Bearer ${expired}`, apikey: stackInfo().anonKey } });
    expect(s.status).toBe(400);
  });

  it('refuses a tampered token everywhere', async () => {
    const user = await createTestUser('tampered');
    const [h, , sig] = user.accessToken.split('.');
    const claims = { ...decodeJwt(user.accessToken)!, role: 'service_role' };
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    const got = await supabaseClient().auth.getUser(tampered);
    expect(got.error).not.toBeNull();
    const r = await rest('/sites?select=id', { token: tampered });
    expect(r.status).toBe(401);
    const forged = signJwt({ ...claims }, 'not-the-secret-not-the-secret-not-the-secret');
    expect((await rest('/sites?select=id', { token: forged })).status).toBe(401);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    expect((await supabaseClient().auth.getUser(none)).error).not.toBeNull();
  });

  it('sign-out ends the session: its refresh token and getUser stop working', async () => {
    const user = await createTestUser('signout');
    const { data } = await user.client.auth.getSession();
    const token = data.session!.access_token;
    const refresh = data.session!.refresh_token;
    expect((await user.client.auth.signOut()).error).toBeNull();
    expect((await supabaseClient().auth.getUser(token)).error).not.toBeNull();
    expect((await supabaseClient().auth.refreshSession({ refresh_token: refresh })).error).not.toBeNull();
  });

  it('keeps passwords as bcrypt hashes', async () => {
    const user = await createTestUser('bcrypt');
    const { withDb } = await import('../testing/index.ts');
    const hash = await withDb(async (db) => (await db.query('select encrypted_password from auth.users where id = $1', [user.id])).rows[0].encrypted_password as string);
    expect(hash).toMatch(/^\$2[aby]\$10\$/);
    expect(hash).not.toContain(user.password);
  });

  it('admin endpoints need the service-role key', async () => {
    const info = stackInfo();
    const asAnon = await fetch(`${info.apiUrl}/auth/v1/admin/users`, { headers: { apikey: info.anonKey, authorization: `Bearer ${info.anonKey}` } });
    expect(asAnon.status).toBe(403);
    const admin = supabaseClient(info, info.serviceRoleKey);
    const created = await admin.auth.admin.createUser({ email: uniqueEmail('admin'), password: 'admin-made-1', email_confirm: true });
    expect(created.error).toBeNull();
    expect(created.data.user?.id).toBeTruthy();
    const deleted = await admin.auth.admin.deleteUser(created.data.user!.id);
    expect(deleted.error).toBeNull();
  });
});
