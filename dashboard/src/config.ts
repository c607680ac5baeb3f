/**
 * Dashboard configuration from Vite env, checked up front: every problem is collected into one
 * list so the error screen tells the developer everything to fix at once (CONVENTIONS: config
 * validated up front).
 */

export interface DashboardConfig {
  supabaseUrl: string;
  supabaseAnonKey: string;
}

export type ConfigResult = { ok: true; config: DashboardConfig } | { ok: false; problems: string[] };

interface EnvLike {
  VITE_SUPABASE_URL?: string;
  VITE_SUPABASE_ANON_KEY?: string;
}

/** The `role` claim of a JWT, without verifying it (we only want to refuse an obviously wrong key). */
export function jwtRole(token: string): string | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const claims = JSON.parse(json) as { role?: unknown };
    return typeof claims.role === 'string' ? claims.role : null;
  } catch {
    return null;
  }
}

export function readConfig(env: EnvLike): ConfigResult {
  const problems: string[] = [];
  const url = env.VITE_SUPABASE_URL?.trim() ?? '';
  const key = env.VITE_SUPABASE_ANON_KEY?.trim() ?? '';

  if (!url) {
    problems.push('VITE_SUPABASE_URL is not set. It is the API URL of your Supabase project (locally: the "API URL" that `npm run stack status` prints).');
  } else {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      problems.push(`VITE_SUPABASE_URL is not a URL: "${url}". Expected something like http://127.0.0.1:54321 or https://<project>.supabase.co.`);
    }
    if (parsed && parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      problems.push(`VITE_SUPABASE_URL must start with http:// or https://, got "${url}".`);
    }
  }

  if (!key) {
    problems.push('VITE_SUPABASE_ANON_KEY is not set. Use the project\'s anon (public) key (locally: the "anon key" that `npm run stack status` prints).');
  } else {
    const role = jwtRole(key);
    if (role === 'service_role') {
      problems.push('VITE_SUPABASE_ANON_KEY holds the service-role key. That key bypasses row-level security and must never reach a browser: use the anon key.');
    } else if (role === null && key.split('.').length === 3) {
      problems.push('VITE_SUPABASE_ANON_KEY does not look like a Supabase key (its payload could not be read).');
    }
  }

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: { supabaseUrl: url.replace(/\/+$/, ''), supabaseAnonKey: key } };
}
