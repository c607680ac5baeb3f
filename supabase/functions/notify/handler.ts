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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function handler(req: Request): Promise<Response> {
  const pre = preflight(req);
  if (pre) return pre;
  if (req.method !== 'POST') return json({ error: 'Use POST.' }, 405, { allow: 'POST' });
  if (!isServiceRole(req)) return json({ error: 'Only the service role (pg_cron, the local stack) may send notifications.' }, 403);
  let body: Record<string, unknown> | null = null;
  try {
    const text = await req.text();
    if (text.trim()) body = JSON.parse(text);
  } catch {
    return json({ error: 'The body must be JSON.' }, 400);
  }
  const now = effectiveNow(req, body);
  if ('error' in now) return json({ error: now.error }, 400);
  const sites = body?.sites;
  if (sites !== undefined && (!Array.isArray(sites) || !sites.every((s) => typeof s === 'string' && UUID.test(s)))) {
    return json({ error: '`sites` must be a list of site ids.' }, 400);
  }
  const mailer = smtpMailer();
  try {
    const result = await runNotify(db(), { now, mailer, claude: claudeFromEnv(), sites: (sites as string[] | undefined) ?? null });
    return json({ now: now.toISOString(), ...result });
  } finally {
    mailer.close();
  }
}
