/**
 * Alert channels and the alert policy of a site (issue 18): reads and writes under RLS with the
 * user's session. A channel's URL is write-only: it is sent when a channel is added or its URL
 * replaced, and never selected (the column is not even readable by the `authenticated` role). A
 * webhook's signing secret comes from rpc channel_signing_secret (owners and admins). "Send a test"
 * calls the `channels` edge function, whose answer is parsed with core's schema.
 */
import { type ChannelTestRequest, ChannelTestResponseSchema, FunctionErrorSchema } from '@flowlens/core/edge-functions';
import { type AlertChannelKind, type AlertChannelStatus, type AlertDecision, type AlertPolicyMode, type ChannelTestAnswer } from '@flowlens/core/alerts';
import { AppError, unwrap } from '../lib/errors.ts';
import type { Db } from '../lib/supabase.tsx';

export interface AlertChannel {
  id: string;
  site_id: string;
  kind: AlertChannelKind;
  name: string;
  url_hint: string;
  enabled: boolean;
  instant: boolean;
  daily: boolean;
  weekly: boolean;
  status: AlertChannelStatus;
  consecutive_failures: number;
  failing_since: string | null;
  last_error: string | null;
  last_success_at: string | null;
  last_test_at: string | null;
  created_at: string;
}

export interface AlertPolicy {
  mode: AlertPolicyMode;
  consecutive_runs: number;
  flap_flips: number | null;
  flap_window_days: number;
  quiet_start: string | null;
  quiet_end: string | null;
}

export interface AlertDecisionRow {
  id: string;
  bug_id: string | null;
  flow_id: string | null;
  decision: AlertDecision;
  severity: string | null;
  reason: string;
  decided_at: string;
  bug: { title: string } | null;
  flow: { name: string } | null;
}

export interface AlertSettingsData {
  channels: AlertChannel[];
  policy: AlertPolicy;
  decisions: AlertDecisionRow[];
}

/** No row: today's behaviour (alert at once, no flapping rule, no quiet hours). */
export const DEFAULT_POLICY: AlertPolicy = { mode: 'immediate', consecutive_runs: 2, flap_flips: null, flap_window_days: 7, quiet_start: null, quiet_end: null };

const CHANNEL_COLUMNS =
  'id,site_id,kind,name,url_hint,enabled,instant,daily,weekly,status,consecutive_failures,failing_since,last_error,last_success_at,last_test_at,created_at';

export async function fetchAlertSettings(db: Db, siteId: string): Promise<AlertSettingsData> {
  const [channels, policy, decisions] = await Promise.all([
    db.from('alert_channels').select(CHANNEL_COLUMNS).eq('site_id', siteId).order('created_at').limit(50),
    db.from('alert_policies').select('mode,consecutive_runs,flap_flips,flap_window_days,quiet_start,quiet_end').eq('site_id', siteId).maybeSingle(),
    db
      .from('alert_decisions')
      .select('id,bug_id,flow_id,decision,severity,reason,decided_at,bug:bugs(title),flow:flows(name)')
      .eq('site_id', siteId)
      .order('decided_at', { ascending: false })
      .limit(15),
  ]);
  const p = unwrap(policy, 'load the alert policy');
  return {
    channels: unwrap(channels, 'load the alert channels'),
    policy: p ? { ...p, quiet_start: p.quiet_start?.slice(0, 5) ?? null, quiet_end: p.quiet_end?.slice(0, 5) ?? null } : DEFAULT_POLICY,
    decisions: unwrap(decisions, 'load the recent alerts'),
  };
}

export async function addChannel(
  db: Db,
  input: { siteId: string; kind: AlertChannelKind; name: string; url: string; instant: boolean; daily: boolean; weekly: boolean },
): Promise<void> {
  const url = input.url.trim();
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
  } catch {
    throw new AppError({ kind: 'invalid', title: 'Please check that value', message: 'The URL must be a full https:// address.' });
  }
  // No .select(): the answer would have to read the row back, and the URL column is not readable.
  const res = await db.from('alert_channels').insert({
    site_id: input.siteId, kind: input.kind, name: input.name.trim(), url, instant: input.instant, daily: input.daily, weekly: input.weekly,
  });
  unwrap(res, 'add the channel');
}

export async function updateChannel(db: Db, id: string, patch: Partial<Pick<AlertChannel, 'name' | 'enabled' | 'instant' | 'daily' | 'weekly'>> & { url?: string }): Promise<void> {
  const res = await db.from('alert_channels').update(patch).eq('id', id);
  unwrap(res, 'change the channel');
}

export async function removeChannel(db: Db, id: string): Promise<void> {
  unwrap(await db.from('alert_channels').delete().eq('id', id), 'remove the channel');
}

export async function channelSigningSecret(db: Db, id: string): Promise<string> {
  return unwrap(await db.rpc('channel_signing_secret', { target_channel: id }), 'read the signing secret');
}

/** Sends a test message now; the receiver's answer, or a readable refusal. */
export async function testChannel(db: Db, id: string): Promise<ChannelTestAnswer> {
  const body: ChannelTestRequest = { channel_id: id };
  const { data, error } = await db.functions.invoke('channels', { body });
  if (error) {
    // FunctionsHttpError carries the Response: our function answers { error } in plain words.
    const ctx = (error as { context?: unknown }).context;
    let message = 'The test could not be sent.';
    if (ctx instanceof Response) {
      const refusal = FunctionErrorSchema.safeParse(await ctx.json().catch(() => null));
      if (refusal.success) message = refusal.data.error.slice(0, 300);
    }
    throw new AppError({ kind: 'other', title: 'Test not sent', message });
  }
  const parsed = ChannelTestResponseSchema.safeParse(data);
  if (!parsed.success) throw new AppError({ kind: 'other', title: 'Test not sent', message: 'FlowLens answered something unexpected.' });
  return parsed.data;
}

export async function savePolicy(db: Db, siteId: string, policy: AlertPolicy): Promise<void> {
  const res = await db.from('alert_policies').upsert({ site_id: siteId, ...policy }, { onConflict: 'site_id' });
  unwrap(res, 'save the alert policy');
}

/** What the alert policy decided about one bug, newest first (the bug page shows it in words). */
export async function fetchBugAlerts(db: Db, bugId: string): Promise<Pick<AlertDecisionRow, 'id' | 'decision' | 'reason' | 'decided_at'>[]> {
  const res = await db.from('alert_decisions').select('id,decision,reason,decided_at').eq('bug_id', bugId).order('decided_at', { ascending: false }).limit(10);
  return unwrap(res, 'load the alerts about this bug');
}
