/**
 * `channels`: "Send a test" for a site's Slack or webhook alert channel (issue 18).
 *
 *   POST { channel_id }  (owner/admin of the channel's organisation)
 *     -> 200 { ok, status, answer, error? }   what the receiver answered (Slack says "ok", or why
 *                                             not: no_service, invalid_payload …); ok=false is still
 *                                             a 200: the test ran, the receiver refused
 *
 * A signed-in user's JWT. 401 not signed in · 400 bad input · 403 not an owner/admin · 404 no such
 * channel (or not visible to the caller) · 429 a test of this channel less than 5 seconds ago.
 * The channel URL is read over the functions' database connection (users cannot read it), used for
 * this one request under the egress rules, and never answered back or logged.
 */
import { getUser } from '../_shared/auth.ts';
import { corsHeaders, json } from '../_shared/cors.ts';
import { db } from '../_shared/db.ts';
import { sendTest } from '../notify/channels.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const METHODS = 'POST, OPTIONS';
export const TEST_INTERVAL_MS = 5_000;

function reply(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return json(body, status, { 'access-control-allow-methods': METHODS, ...headers });
}

export async function handler(req: Request): Promise<Response> {
  if (req.method === 'OPTIONS') return new Response(null, { status: 204, headers: { ...corsHeaders, 'access-control-allow-methods': METHODS } });
  if (req.method !== 'POST') return reply({ error: 'Use POST.' }, 405);
  const user = await getUser(req);
  if (!user) return reply({ error: 'Sign in first.' }, 401);
  let body: unknown;
  try {
    const text = await req.text();
    if (text.length > 4096) return reply({ error: 'The body is too large.' }, 400);
    body = JSON.parse(text);
  } catch {
    return reply({ error: 'The body must be JSON: { "channel_id": "<id>" }.' }, 400);
  }
  const channelId = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>).channel_id : undefined;
  if (typeof channelId !== 'string' || !UUID.test(channelId)) return reply({ error: '`channel_id` must be a channel id.' }, 400);

  const pool = db();
  const { rows } = await pool.query<{ role: string | null; last_test_at: Date | null }>(
    `select m.role::text as role, c.last_test_at
       from public.alert_channels c
       left join public.organization_members m on m.organization_id = c.organization_id and m.user_id = $2
      where c.id = $1`,
    [channelId, user.id],
  );
  const row = rows[0];
  // A channel of an organisation the caller is not in does not exist for them.
  if (!row || !row.role) return reply({ error: 'No such channel.' }, 404);
  if (row.role !== 'owner' && row.role !== 'admin') return reply({ error: 'Only owners and admins can test alert channels.' }, 403);
  const now = new Date();
  if (row.last_test_at && now.getTime() - new Date(row.last_test_at).getTime() < TEST_INTERVAL_MS) {
    return reply({ error: 'This channel was tested a moment ago; try again in a few seconds.' }, 429, { 'retry-after': String(TEST_INTERVAL_MS / 1000) });
  }
  const res = await sendTest(pool, channelId, now);
  if (!res) return reply({ error: 'No such channel.' }, 404);
  return reply({ ok: res.ok, status: res.status, answer: res.answer, ...(res.error ? { error: res.error } : {}) });
}
