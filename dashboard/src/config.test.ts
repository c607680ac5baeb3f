import { describe, expect, it } from 'vitest';
import { jwtRole, readConfig } from './config.ts';

function jwt(payload: object): string {
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.signature`;
}

describe('readConfig', () => {
  it('collects every missing setting into one list', () => {
    const res = readConfig({});
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.problems).toHaveLength(2);
    expect(res.problems[0]).toMatch(/VITE_SUPABASE_URL is not set/);
    expect(res.problems[1]).toMatch(/VITE_SUPABASE_ANON_KEY is not set/);
  });

  it('refuses the service-role key: it must never reach a browser', () => {
    const res = readConfig({ VITE_SUPABASE_URL: 'http://127.0.0.1:54321', VITE_SUPABASE_ANON_KEY: jwt({ role: 'service_role' }) });
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.problems.join(' ')).toMatch(/service-role key/);
  });

  it('rejects a URL that is not http(s)', () => {
    const res = readConfig({ VITE_SUPABASE_URL: 'ftp://example.com', VITE_SUPABASE_ANON_KEY: jwt({ role: 'anon' }) });
    expect(res.ok).toBe(false);
    const bad = readConfig({ VITE_SUPABASE_URL: 'not a url', VITE_SUPABASE_ANON_KEY: jwt({ role: 'anon' }) });
    expect(bad.ok).toBe(false);
  });

  it('accepts an anon key and trims the trailing slash of the URL', () => {
    const key = jwt({ role: 'anon' });
    const res = readConfig({ VITE_SUPABASE_URL: ' https://abc.supabase.co/ ', VITE_SUPABASE_ANON_KEY: key });
    expect(res).toEqual({ ok: true, config: { supabaseUrl: 'https://abc.supabase.co', supabaseAnonKey: key } });
  });

  it('reads the role claim of a JWT and returns null for garbage', () => {
    expect(jwtRole(jwt({ role: 'anon' }))).toBe('anon');
    expect(jwtRole('a.%%%.c')).toBeNull();
    expect(jwtRole('plain')).toBeNull();
  });
});
