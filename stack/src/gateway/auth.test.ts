/**
 * The Auth stand-in, exercised through @supabase/supabase-js itself (the client our dashboard,
 * extension and crawler use), plus the tokens it issues against PostgREST and Storage.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { decodeJwt, signJwt } from '../jwt.ts';
import { AuthService, DEFAULT_AUTH_LIMITS, parseRateWindow, type AuthLimits } from './auth.ts';
import { HttpError, sendJson } from './http.ts';
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

describe('Auth stand-in limits (issue 14)', () => {
  // An instance of its own with small limits and a clock the test moves: the shared test stack
  // runs with the per-IP limit off (the suite signs up hundreds of users from 127.0.0.1).
  async function limitedAuth(limits: AuthLimits) {
    let clock = Date.UTC(2026, 11, 3, 10, 0, 0);
    const pool = new pg.Pool({ connectionString: stackInfo().dbUrl, max: 2 });
    const auth = new AuthService({ pool, jwtSecret: 'limits-test-secret-at-least-32-chars!!', issuer: 'http://auth.test/auth/v1', jwtExpiry: 3600, limits, now: () => clock });
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      auth.handle(req, res, url.pathname, url.searchParams).catch((e: unknown) => {
        if (e instanceof HttpError) return sendJson(res, e.status, e.body, e.headers);
        sendJson(res, 500, { msg: String(e) });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { msg?: string; error_code?: string; access_token?: string } };
    };
    return {
      signUp: (email: string, password = 'right-password') => post('/signup', { email, password }),
      signIn: (email: string, password: string) => post('/token?grant_type=password', { email, password }),
      advance: (seconds: number) => {
        clock += seconds * 1000;
      },
      close: async () => {
        await new Promise((r) => server.close(r));
        await pool.end();
      },
    };
  }

  it('stops password guessing per address (also the right password, then), and the next window opens', async () => {
    const a = await limitedAuth({ perIp: { max: 0, windowSeconds: 300 }, perAddress: { max: 3, windowSeconds: 900 } });
    try {
      const email = uniqueEmail('guess');
      const other = uniqueEmail('bystander');
      expect((await a.signUp(email)).status).toBe(200);
      expect((await a.signUp(other)).status).toBe(200);
      expect((await a.signIn(email, 'guess-1')).status).toBe(400);
      expect((await a.signIn(email, 'guess-2')).status).toBe(400);
      const limited = await a.signIn(email, 'guess-3');
      expect(limited.status).toBe(429);
      expect(limited.body.error_code).toBe('over_request_rate_limit');
      expect(Number(limited.retryAfter)).toBeGreaterThan(0);
      expect(Number(limited.retryAfter)).toBeLessThanOrEqual(900);
      expect((await a.signIn(email, 'right-password')).status).toBe(429);
      // Another address is unaffected, and its successful sign-ins do not count.
      for (let i = 0; i < 5; i++) expect((await a.signIn(other, 'right-password')).status).toBe(200);
      a.advance(900);
      const next = await a.signIn(email, 'right-password');
      expect(next.status).toBe(200);
      expect(next.body.access_token).toBeTruthy();
    } finally {
      await a.close();
    }
  });

  it('limits sign-ups and sign-ins per client IP, with Retry-After, until the next window', async () => {
    const a = await limitedAuth({ perIp: { max: 4, windowSeconds: 300 }, perAddress: { max: 0, windowSeconds: 900 } });
    try {
      const email = uniqueEmail('ip');
      expect((await a.signUp(email)).status).toBe(200);
      expect((await a.signIn(email, 'right-password')).status).toBe(200);
      expect((await a.signUp(uniqueEmail('ip2'))).status).toBe(200);
      expect((await a.signIn(email, 'wrong')).status).toBe(400);
      const refused = await a.signUp(uniqueEmail('ip3'));
      expect(refused.status).toBe(429);
      expect(refused.body.msg).toMatch(/Too many sign-up and sign-in attempts from this address; try again in \d+ seconds/);
      expect(Number(refused.retryAfter)).toBeLessThanOrEqual(300);
      expect((await a.signIn(email, 'right-password')).status).toBe(429);
      a.advance(300);
      expect((await a.signIn(email, 'right-password')).status).toBe(200);
    } finally {
      await a.close();
    }
  });

  it('reads limits as attempts/seconds or off', () => {
    expect(parseRateWindow(undefined, DEFAULT_AUTH_LIMITS.perIp)).toEqual({ max: 30, windowSeconds: 300 });
    expect(parseRateWindow('5/60', DEFAULT_AUTH_LIMITS.perIp)).toEqual({ max: 5, windowSeconds: 60 });
    expect(parseRateWindow('off', DEFAULT_AUTH_LIMITS.perIp).max).toBe(0);
    expect(() => parseRateWindow('lots', DEFAULT_AUTH_LIMITS.perIp)).toThrow(/attempts\/seconds/);
  });
});
