/**
 * `credentials`: site credentials for flows that sign in (issue 4). The extension records
 * passwords and fields marked secret as `{{secret:NAME}}`; the user is asked once to store the
 * value, which lands here and is kept only encrypted.
 *
 *   POST   { site_id, name, value }  (owner/admin)  -> 200 { stored: true, name }
 *   DELETE { site_id, name }         (owner/admin)  -> 200 { deleted: true|false, name }
 *   GET    ?site_id=<uuid>           (members)      -> 200 { names: string[] }
 *
 * A signed-in user's JWT (verify_jwt = true). 401 not signed in · 400 bad input · 403 not an
 * owner/admin (or, for GET, not a member) · 404 unknown site · 503 FLOWLENS_CREDENTIALS_KEY unset ·
 * 429 more than `credentials_per_user` requests of one user a minute (Retry-After; docs/limits.md).
 *
 * The value is encrypted with AES-256-GCM under FLOWLENS_CREDENTIALS_KEY (base64, 32 bytes) as
 * `v1.<iv, 12 bytes, base64>.<ciphertext followed by the 16-byte tag, base64>` — exactly what
 * crawler/src/worker/credentials.ts decrypts. The value is never logged and never answered back;
 * public.site_credentials is not writable by users, so rows are written over the functions' own
 * database connection after the caller's role has been checked here.
 */
import { getUser } from '../_shared/auth.ts';
import { corsHeaders, json } from '../_shared/cors.ts';
import { db } from '../_shared/db.ts';
import { env } from '../_shared/env.ts';
import { perWindow, takeRate, tooMany } from '../_shared/limits.ts';
import { log } from '../_shared/log.ts';

export const NAME_PATTERN = /^[A-Z0-9_]{1,64}$/;
export const MAX_VALUE_LENGTH = 4096;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const METHODS = 'GET, POST, DELETE, OPTIONS';

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** The 32-byte key from FLOWLENS_CREDENTIALS_KEY, or an explanation of what is wrong with it. */
export function credentialsKey(): Uint8Array | { error: string } {
  const raw = env('FLOWLENS_CREDENTIALS_KEY');
  if (!raw) return { error: 'Storing credentials is not set up on this FlowLens server (FLOWLENS_CREDENTIALS_KEY is not set).' };
  let key: Uint8Array;
  try {
    key = Uint8Array.from(atob(raw.trim()), (c) => c.charCodeAt(0));
  } catch {
    return { error: 'FLOWLENS_CREDENTIALS_KEY is not valid base64 (openssl rand -base64 32).' };
  }
  if (key.length !== 32) return { error: 'FLOWLENS_CREDENTIALS_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32).' };
  return key;
}

/** AES-256-GCM in the crawler's `v1.<iv>.<ciphertext||tag>` layout (WebCrypto appends the tag). */
export async function encryptCredential(value: string, key: Uint8Array): Promise<string> {
  const k = await crypto.subtle.importKey('raw', key as BufferSource, { name: 'AES-GCM' }, false, ['encrypt']);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, tagLength: 128 }, k, new TextEncoder().encode(value)));
  return `v1.${toBase64(iv)}.${toBase64(data)}`;
}

type Role = 'owner' | 'admin' | 'member' | 'viewer' | string;

/** null: no such site; undefined: the user is not in its organisation; else their role. */
async function roleOn(siteId: string, userId: string): Promise<{ organizationId: string; role: Role | undefined } | null> {
  const { rows } = await db().query<{ organization_id: string; role: string | null }>(
    `select s.organization_id, m.role::text as role
       from public.sites s
       left join public.organization_members m on m.organization_id = s.organization_id and m.user_id = $2
      where s.id = $1`,
    [siteId, userId],
  );
  if (!rows[0]) return null;
  return { organizationId: rows[0].organization_id, role: rows[0].role ?? undefined };
}

const isAdmin = (role: Role | undefined) => role === 'owner' || role === 'admin';

/** The per-user limit (the site's organisation may have its own); a 429 response when it is reached. */
async function limited(userId: string, siteId: string): Promise<Response | null> {
  const { rows } = await db().query<{ organization_id: string }>('select organization_id from public.sites where id = $1', [siteId]);
  const rate = await takeRate('credentials_per_user', userId, rows[0]?.organization_id ?? null);
  if (rate.allowed) return null;
  return tooMany(`You made ${rate.max} credential requests in ${perWindow(rate.windowSeconds)}, the most FlowLens allows; try again in ${rate.retryAfter} seconds.`, rate.retryAfter, {
    'access-control-allow-methods': METHODS,
  });
}

function reply(body: unknown, status = 200): Response {
  return json(body, status, { 'access-control-allow-methods': METHODS });
}

async function readBody(req: Request): Promise<Record<string, unknown> | null> {
  const text = await req.text().catch(() => '');
  if (text.length > 16 * 1024) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export async function handler(req: Request): Promise<Response> {
  if (req.method === 'OPTIONS') return new Response('ok', { headers: { ...corsHeaders, 'Access-Control-Allow-Methods': METHODS } });
  if (!['GET', 'POST', 'DELETE'].includes(req.method)) return new Response(JSON.stringify({ error: 'Use GET, POST or DELETE.' }), { status: 405, headers: { ...corsHeaders, 'content-type': 'application/json', allow: METHODS } });

  const user = await getUser(req);
  if (!user) return reply({ error: 'Sign in to manage site credentials.' }, 401);

  try {
    if (req.method === 'GET') {
      const siteId = new URL(req.url).searchParams.get('site_id') ?? '';
      if (!UUID.test(siteId)) return reply({ error: '`site_id` must be a site id.' }, 400);
      const refusal = await limited(user.id, siteId);
      if (refusal) return refusal;
      const who = await roleOn(siteId, user.id);
      if (!who) return reply({ error: 'No such site.' }, 404);
      if (!who.role) return reply({ error: 'You are not a member of this site’s organisation.' }, 403);
      const { rows } = await db().query<{ name: string }>('select name from public.site_credentials where site_id = $1 order by name', [siteId]);
      return reply({ names: rows.map((r) => r.name) });
    }

    const body = await readBody(req);
    if (!body) return reply({ error: 'Send a JSON object.' }, 400);
    const siteId = typeof body.site_id === 'string' ? body.site_id : '';
    const name = typeof body.name === 'string' ? body.name : '';
    if (!UUID.test(siteId)) return reply({ error: '`site_id` must be a site id.' }, 400);
    if (!NAME_PATTERN.test(name)) return reply({ error: '`name` must be 1–64 capital letters, digits or underscores (like PASSWORD).' }, 400);
    const refusal = await limited(user.id, siteId);
    if (refusal) return refusal;

    if (req.method === 'POST') {
      const value = body.value;
      if (typeof value !== 'string' || value.length < 1 || value.length > MAX_VALUE_LENGTH) {
        return reply({ error: `\`value\` must be text of 1 to ${MAX_VALUE_LENGTH} characters.` }, 400);
      }
      const key = credentialsKey();
      if ('error' in key) return reply({ error: key.error }, 503);
      const who = await roleOn(siteId, user.id);
      if (!who) return reply({ error: 'No such site.' }, 404);
      if (!isAdmin(who.role)) return reply({ error: 'Only owners and admins of the site’s organisation can store credentials.' }, 403);
      const ciphertext = await encryptCredential(value, key);
      await db().query(
        `insert into public.site_credentials (site_id, organization_id, name, ciphertext, created_by)
         values ($1, $2, $3, $4, $5)
         on conflict (site_id, name) do update set ciphertext = excluded.ciphertext, created_by = excluded.created_by`,
        [siteId, who.organizationId, name, ciphertext, user.id],
      );
      return reply({ stored: true, name });
    }

    // DELETE
    const who = await roleOn(siteId, user.id);
    if (!who) return reply({ error: 'No such site.' }, 404);
    if (!isAdmin(who.role)) return reply({ error: 'Only owners and admins of the site’s organisation can remove credentials.' }, 403);
    const { rowCount } = await db().query('delete from public.site_credentials where site_id = $1 and name = $2', [siteId, name]);
    return reply({ deleted: (rowCount ?? 0) > 0, name });
  } catch (e) {
    // Only the error's message: never the request (it holds the value).
    log.error('credentials failed', { function: 'credentials', err: e instanceof Error ? e.message : 'unknown error' });
    return reply({ error: 'Could not reach the database; try again.' }, 500);
  }
}
