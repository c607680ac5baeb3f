/**
 * Delivering outbox rows to Slack and webhook channels (issue 18), after the emails in each
 * `notify` call:
 *   1. claim due deliveries (private.claim_channel_deliveries: SKIP LOCKED, lease, one attempt each)
 *   2. read the facts of the delivery's outbox row, render Slack Block Kit or the signed JSON body
 *   3. POST under the egress rules (_shared/egress.ts), never following redirects blindly
 *   4. record the answer (private.finish_channel_delivery): sent; back to pending with backoff on
 *      5xx/408/429/timeouts/network errors; failed on other 4xx or after MAX_CHANNEL_ATTEMPTS. A
 *      channel whose deliveries keep failing turns `failing` and its admins get one email.
 * A delivery is unique per (site, kind, period, channel), so it is posted once however often notify
 * runs; only a sender that dies between the POST and recording it can post twice (its lease expires),
 * which is why every webhook carries X-FlowLens-Delivery for receivers to de-duplicate.
 * The channel URL is read here and nowhere else, never logged, and never part of an error.
 */
import type { Db } from '../_shared/db.ts';
import { loopbackAllowed, postJson, type PostResult } from '../_shared/egress.ts';
import { log } from '../_shared/log.ts';
import { dashboardUrl } from '../_shared/env.ts';
import { signDelivery } from '../_shared/signature.ts';
import { slackDigest, slackInstant, slackTest, webhookDigest, webhookInstant, webhookTest } from './channel-messages.ts';
import { digestFacts, instantFacts, siteFacts, type SiteFacts } from './facts.ts';

export const MAX_CHANNEL_ATTEMPTS = 6;

/** Backoff after the n-th failed attempt: 1, 2, 4, 8, 16 … minutes, at most an hour. */
export function channelBackoffMs(attempt: number): number {
  return Math.min(60, 2 ** Math.max(0, attempt - 1)) * 60_000;
}

interface ChannelSecretRow {
  id: string;
  site_id: string;
  kind: 'slack' | 'webhook';
  name: string;
  url: string;
  signing_secret: string;
}

interface DeliveryRow {
  id: string;
  outbox_id: string;
  channel_id: string;
  site_id: string;
  kind: 'instant' | 'daily' | 'weekly';
  period_key: string;
  attempts: number;
}

export interface ChannelOutcome {
  id: string;
  channelId: string;
  kind: string;
  periodKey: string;
  status: 'sent' | 'pending' | 'failed' | 'skipped';
  httpStatus: number | null;
  error?: string;
}

const SLACK_HOSTS = new Set(['hooks.slack.com', 'hooks.slack-gov.com']);

/** Slack channels must point at Slack (or, in dev/test only, at a loopback receiver). */
function slackUrlProblem(url: string): string | null {
  try {
    const u = new URL(url);
    if (SLACK_HOSTS.has(u.hostname.toLowerCase())) return null;
    if (loopbackAllowed() && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname.toLowerCase())) return null;
    return 'a Slack channel needs a Slack incoming-webhook URL (https://hooks.slack.com/services/…)';
  } catch {
    return 'the channel URL is not a valid URL';
  }
}

/** Posts one message to one channel: Slack as is, webhooks signed like our deploy webhook. */
export async function postToChannel(
  channel: ChannelSecretRow,
  message: { slack: unknown; webhook: { id: string; event: string } },
  now: Date,
): Promise<PostResult> {
  const opts = { allowLoopback: loopbackAllowed() };
  if (channel.kind === 'slack') {
    const problem = slackUrlProblem(channel.url);
    if (problem) return { ok: false, status: null, answer: '', error: problem, retry: false };
    return await postJson(channel.url, JSON.stringify(message.slack), {}, opts);
  }
  const body = JSON.stringify(message.webhook);
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return await postJson(channel.url, body, {
    'x-flowlens-timestamp': timestamp,
    'x-flowlens-signature': await signDelivery(channel.signing_secret, timestamp, body),
    'x-flowlens-event': message.webhook.event,
    'x-flowlens-delivery': message.webhook.id,
  }, opts);
}

async function channelSecret(pool: Db, channelId: string): Promise<ChannelSecretRow | null> {
  return (await pool.query<ChannelSecretRow>(
    'select id, site_id, kind, name, url, signing_secret from public.alert_channels where id = $1',
    [channelId],
  )).rows[0] ?? null;
}

/** Renders both forms of an outbox row's message; null when there is nothing to say. */
async function messageFor(pool: Db, site: SiteFacts, d: DeliveryRow, now: Date): Promise<{ slack: unknown; webhook: { id: string; event: string } } | null> {
  const outbox = (await pool.query<{ payload: Record<string, unknown>; run_id: string | null }>(
    'select payload, run_id from public.notification_outbox where id = $1',
    [d.outbox_id],
  )).rows[0];
  if (!outbox) return null;
  const dashboard = dashboardUrl();
  if (d.kind === 'instant') {
    const facts = await instantFacts(pool, site, outbox.payload ?? {}, outbox.run_id);
    return facts ? { slack: slackInstant(facts, dashboard), webhook: webhookInstant(facts, dashboard, d.id, now) } : null;
  }
  const localDate = typeof outbox.payload?.localDate === 'string' ? outbox.payload.localDate : d.period_key;
  const facts = await digestFacts(pool, site, d.kind, d.period_key, localDate);
  if (facts.score === null) return null;
  return { slack: slackDigest(facts, dashboard), webhook: webhookDigest(facts, dashboard, d.id, now) };
}

async function finishDelivery(
  pool: Db, d: DeliveryRow, worker: string, outcome: 'sent' | 'retry' | 'failed' | 'skipped', r: Partial<PostResult>, next: Date | null, permanent: boolean, now: Date,
): Promise<void> {
  await pool.query(
    'select private.finish_channel_delivery($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    [d.id, worker, outcome, r.status ?? null, r.answer ?? null, r.error ?? null, next?.toISOString() ?? null, permanent, now.toISOString()],
  );
}

async function deliverOne(pool: Db, d: DeliveryRow, worker: string, now: Date): Promise<ChannelOutcome> {
  const base = { id: d.id, channelId: d.channel_id, kind: d.kind, periodKey: d.period_key };
  try {
    const [site, channel] = await Promise.all([siteFacts(pool, d.site_id), channelSecret(pool, d.channel_id)]);
    const message = site && channel ? await messageFor(pool, site, d, now) : null;
    if (!site || !channel || !message) {
      await finishDelivery(pool, d, worker, 'skipped', { error: 'nothing to report' }, null, false, now);
      return { ...base, status: 'skipped', httpStatus: null };
    }
    const res = await postToChannel(channel, message, now);
    if (res.ok) {
      await finishDelivery(pool, d, worker, 'sent', res, null, false, now);
      return { ...base, status: 'sent', httpStatus: res.status };
    }
    const giveUp = !res.retry || d.attempts >= MAX_CHANNEL_ATTEMPTS;
    const next = new Date(now.getTime() + Math.max(res.retryAfterMs ?? 0, channelBackoffMs(d.attempts)));
    // A receiver that will never accept (Slack's 404 no_service, 410 channel_is_archived, 403) or an
    // address we refuse makes the channel failing at once; transient trouble only after a streak.
    await finishDelivery(pool, d, worker, giveUp ? 'failed' : 'retry', res, giveUp ? null : next, !res.retry, now);
    log.warn(`notify: ${d.kind} ${d.period_key} to channel ${d.channel_id} failed (attempt ${d.attempts}): ${res.error ?? 'error'}`, { function: 'notify', site_id: d.site_id, channel_id: d.channel_id, kind: d.kind, attempt: d.attempts, http_status: res.status });
    return { ...base, status: giveUp ? 'failed' : 'pending', httpStatus: res.status, error: res.error };
  } catch (e) {
    // Our own trouble (database, rendering): try again later; the message never holds the URL.
    const message = (e instanceof Error ? e.message : String(e)).replace(/\b[a-z]+:\/\/\S+/gi, '<URL>').slice(0, 300);
    const giveUp = d.attempts >= MAX_CHANNEL_ATTEMPTS;
    await finishDelivery(pool, d, worker, giveUp ? 'failed' : 'retry', { error: `FlowLens could not send it: ${message}` }, new Date(now.getTime() + channelBackoffMs(d.attempts)), false, now)
      .catch(() => {}); // the lease expires and the delivery is claimed again: nothing is lost
    return { ...base, status: giveUp ? 'failed' : 'pending', httpStatus: null, error: message };
  }
}

export async function runChannels(pool: Db, opts: { now: Date; worker: string; sites: string[] | null; maxRows?: number }): Promise<ChannelOutcome[]> {
  const outcomes: ChannelOutcome[] = [];
  const maxRows = opts.maxRows ?? 200;
  while (outcomes.length < maxRows) {
    const { rows } = await pool.query<DeliveryRow>(
      `select id, outbox_id, channel_id, site_id, kind, period_key, attempts
         from private.claim_channel_deliveries($1, $2, $3, interval '5 minutes', $4::uuid[])`,
      [opts.worker, opts.now.toISOString(), Math.min(10, maxRows - outcomes.length), opts.sites],
    );
    if (rows.length === 0) break;
    // Channels of different sites are independent: post a claimed batch concurrently.
    outcomes.push(...(await Promise.all(rows.map((d) => deliverOne(pool, d, opts.worker, opts.now)))));
  }
  return outcomes;
}

/** "Send a test" from the dashboard: posts a test message now and returns the receiver's answer. */
export async function sendTest(pool: Db, channelId: string, now: Date): Promise<PostResult | null> {
  const channel = await channelSecret(pool, channelId);
  if (!channel) return null;
  const site = await siteFacts(pool, channel.site_id);
  if (!site) return null;
  const dashboard = dashboardUrl();
  const id = crypto.randomUUID();
  const res = await postToChannel(channel, { slack: slackTest(site.name, channel.name, dashboard, site.id), webhook: webhookTest(site, dashboard, id, now) }, now);
  await pool.query('select private.record_channel_test($1, $2, $3, $4)', [channel.id, res.ok, res.error ?? null, now.toISOString()]);
  return res;
}
