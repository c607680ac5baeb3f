/**
 * `credentials`: site credentials for flows that sign in (issue 4). The extension records
 * passwords and fields marked secret as `{{secret:NAME}}`; the user is asked once to store the
 * value, which lands here and is kept only encrypted.
 *
 *   POST   { site_id, name, value }  (owner/admin)  -> 200 { stored: true, name }
 *   DELETE { site_id, name }         (owner/admin)  -> 200 { deleted: true|false, name }
 *   GET    ?site_id=<uuid>           (members)      -> 200 { names: string[] }
 *
 * The bodies are core's contract (core/src/edge-functions.ts: CredentialStoreRequestSchema,
 * CredentialRemoveRequestSchema), read by _shared/body.ts before anything else.
 *
 * A signed-in user's JWT (verify_jwt = true). 401 not signed in · 400 bad input · 403 not an
 * owner/admin (or, for GET, not a member) · 404 unknown site · 503 FLOWLENS_CREDENTIALS_KEY unset ·
 * 429 more than `credentials_per_user` requests of one user a minute (Retry-After; docs/limits.md).
 *
 * The value is encrypted by core's credential format (core/src/credentials.ts: AES-256-GCM under
 * FLOWLENS_CREDENTIALS_KEY, `v1.<iv>.<ciphertext||tag>`), the one implementation the worker decrypts
 * with. The value is never logged and never answered back.
 *
 * Who may do what is asked of Postgres as the caller (_shared/caller.ts: role `authenticated`, the
 * caller's JWT claims): `private.member_site_ids()` / `private.admin_site_ids()` decide, listing
 * and removing run under the table's RLS. public.site_credentials is not writable by users, so
 * only the store itself uses the functions' own connection, after the check passed as the caller.
 */
import { getUser } from '../_shared/auth.ts';
import { asCaller, NotACaller } from '../_shared/caller.ts';
import { corsHeaders, json } from '../_shared/cors.ts';
import { db, type DbClient } from '../_shared/db.ts';
import { env } from '../_shared/env.ts';
import { perWindow, takeRate, tooMany } from '../_shared/limits.ts';
import { log } from '../_shared/log.ts';
import { CredentialError, encryptCredential, parseCredentialKey } from '../../../core/src/credentials.ts';
import {
  CREDENTIAL_SENTENCES,
  CREDENTIALS_LIMITS,
  CredentialRemoveRequestSchema,
  CredentialStoreRequestSchema,
  EDGE_UUID,
} from '../../../core/src/edge-functions.ts';
import { readBody } from '../_shared/body.ts';

const METHODS = 'GET, POST, DELETE, OPTIONS';
// A body over 16 KB (a 4096-character value fits with room to spare) is refused like any unreadable one.
const BODY_RULES = {
  maxBytes: CREDENTIALS_LIMITS.maxBodyBytes,
  tooLarge: { status: 400, error: CREDENTIAL_SENTENCES.notObject },
  notJson: CREDENTIAL_SENTENCES.notObject,
  headers: { 'access-control-allow-methods': METHODS },
};

/** The 32-byte key from FLOWLENS_CREDENTIALS_KEY, or an explanation of what is wrong with it. */
export function credentialsKey(): Uint8Array | { error: string } {
  const raw = env('FLOWLENS_CREDENTIALS_KEY');
  if (!raw) return { error: 'Storing credentials is not set up on this FlowLens server (FLOWLENS_CREDENTIALS_KEY is not set).' };
  try {
    return parseCredentialKey(raw);
  } catch (e) {
    return { error: e instanceof CredentialError ? e.message : 'FLOWLENS_CREDENTIALS_KEY is not usable.' };
  }
}

/** The site's organisation (service connection: whether it exists is not a role decision), or null. */
async function siteOrganization(siteId: string): Promise<string | null> {
  const { rows } = await db().query<{ organization_id: string }>('select organization_id from public.sites where id = $1', [siteId]);
  return rows[0]?.organization_id ?? null;
}

/** The caller's standing on the site, decided by the SQL role helpers as the caller. */
async function standing(c: DbClient, siteId: string): Promise<{ member: boolean; admin: boolean }> {
  const { rows } = await c.query<{ member: boolean; admin: boolean }>(
    'select $1::uuid = any (private.member_site_ids()) as member, $1::uuid = any (private.admin_site_ids()) as admin',
    [siteId],
  );
  return rows[0] ?? { member: false, admin: false };
}

/** The per-user limit (the site's organisation may have its own); a 429 response when it is reached. */
async function limited(userId: string, organizationId: string | null): Promise<Response | null> {
  const rate = await takeRate('credentials_per_user', userId, organizationId);
  if (rate.allowed) return null;
  return tooMany(`You made ${rate.max} credential requests in ${perWindow(rate.windowSeconds)}, the most FlowLens allows; try again in ${rate.retryAfter} seconds.`, rate.retryAfter, {
    'access-control-allow-methods': METHODS,
  });
}

function reply(body: unknown, status = 200): Response {
  return json(body, status, { 'access-control-allow-methods': METHODS });
}

export async function handler(req: Request): Promise<Response> {
  if (req.method === 'OPTIONS') return new Response('ok', { headers: { ...corsHeaders, 'Access-Control-Allow-Methods': METHODS } });
  if (!['GET', 'POST', 'DELETE'].includes(req.method)) return new Response(JSON.stringify({ error: 'Use GET, POST or DELETE.' }), { status: 405, headers: { ...corsHeaders, 'content-type': 'application/json', allow: METHODS } });

  const user = await getUser(req);
  if (!user) return reply({ error: 'Sign in to manage site credentials.' }, 401);

  try {
    if (req.method === 'GET') {
      const siteId = new URL(req.url).searchParams.get('site_id') ?? '';
      if (!EDGE_UUID.test(siteId)) return reply({ error: CREDENTIAL_SENTENCES.siteId }, 400);
      const organizationId = await siteOrganization(siteId);
      const refusal = await limited(user.id, organizationId);
      if (refusal) return refusal;
      if (!organizationId) return reply({ error: 'No such site.' }, 404);
      const names = await asCaller(user, async (c) => {
        if (!(await standing(c, siteId)).member) return null;
        // RLS ("Members can list which credentials a site has") and the column grants decide what is read.
        const { rows } = await c.query<{ name: string }>('select name from public.site_credentials where site_id = $1 order by name', [siteId]);
        return rows.map((r) => r.name);
      });
      if (!names) return reply({ error: 'You are not a member of this site’s organisation.' }, 403);
      return reply({ names });
    }

    // core's contract for the body (core/src/edge-functions.ts), checked before any database call.
    // POST carries a value; DELETE only the site and the name.
    const read = req.method === 'POST'
      ? await readBody(req, CredentialStoreRequestSchema, BODY_RULES)
      : await readBody(req, CredentialRemoveRequestSchema, BODY_RULES);
    if (!read.ok) return read.response;
    const body: { site_id: string; name: string; value?: string } = read.value;
    const { site_id: siteId, name } = body;
    const organizationId = await siteOrganization(siteId);
    const refusal = await limited(user.id, organizationId);
    if (refusal) return refusal;

    if (body.value !== undefined) {
      const { value } = body;
      const key = credentialsKey();
      if ('error' in key) return reply({ error: key.error }, 503);
      if (!organizationId) return reply({ error: 'No such site.' }, 404);
      const who = await asCaller(user, (c) => standing(c, siteId));
      if (!who.admin) return reply({ error: 'Only owners and admins of the site’s organisation can store credentials.' }, 403);
      const ciphertext = await encryptCredential(value, key);
      // Users cannot write site_credentials (no insert/update grant): the one service-side write.
      await db().query(
        `insert into public.site_credentials (site_id, organization_id, name, ciphertext, created_by)
         values ($1, $2, $3, $4, $5)
         on conflict (site_id, name) do update set ciphertext = excluded.ciphertext, created_by = excluded.created_by`,
        [siteId, organizationId, name, ciphertext, user.id],
      );
      return reply({ stored: true, name });
    }

    // DELETE: decided and done as the caller ("Owners and admins can delete credentials").
    if (!organizationId) return reply({ error: 'No such site.' }, 404);
    const deleted = await asCaller(user, async (c) => {
      if (!(await standing(c, siteId)).admin) return null;
      const { rowCount } = await c.query('delete from public.site_credentials where site_id = $1 and name = $2', [siteId, name]);
      return (rowCount ?? 0) > 0;
    });
    if (deleted === null) return reply({ error: 'Only owners and admins of the site’s organisation can remove credentials.' }, 403);
    return reply({ deleted, name });
  } catch (e) {
    if (e instanceof NotACaller) return reply({ error: 'Sign in to manage site credentials.' }, 401);
    // Only the error's message: never the request (it holds the value).
    log.error('credentials failed', { function: 'credentials', err: e instanceof Error ? e.message : 'unknown error' });
    return reply({ error: 'Could not reach the database; try again.' }, 500);
  }
}
