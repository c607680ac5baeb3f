/**
 * `notify`: drains the notification outbox (see sender.ts). Called every 5 minutes by pg_cron in
 * production and every minute by the local stack's timer; only the service role may call it.
 * Body (optional, service role): { now?: ISO time, sites?: [site ids] } — inject the time, or
 * limit a call to some sites. Answer: { now, digestsQueued, confirmations: [...], outcomes: [...],
 * channelOutcomes: [...] } (recipients' confirmation emails, then alert emails, then Slack/webhook
 * channel deliveries: docs/limits.md, docs/alert-channels.md).
 */
import { effectiveNow, isServiceRole } from '../_shared/auth.ts';
import { claudeFromEnv } from '../_shared/claude.ts';
import { json, preflight } from '../_shared/cors.ts';
import { db } from '../_shared/db.ts';
import { smtpMailer } from '../_shared/mailer.ts';
import { runNotify } from './sender.ts';
import { readBody, TIMER_BODY_RULES } from '../_shared/body.ts';
import { type NotifyResponse, NotifyRequestSchema } from '../../../core/src/edge-functions.ts';


export async function handler(req: Request): Promise<Response> {
  const pre = preflight(req);
  if (pre) return pre;
  if (req.method !== 'POST') return json({ error: 'Use POST.' }, 405, { allow: 'POST' });
  if (!isServiceRole(req)) return json({ error: 'Only the service role (pg_cron, the local stack) may send notifications.' }, 403);
  // core's contract for the optional body (core/src/edge-functions.ts); none at all means "now, every site".
  const read = await readBody(req, NotifyRequestSchema, TIMER_BODY_RULES);
  if (!read.ok) return read.response;
  const now = effectiveNow(req, read.value.now);
  if ('error' in now) return json({ error: now.error }, 400);
  const mailer = smtpMailer();
  try {
    const result = await runNotify(db(), { now, mailer, claude: claudeFromEnv(), sites: read.value.sites ?? null });
    const answer: NotifyResponse = { now: now.toISOString(), ...result };
    return json(answer);
  } finally {
    mailer.close();
  }
}
