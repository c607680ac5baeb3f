/** Environment of the edge functions (Supabase injects SUPABASE_*; FlowLens adds its own). */
export function env(name: string): string | undefined {
  const v = Deno.env.get(name);
  return v === undefined || v === '' ? undefined : v;
}

export function requireEnv(name: string): string {
  const v = env(name);
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
}

/** The dashboard's base URL without a trailing slash (links in emails). */
export function dashboardUrl(): string {
  return (env('FLOWLENS_DASHBOARD_URL') ?? 'http://127.0.0.1:5173').replace(/\/+$/, '');
}

/** The public URL of an edge function (links in emails point at `unsubscribe`). */
export function functionUrl(name: string): string {
  return `${requireEnv('SUPABASE_URL').replace(/\/+$/, '')}/functions/v1/${name}`;
}
