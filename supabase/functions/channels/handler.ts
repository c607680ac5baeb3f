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
 * Whether the caller may test it is asked of Postgres as the caller (RLS and private.admin_org_ids()).
 * The channel URL is read over the functions' database connection (users cannot read it), used for
 * this one request under the egress rules, and never answered back or logged.
 */
import { getUser } from '../_shared/auth.ts';
import { asCaller, NotACaller } from '../_shared/caller.ts';
import { corsHeaders, json } from '../_shared/cors.ts';
import { db } from '../_shared/db.ts';
import { sendTest } from '../notify/channels.ts';
import { readBody } from '../_shared/body.ts';
import type { ChannelTestAnswer } from '../../../core/src/alerts.ts';
import { CHANNEL_SENTENCES, CHANNELS_LIMITS, ChannelTestRequestSchema } from '../../../core/src/edge-functions.ts';

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
  // core's contract for the body (core/src/edge-functions.ts); over 4 KB is a 400, as it always was.
  const read = await readBody(req, ChannelTestRequestSchema, {
    maxBytes: CHANNELS_LIMITS.maxBodyBytes,
    tooLarge: { status: 400, error: CHANNEL_SENTENCES.tooLarge },
    notJson: CHANNEL_SENTENCES.notJson,
    headers: { 'access-control-allow-methods': METHODS },
  });
  if (!read.ok) return read.response;
  const channelId = read.value.channel_id;

  // Asked as the caller (_shared/caller.ts): RLS shows a channel only to members of its
  // organisation, and private.admin_org_ids() says whether the caller is an owner/admin there.
  let row: { admin: boolean; last_test_at: Date | null } | undefined;
  try {
    row = await asCaller(user, async (c) =>
      (await c.query<{ admin: boolean; last_test_at: Date | null }>(
        `select c.organization_id = any (private.admin_org_ids()) as admin, c.last_test_at
           from public.alert_channels c
          where c.id = $1`,
        [channelId],
      )).rows[0],
    );
  } catch (e) {
    if (e instanceof NotACaller) return reply({ error: 'Sign in first.' }, 401);
    throw e;
  }
  // A channel of an organisation the caller is not in does not exist for them.
  if (!row) return reply({ error: 'No such channel.' }, 404);
  if (!row.admin) return reply({ error: 'Only owners and admins can test alert channels.' }, 403);
  const now = new Date();
  if (row.last_test_at && now.getTime() - new Date(row.last_test_at).getTime() < TEST_INTERVAL_MS) {
    return reply({ error: 'This channel was tested a moment ago; try again in a few seconds.' }, 429, { 'retry-after': String(TEST_INTERVAL_MS / 1000) });
  }
  // The URL is read and the test recorded over the functions' own connection (users cannot read it).
  const res = await sendTest(db(), channelId, now);
  if (!res) return reply({ error: 'No such channel.' }, 404);
  const answer: ChannelTestAnswer = { ok: res.ok, status: res.status, answer: res.answer, ...(res.error ? { error: res.error } : {}) };
  return reply(answer);
}
