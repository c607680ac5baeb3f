/** Who is calling: the service role (timers, pg_cron, tests) or a signed-in user. */
import { env, requireEnv } from './env.ts';

export function bearer(req: Request): string | null {
  const h = req.headers.get('authorization');
  const m = h ? /^Bearer\s+(.+)$/i.exec(h.trim()) : null;
  return m ? m[1]!.trim() : null;
}

function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  if (ea.length !== eb.length) return false;
  let diff = 0;
  for (let i = 0; i < ea.length; i++) diff |= ea[i]! ^ eb[i]!;
  return diff === 0;
}

/** True only for the exact service-role key of this project. */
export function isServiceRole(req: Request): boolean {
  const token = bearer(req);
  const key = env('SUPABASE_SERVICE_ROLE_KEY');
  return !!token && !!key && timingSafeEqual(token, key);
}

export interface AuthUser {
  id: string;
  email?: string;
  token: string;
}

/** The signed-in user behind the request's JWT (asks Auth, so revoked sessions fail), or null. */
export async function getUser(req: Request): Promise<AuthUser | null> {
  const token = bearer(req);
  if (!token) return null;
  const apikey = env('SUPABASE_ANON_KEY') ?? token;
  const res = await fetch(`${requireEnv('SUPABASE_URL').replace(/\/+$/, '')}/auth/v1/user`, {
    headers: { authorization: `Bearer ${token}`, apikey },
  });
  if (!res.ok) {
    await res.body?.cancel();
    return null;
  }
  const user = (await res.json()) as { id?: string; email?: string };
  return user.id ? { id: user.id, email: user.email, token } : null;
}

/**
 * The `now` a timer-driven function works at: the body's `now` (parsed by core's schema) when the
 * caller is the service role — tests and the stack inject time this way — the clock otherwise.
 */
export function effectiveNow(req: Request, now: Date | null | undefined): Date | { error: string } {
  if (now === undefined || now === null) return new Date();
  if (!isServiceRole(req)) return { error: '`now` may only be set by the service role' };
  return now;
}
