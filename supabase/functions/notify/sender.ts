/**
 * The outbox drain behind `notify`:
 *   1. create the daily / weekly rows that are due (private.enqueue_digests; unique per period)
 *   2. claim due rows with FOR UPDATE SKIP LOCKED and a lease (private.claim_notifications)
 *   3. render and send one email per recipient who wants this kind, recording each delivered
 *      address on the row (a retry never re-sends to someone who already got it)
 *   4. mark the row sent / skipped (no recipients, nothing to say), or back to pending with
 *      exponential backoff and last_error; after MAX_ATTEMPTS it is failed for good.
 * Issue 14: only confirmed recipients get emails (external addresses confirm by a link, sent first
 * by confirmations.ts); an instant alert past the site's daily cap is held (over_cap) and goes out
 * in that day's one 'alert_overflow' email ("and N more") when the site's local day ends.
 * The (site, kind, period) unique key plus the claim make each email go out once however often or
 * concurrently notify runs.
 */
import type { ClaudeOptions } from '../_shared/claude.ts';
import type { Db } from '../_shared/db.ts';
import { dashboardUrl, functionUrl } from '../_shared/env.ts';
import { log } from '../_shared/log.ts';
import type { Mailer } from '../_shared/mailer.ts';
import { signUnsubscribe } from '../_shared/unsubscribe-token.ts';
import { briefingProse } from './briefing.ts';
import { type ChannelOutcome, runChannels } from './channels.ts';
import { type ConfirmationOutcome, sendConfirmations } from './confirmations.ts';
import { digestFacts, type InstantFacts, instantFacts, siteFacts } from './facts.ts';
import { type Links, renderChannelFailing, renderDigest, renderInstant, renderNeedsSetup, type Rendered, renderOverflow } from './render.ts';

export const MAX_ATTEMPTS = 8;
/** Held alerts an "and N more" email lists in full (a site failing every few minutes may have hundreds). */
export const OVERFLOW_LISTED = 50;

/** Backoff after the n-th failed attempt: 1, 2, 4, 8, 16, 32, 60, 60 … minutes. */
export function backoffMs(attempt: number): number {
  return Math.min(60, 2 ** Math.max(0, attempt - 1)) * 60_000;
}

interface OutboxRow {
  id: string;
  site_id: string;
  kind: 'instant' | 'daily' | 'weekly' | 'channel_failing' | 'needs_setup' | 'alert_overflow';
  period_key: string;
  run_id: string | null;
  payload: Record<string, unknown>;
  attempts: number;
  recipients: string[];
}

export interface NotifyOptions {
  now: Date;
  mailer: Mailer;
  claude: ClaudeOptions | null;
  worker?: string;
  sites?: string[] | null;
  /** Stop claiming after this many rows in one call (the rest waits for the next call). */
  maxRows?: number;
}

export interface NotifyOutcome {
  id: string;
  siteId: string;
  kind: string;
  periodKey: string;
  /** over_cap: held by the site's daily cap, for that day's "and N more" email. */
  status: 'sent' | 'skipped' | 'pending' | 'failed' | 'over_cap';
  delivered: number;
  error?: string;
  by?: 'claude' | 'template';
}

export async function runNotify(
  pool: Db,
  opts: NotifyOptions,
): Promise<{ digestsQueued: number; confirmations: ConfirmationOutcome[]; outcomes: NotifyOutcome[]; channelOutcomes: ChannelOutcome[] }> {
  const worker = opts.worker ?? `notify-${crypto.randomUUID().slice(0, 8)}`;
  const sites = opts.sites && opts.sites.length ? opts.sites : null;
  const confirmations = await sendConfirmations(pool, { now: opts.now, mailer: opts.mailer, sites, maxRows: Math.min(50, opts.maxRows ?? 200) });
  const digestsQueued = (await pool.query<{ n: number }>('select private.enqueue_digests($1, $2::uuid[]) as n', [opts.now.toISOString(), sites])).rows[0]!.n;
  const outcomes: NotifyOutcome[] = [];
  const maxRows = opts.maxRows ?? 200;
  while (outcomes.length < maxRows) {
    const { rows } = await pool.query<OutboxRow>(
      `select id, site_id, kind, period_key, run_id, payload, attempts, recipients
         from private.claim_notifications($1, $2, $3, interval '5 minutes', $4::uuid[])`,
      [worker, opts.now.toISOString(), Math.min(10, maxRows - outcomes.length), sites],
    );
    if (rows.length === 0) break;
    for (const row of rows) outcomes.push(await deliver(pool, row, opts, worker));
  }
  // Slack and webhook channels (issue 18). A channel that turns failing writes a channel_failing
  // row; sending those emails in the same call tells its admins at once.
  const channelOutcomes = await runChannels(pool, { now: opts.now, worker, sites, maxRows });
  if (channelOutcomes.some((c) => c.status !== 'sent' && c.status !== 'skipped')) {
    const { rows } = await pool.query<OutboxRow>(
      `select id, site_id, kind, period_key, run_id, payload, attempts, recipients
         from private.claim_notifications($1, $2, 10, interval '5 minutes', $3::uuid[])`,
      [worker, opts.now.toISOString(), sites],
    );
    for (const row of rows) outcomes.push(await deliver(pool, row, opts, worker));
  }
  return { digestsQueued, confirmations, outcomes, channelOutcomes };
}

async function finish(pool: Db, row: OutboxRow, worker: string, status: 'sent' | 'skipped', note: string | null): Promise<void> {
  await pool.query(
    `update public.notification_outbox
        set status = $3, sent_at = case when $3 = 'sent' then now() else sent_at end, locked_by = null, locked_until = null,
            last_error = coalesce($4, last_error)
      where id = $1 and locked_by = $2`,
    [row.id, worker, status, note],
  );
}

async function deliver(pool: Db, row: OutboxRow, opts: NotifyOptions, worker: string): Promise<NotifyOutcome> {
  const base = { id: row.id, siteId: row.site_id, kind: row.kind, periodKey: row.period_key };
  let delivered = 0;
  let by: 'claude' | 'template' | undefined;
  try {
    const site = await siteFacts(pool, row.site_id);
    if (!site) {
      await finish(pool, row, worker, 'skipped', 'site no longer exists');
      return { ...base, status: 'skipped', delivered };
    }
    if (row.kind === 'channel_failing') return await deliverChannelFailing(pool, row, opts, worker, site.name);
    if (row.kind === 'needs_setup') return await deliverNeedsSetup(pool, row, opts, worker, site.name);
    // The overflow email goes to whoever wants instant alerts; unconfirmed addresses get nothing.
    const wants = row.kind === 'alert_overflow' ? 'instant' : row.kind;
    const recipients = (await pool.query<{ id: string; email: string }>(
      `select id, email from public.notification_recipients where site_id = $1 and ${wants} and confirmed_at is not null order by email`,
      [row.site_id],
    )).rows.filter((r) => !row.recipients.includes(r.email));

    let render: ((links: Links) => Rendered) | null = null;
    if (row.kind === 'instant') {
      const facts = await instantFacts(pool, site, row.payload ?? {}, row.run_id);
      if (facts) render = (links) => renderInstant(facts, links);
    } else if (row.kind === 'alert_overflow') {
      // Sealing takes the day's list once; an alert reserved later is sent on its own.
      const held = (await pool.query<OutboxRow>('select id, site_id, kind, period_key, run_id, payload, attempts, recipients from private.seal_alert_overflow($1)', [row.id])).rows;
      const alerts: InstantFacts[] = [];
      // Listed in full up to OVERFLOW_LISTED; the email counts the rest and links to the runs.
      for (const h of held.slice(0, OVERFLOW_LISTED)) {
        const facts = await instantFacts(pool, site, h.payload ?? {}, h.run_id);
        if (facts) alerts.push(facts);
      }
      const cap = Number(row.payload?.cap);
      if (alerts.length) {
        const total = alerts.length + Math.max(0, held.length - OVERFLOW_LISTED);
        render = (links) => renderOverflow({ site, localDate: row.period_key, cap: Number.isFinite(cap) ? cap : 10, alerts, total }, links);
      }
    } else {
      const localDate = typeof row.payload?.localDate === 'string' ? row.payload.localDate : row.period_key;
      const facts = await digestFacts(pool, site, row.kind, row.period_key, localDate);
      if (facts.score !== null) {
        const prose = await briefingProse(facts, opts.claude);
        by = prose.by;
        render = (links) => renderDigest(facts, links, prose.prose);
      }
    }
    if (!render) {
      await finish(pool, row, worker, 'skipped', 'nothing to report');
      return { ...base, status: 'skipped', delivered };
    }
    if (recipients.length === 0 && row.recipients.length === 0) {
      await finish(pool, row, worker, 'skipped', `no recipient wants ${row.kind} emails`);
      return { ...base, status: 'skipped', delivered, by };
    }
    if (row.kind === 'instant' && row.recipients.length === 0) {
      const verdict = (await pool.query<{ v: string }>('select private.reserve_instant_email($1, $2) as v', [row.id, opts.now.toISOString()])).rows[0]!.v;
      if (verdict === 'held') return { ...base, status: 'over_cap', delivered, by };
    }
    const dashboard = dashboardUrl();
    for (const r of recipients) {
      const kindToken = await signUnsubscribe(r.id, wants);
      const allToken = await signUnsubscribe(r.id, 'all');
      const links: Links = {
        dashboard,
        preferences: `${dashboard}/sites/${encodeURIComponent(site.id)}/settings/notifications`,
        unsubscribeKind: `${functionUrl('unsubscribe')}?token=${encodeURIComponent(kindToken)}`,
        unsubscribeAll: `${functionUrl('unsubscribe')}?token=${encodeURIComponent(allToken)}`,
      };
      const mail = render(links);
      await opts.mailer.send({
        to: r.email,
        ...mail,
        headers: {
          'List-Unsubscribe': `<${links.unsubscribeKind}>`,
          'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
          'X-FlowLens-Notification': `${row.kind}; site=${site.id}; period=${row.period_key}`,
        },
      });
      delivered += 1;
      await pool.query('update public.notification_outbox set recipients = array_append(recipients, $2) where id = $1', [row.id, r.email]);
    }
    await finish(pool, row, worker, 'sent', null);
    return { ...base, status: 'sent', delivered, by };
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).slice(0, 1000);
    const failed = row.attempts >= MAX_ATTEMPTS;
    const next = new Date(opts.now.getTime() + backoffMs(row.attempts));
    await pool.query(
      `update public.notification_outbox
          set status = $3, last_error = $4, next_attempt_at = $5, locked_by = null, locked_until = null
        where id = $1 and locked_by = $2`,
      [row.id, worker, failed ? 'failed' : 'pending', `attempt ${row.attempts}: ${message}`, next.toISOString()],
    );
    log.warn(`notify: ${row.kind} ${row.period_key} for site ${row.site_id} failed (attempt ${row.attempts}): ${message}`, { function: 'notify', site_id: row.site_id, kind: row.kind, attempt: row.attempts });
    return { ...base, status: failed ? 'failed' : 'pending', delivered, error: message, by };
  }
}

/**
 * "Your Slack channel keeps failing": once per failing episode of a channel (the outbox row is unique
 * per channel and the time it turned failing), to the owners and admins of the site's organisation —
 * the people who can fix the URL. Says what the receiver answered, never the URL.
 */
async function deliverChannelFailing(pool: Db, row: OutboxRow, opts: NotifyOptions, worker: string, siteName: string): Promise<NotifyOutcome> {
  const mail = renderChannelFailing({
    siteName,
    channelName: typeof row.payload?.channelName === 'string' ? row.payload.channelName : 'An alert channel',
    channelKind: row.payload?.channelKind === 'slack' ? 'Slack' : 'webhook',
    urlHint: typeof row.payload?.urlHint === 'string' ? row.payload.urlHint : '',
    error: typeof row.payload?.error === 'string' ? row.payload.error : 'it keeps failing',
    settings: `${dashboardUrl()}/sites/${encodeURIComponent(row.site_id)}/settings`,
  });
  return await deliverToAdmins(pool, row, opts, worker, mail);
}

/**
 * "This flow needs setup" (issue 13): once per episode (the outbox row is unique per flow and the
 * time it started needing setup), to the owners and admins — only they can store a secret. Says
 * which secrets, never a value. Skipped when the flow ran again before the email went out.
 */
async function deliverNeedsSetup(pool: Db, row: OutboxRow, opts: NotifyOptions, worker: string, siteName: string): Promise<NotifyOutcome> {
  const base = { id: row.id, siteId: row.site_id, kind: row.kind, periodKey: row.period_key };
  const flowId = typeof row.payload?.flowId === 'string' ? row.payload.flowId : '';
  const setup = (await pool.query<{ name: string; missing_secrets: string[] }>(
    `select f.name, s.missing_secrets from public.flow_setup s join public.flows f on f.id = s.flow_id
      where s.flow_id::text = $1 and s.site_id = $2`,
    [flowId, row.site_id],
  )).rows[0];
  if (!setup) {
    await finish(pool, row, worker, 'skipped', 'the flow no longer needs setup');
    return { ...base, status: 'skipped', delivered: 0 };
  }
  const mail = renderNeedsSetup({
    siteName,
    flowName: setup.name,
    secrets: setup.missing_secrets,
    credentials: `${dashboardUrl()}/sites/${encodeURIComponent(row.site_id)}/settings#credentials`,
  });
  return await deliverToAdmins(pool, row, opts, worker, mail);
}

/** Sends one notice to each owner and admin of the site's organisation not yet reached by this row. */
async function deliverToAdmins(pool: Db, row: OutboxRow, opts: NotifyOptions, worker: string, mail: Rendered): Promise<NotifyOutcome> {
  const base = { id: row.id, siteId: row.site_id, kind: row.kind, periodKey: row.period_key };
  const admins = (await pool.query<{ email: string }>(
    `select distinct lower(m.email) as email from public.organization_members m join public.sites s on s.organization_id = m.organization_id
      where s.id = $1 and m.role in ('owner', 'admin') and m.email is not null order by 1`,
    [row.site_id],
  )).rows.map((r) => r.email).filter((e) => !row.recipients.includes(e));
  if (admins.length === 0 && row.recipients.length === 0) {
    await finish(pool, row, worker, 'skipped', 'no owner or admin has an email address');
    return { ...base, status: 'skipped', delivered: 0 };
  }
  let delivered = 0;
  for (const email of admins) {
    await opts.mailer.send({ to: email, ...mail, headers: { 'X-FlowLens-Notification': `${row.kind}; site=${row.site_id}` } });
    delivered += 1;
    await pool.query('update public.notification_outbox set recipients = array_append(recipients, $2) where id = $1', [row.id, email]);
  }
  await finish(pool, row, worker, 'sent', null);
  return { ...base, status: 'sent', delivered };
}
