/**
 * Local stand-in for Supabase Auth (GoTrue): only the endpoints our clients call, with the same
 * request and response shapes, so `@supabase/supabase-js` works against it unchanged.
 *
 *   POST /signup                          email + password (confirmed at once, like `supabase start`
 *                                         with email confirmations off)
 *   POST /token?grant_type=password       sign in
 *   POST /token?grant_type=refresh_token  refresh, rotating the refresh token
 *   GET  /user, PUT /user                 read / update the signed-in user
 *   POST /logout?scope=global|local|others
 *   GET  /settings, GET /health
 *   POST/GET/DELETE /admin/users[/id]     service role only (seeding and tests)
 *
 * Sign-up and sign-in attempts are limited (issue 14, docs/limits.md): per client IP every
 * sign-up and password sign-in counts; per address the sign-ups and the failed sign-ins count
 * (a guessing attacker is stopped; the owner's own successful sign-ins are not). Past a limit the
 * answer is GoTrue's 429 `over_request_rate_limit` with Retry-After — also for the right password.
 * Counted in this process, in fixed windows (the stand-in is one process; hosted Supabase Auth
 * applies its own limits, see docs/limits.md).
 *
 * Users live in auth.users with bcrypt hashes (pgcrypto's `crypt`, the same $2a$ format GoTrue
 * writes); access tokens carry the claims Supabase Auth issues: sub, role, email, aud, exp, iat,
 * iss, session_id, aal, amr, app_metadata, user_metadata, is_anonymous.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import { JwtError, signJwt, verifyJwt, type JwtClaims } from '../jwt.ts';
import { bearer, HttpError, readJson, sendJson } from './http.ts';

export interface RateWindow {
  /** Attempts allowed in one window; 0 turns the limit off. */
  max: number;
  windowSeconds: number;
}

export interface AuthLimits {
  perIp: RateWindow;
  perAddress: RateWindow;
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = { perIp: { max: 30, windowSeconds: 300 }, perAddress: { max: 10, windowSeconds: 900 } };

/** "30/300" (attempts per seconds), "0" or "off" (no limit); anything else is an error. */
export function parseRateWindow(value: string | undefined, fallback: RateWindow): RateWindow {
  if (value === undefined || value.trim() === '') return fallback;
  const v = value.trim();
  if (v === '0' || v === 'off') return { max: 0, windowSeconds: fallback.windowSeconds };
  const m = /^(\d{1,7})\/(\d{1,7})$/.exec(v);
  if (!m || Number(m[2]) === 0) throw new Error(`"${value}" is not a rate limit: write attempts/seconds, like 30/300, or off.`);
  return { max: Number(m[1]), windowSeconds: Number(m[2]) };
}

export interface AuthOptions {
  pool: pg.Pool;
  jwtSecret: string;
  issuer: string;
  /** Access-token lifetime in seconds (Supabase's default is 3600). */
  jwtExpiry: number;
  /** Sign-up and sign-in limits (DEFAULT_AUTH_LIMITS when absent). */
  limits?: AuthLimits;
  /** The clock of the limit windows (tests move it). */
  now?: () => number;
}

/** Fixed-window counters kept in memory. */
class WindowCounter {
  private readonly counts = new Map<string, { start: number; n: number }>();

  /** Counts one attempt; null when allowed, else the seconds until the window opens again. */
  take(key: string, w: RateWindow, now = Date.now()): number | null {
    if (w.max <= 0) return null;
    const size = w.windowSeconds * 1000;
    const start = Math.floor(now / size) * size;
    const cur = this.counts.get(key);
    const entry = cur && cur.start === start ? cur : { start, n: 0 };
    entry.n++;
    this.counts.set(key, entry);
    if (this.counts.size > 50_000) for (const [k, e] of this.counts) if (e.start < start) this.counts.delete(k);
    return entry.n > w.max ? Math.max(1, Math.ceil((start + size - now) / 1000)) : null;
  }

  /** Whether the key is already over the limit in this window (without counting). */
  over(key: string, w: RateWindow, now = Date.now()): number | null {
    if (w.max <= 0) return null;
    const size = w.windowSeconds * 1000;
    const start = Math.floor(now / size) * size;
    const cur = this.counts.get(key);
    return cur && cur.start === start && cur.n >= w.max ? Math.max(1, Math.ceil((start + size - now) / 1000)) : null;
  }
}

function rateLimited(retryAfter: number, what: string): HttpError {
  return new HttpError(
    429,
    { code: 429, error_code: 'over_request_rate_limit', msg: `Too many ${what}; try again in ${retryAfter} seconds.` },
    { 'retry-after': String(retryAfter), 'access-control-expose-headers': 'retry-after' },
  );
}

function clientIp(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

interface UserRow {
  id: string;
  aud: string;
  role: string;
  email: string;
  email_confirmed_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  is_anonymous: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const USER_COLUMNS =
  'id, aud, role, email, email_confirmed_at, last_sign_in_at, raw_app_meta_data, raw_user_meta_data, created_at, updated_at, is_anonymous';

function gotrueError(status: number, errorCode: string, msg: string): HttpError {
  return new HttpError(status, { code: status, error_code: errorCode, msg });
}

export function userJson(u: UserRow) {
  const iso = (d: Date | null) => (d ? d.toISOString() : undefined);
  return {
    id: u.id,
    aud: u.aud,
    role: u.role,
    email: u.email,
    email_confirmed_at: iso(u.email_confirmed_at),
    phone: '',
    confirmed_at: iso(u.email_confirmed_at),
    last_sign_in_at: iso(u.last_sign_in_at),
    app_metadata: u.raw_app_meta_data ?? {},
    user_metadata: u.raw_user_meta_data ?? {},
    identities: [],
    created_at: iso(u.created_at),
    updated_at: iso(u.updated_at),
    is_anonymous: u.is_anonymous,
  };
}

export class AuthService {
  private readonly counter = new WindowCounter();
  private readonly limits: AuthLimits;

  constructor(private readonly opts: AuthOptions) {
    this.limits = opts.limits ?? DEFAULT_AUTH_LIMITS;
  }

  /** Counts a sign-up or sign-in attempt from the request's IP (and, for sign-ups, its address). */
  private countAttempt(req: IncomingMessage, address: string | null, countAddress: boolean): void {
    const now = this.opts.now?.() ?? Date.now();
    const ipWait = this.counter.take(`ip:${clientIp(req)}`, this.limits.perIp, now);
    if (ipWait !== null) throw rateLimited(ipWait, 'sign-up and sign-in attempts from this address');
    if (!address) return;
    const addressWait = countAddress
      ? this.counter.take(`address:${address}`, this.limits.perAddress, now)
      : this.counter.over(`address:${address}`, this.limits.perAddress, now);
    if (addressWait !== null) throw rateLimited(addressWait, 'attempts for this email address');
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/health') return sendJson(res, 200, { version: 'flowlens-local', name: 'GoTrue', description: 'FlowLens local Auth stand-in' });
    if (method === 'GET' && path === '/settings') {
      return sendJson(res, 200, { external: { email: true, phone: false }, disable_signup: false, mailer_autoconfirm: true, phone_autoconfirm: false, sms_provider: '', saml_enabled: false });
    }
    if (method === 'POST' && path === '/signup') return this.signup(req, res);
    if (method === 'POST' && path === '/token') {
      const grant = query.get('grant_type');
      if (grant === 'password') return this.passwordGrant(req, res);
      if (grant === 'refresh_token') return this.refreshGrant(req, res);
      throw gotrueError(400, 'validation_failed', `Unsupported grant_type "${grant ?? ''}"`);
    }
    if (path === '/user' && method === 'GET') return this.getUser(req, res);
    if (path === '/user' && method === 'PUT') return this.updateUser(req, res);
    if (path === '/logout' && method === 'POST') return this.logout(req, res, query.get('scope') ?? 'global');
    if (path.startsWith('/admin/users')) return this.admin(req, res, method, path.slice('/admin/users'.length));
    throw gotrueError(404, 'not_found', `${method} ${path} is not part of the local Auth stand-in`);
  }

  // --- sign up / sign in ------------------------------------------------------------------------

  private async signup(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson<{ email?: string; password?: string; data?: Record<string, unknown> }>(req);
    this.countAttempt(req, typeof body.email === 'string' ? body.email.trim().toLowerCase() : null, true);
    const user = await this.createUser(body.email, body.password, body.data ?? {});
    sendJson(res, 200, await this.issueSession(user));
  }

  private async createUser(emailIn: unknown, password: unknown, metadata: Record<string, unknown>): Promise<UserRow> {
    const email = typeof emailIn === 'string' ? emailIn.trim().toLowerCase() : '';
    if (!EMAIL.test(email)) throw gotrueError(400, 'validation_failed', 'Unable to validate email address: invalid format');
    if (typeof password !== 'string' || password.length < 6) {
      throw gotrueError(422, 'weak_password', 'Password should be at least 6 characters.');
    }
    try {
      const { rows } = await this.opts.pool.query<UserRow>(
        `insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
            raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
         values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'authenticated', 'authenticated', $1,
            extensions.crypt($2, extensions.gen_salt('bf', 10)), now(),
            '{"provider":"email","providers":["email"]}'::jsonb, $3::jsonb, now(), now())
         returning ${USER_COLUMNS}`,
        [email, password, JSON.stringify(metadata)],
      );
      return rows[0]!;
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw gotrueError(422, 'user_already_exists', 'User already registered');
      throw e;
    }
  }

  private async passwordGrant(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson<{ email?: string; password?: string }>(req);
    const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : '';
    if (!email || typeof body.password !== 'string') throw gotrueError(400, 'validation_failed', 'An email address and a password are required');
    // An address over its limit is refused even with the right password (else guessing goes on).
    this.countAttempt(req, email, false);
    const { rows } = await this.opts.pool.query<UserRow>(
      `update auth.users set last_sign_in_at = now(), updated_at = now()
        where email = $1 and deleted_at is null and encrypted_password = extensions.crypt($2, encrypted_password)
        returning ${USER_COLUMNS}`,
      [email, body.password],
    );
    const user = rows[0];
    if (!user) {
      const wait = this.counter.take(`address:${email}`, this.limits.perAddress, this.opts.now?.() ?? Date.now());
      if (wait !== null) throw rateLimited(wait, 'attempts for this email address');
      throw new HttpError(400, { code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials', error: 'invalid_grant', error_description: 'Invalid login credentials' });
    }
    sendJson(res, 200, await this.issueSession(user));
  }

  private async refreshGrant(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson<{ refresh_token?: string }>(req);
    if (typeof body.refresh_token !== 'string' || !body.refresh_token) throw gotrueError(400, 'validation_failed', 'refresh_token required');
    const client = await this.opts.pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query<{ id: string; user_id: string; revoked: boolean; session_id: string | null }>(
        'select id, user_id, revoked, session_id from auth.refresh_tokens where token = $1 for update',
        [body.refresh_token],
      );
      const row = rows[0];
      if (!row || !row.session_id) throw gotrueError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
      if (row.revoked) throw gotrueError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used');
      await client.query('update auth.refresh_tokens set revoked = true, updated_at = now() where id = $1', [row.id]);
      await client.query('update auth.sessions set updated_at = now(), refreshed_at = now() where id = $1', [row.session_id]);
      const users = await client.query<UserRow>(`select ${USER_COLUMNS} from auth.users where id = $1 and deleted_at is null`, [row.user_id]);
      const user = users.rows[0];
      if (!user) throw gotrueError(400, 'user_not_found', 'User from refresh token no longer exists');
      const refresh = await this.newRefreshToken(client, user.id, row.session_id, body.refresh_token);
      await client.query('commit');
      sendJson(res, 200, this.sessionJson(user, row.session_id, refresh));
    } catch (e) {
      await client.query('rollback');
      throw e;
    } finally {
      client.release();
    }
  }

  private async issueSession(user: UserRow) {
    const client = await this.opts.pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query<{ id: string }>(
        `insert into auth.sessions (id, user_id, created_at, updated_at, aal) values (gen_random_uuid(), $1, now(), now(), 'aal1') returning id`,
        [user.id],
      );
      const sessionId = rows[0]!.id;
      const refresh = await this.newRefreshToken(client, user.id, sessionId, null);
      await client.query('commit');
      return this.sessionJson(user, sessionId, refresh);
    } catch (e) {
      await client.query('rollback');
      throw e;
    } finally {
      client.release();
    }
  }

  private async newRefreshToken(client: pg.PoolClient, userId: string, sessionId: string, parent: string | null): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await client.query(
      `insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
       values ('00000000-0000-0000-0000-000000000000', $1, $2, false, now(), now(), $3, $4)`,
      [token, userId, parent, sessionId],
    );
    return token;
  }

  private sessionJson(user: UserRow, sessionId: string, refreshToken: string) {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.opts.jwtExpiry;
    const claims: JwtClaims = {
      aud: 'authenticated',
      exp,
      iat: now,
      iss: this.opts.issuer,
      sub: user.id,
      email: user.email,
      phone: '',
      app_metadata: user.raw_app_meta_data ?? {},
      user_metadata: user.raw_user_meta_data ?? {},
      role: 'authenticated',
      aal: 'aal1',
      amr: [{ method: 'password', timestamp: now }],
      session_id: sessionId,
      is_anonymous: false,
    };
    return {
      access_token: signJwt(claims, this.opts.jwtSecret),
      token_type: 'bearer',
      expires_in: this.opts.jwtExpiry,
      expires_at: exp,
      refresh_token: refreshToken,
      user: userJson(user),
    };
  }

  // --- the signed-in user -------------------------------------------------------------------------

  /** Verifies the bearer token and that its session still exists, as GoTrue does. */
  async authenticate(req: IncomingMessage): Promise<{ claims: JwtClaims; user: UserRow }> {
    const token = bearer(req);
    if (!token) throw gotrueError(401, 'no_authorization', 'This endpoint requires a Bearer token');
    let claims: JwtClaims;
    try {
      claims = verifyJwt(token, this.opts.jwtSecret);
    } catch (e) {
      if (e instanceof JwtError) throw gotrueError(403, 'bad_jwt', e.message);
      throw e;
    }
    if (claims.role !== 'authenticated' || typeof claims.sub !== 'string') throw gotrueError(403, 'bad_jwt', 'invalid claim: missing sub claim');
    const sessionId = claims.session_id;
    if (typeof sessionId === 'string') {
      const s = await this.opts.pool.query('select 1 from auth.sessions where id = $1', [sessionId]);
      if (s.rowCount === 0) throw gotrueError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist');
    }
    const { rows } = await this.opts.pool.query<UserRow>(`select ${USER_COLUMNS} from auth.users where id = $1 and deleted_at is null`, [claims.sub]);
    const user = rows[0];
    if (!user) throw gotrueError(403, 'user_not_found', 'User from sub claim in JWT does not exist');
    return { claims, user };
  }

  private async getUser(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { user } = await this.authenticate(req);
    sendJson(res, 200, userJson(user));
  }

  private async updateUser(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { user } = await this.authenticate(req);
    const body = await readJson<{ password?: string; data?: Record<string, unknown> }>(req);
    if (body.password !== undefined && (typeof body.password !== 'string' || body.password.length < 6)) {
      throw gotrueError(422, 'weak_password', 'Password should be at least 6 characters.');
    }
    const { rows } = await this.opts.pool.query<UserRow>(
      `update auth.users set
          encrypted_password = case when $2::text is null then encrypted_password else extensions.crypt($2, extensions.gen_salt('bf', 10)) end,
          raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || coalesce($3::jsonb, '{}'::jsonb),
          updated_at = now()
        where id = $1 returning ${USER_COLUMNS}`,
      [user.id, body.password ?? null, body.data ? JSON.stringify(body.data) : null],
    );
    sendJson(res, 200, userJson(rows[0]!));
  }

  private async logout(req: IncomingMessage, res: ServerResponse, scope: string): Promise<void> {
    const { claims, user } = await this.authenticate(req);
    const sessionId = typeof claims.session_id === 'string' ? claims.session_id : null;
    if (scope === 'local' && sessionId) {
      await this.opts.pool.query('delete from auth.sessions where id = $1', [sessionId]);
    } else if (scope === 'others' && sessionId) {
      await this.opts.pool.query('delete from auth.sessions where user_id = $1 and id <> $2', [user.id, sessionId]);
    } else {
      await this.opts.pool.query('delete from auth.sessions where user_id = $1', [user.id]);
    }
    res.writeHead(204).end();
  }

  // --- admin (service role) -------------------------------------------------------------------------

  private async admin(req: IncomingMessage, res: ServerResponse, method: string, rest: string): Promise<void> {
    const token = bearer(req);
    let role: unknown;
    try {
      role = token ? verifyJwt(token, this.opts.jwtSecret).role : undefined;
    } catch (e) {
      if (e instanceof JwtError) throw gotrueError(403, 'bad_jwt', e.message);
      throw e;
    }
    if (role !== 'service_role') throw gotrueError(403, 'not_admin', 'User not allowed');
    const id = rest.replace(/^\//, '');
    if (method === 'POST' && !id) {
      const body = await readJson<{ email?: string; password?: string; user_metadata?: Record<string, unknown> }>(req);
      const user = await this.createUser(body.email, body.password, body.user_metadata ?? {});
      return sendJson(res, 200, userJson(user));
    }
    if (method === 'GET' && !id) {
      const { rows } = await this.opts.pool.query<UserRow>(`select ${USER_COLUMNS} from auth.users where deleted_at is null order by created_at`);
      return sendJson(res, 200, { users: rows.map(userJson), aud: 'authenticated' });
    }
    if (method === 'GET' && id) {
      const { rows } = await this.opts.pool.query<UserRow>(`select ${USER_COLUMNS} from auth.users where id::text = $1`, [id]);
      if (!rows[0]) throw gotrueError(404, 'user_not_found', 'User not found');
      return sendJson(res, 200, userJson(rows[0]));
    }
    if (method === 'DELETE' && id) {
      const { rows } = await this.opts.pool.query<UserRow>(`delete from auth.users where id::text = $1 returning ${USER_COLUMNS}`, [id]);
      if (!rows[0]) throw gotrueError(404, 'user_not_found', 'User not found');
      return sendJson(res, 200, userJson(rows[0]));
    }
    throw gotrueError(404, 'not_found', `${method} /admin/users${rest} is not part of the local Auth stand-in`);
  }
}
