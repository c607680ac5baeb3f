/**
 * Alert policies (issue 18) over sequences of real runs: each crawl goes through the queue and
 * finalise_run exactly as the worker drives it, and the policy (applied when the run is finalised)
 * decides what the run's instant outbox row says: at once, after N runs in a row, a flapping flow
 * reported once, quiet hours holding non-P0 alerts for the briefing — with the reason in words.
 */
import { randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALERT_CHANNEL_KINDS, ALERT_CHANNEL_STATUSES, ALERT_DECISIONS, ALERT_POLICY_MODES } from '@flowlens/core/alerts';
import { stackInfo, supabaseClient, withDb } from '@flowlens/stack/testing';
import { insertRow } from './world.ts';

let svc: SupabaseClient;

interface Site {
  siteId: string;
  flowId: string;
}

async function newSite(policy: Record<string, unknown> | null, timezone = 'UTC'): Promise<Site> {
  return withDb(async (db) => {
    const org = await insertRow(db, 'organizations', { name: `Policy ${randomUUID().slice(0, 6)}` });
    const site = await insertRow(db, 'sites', { organization_id: org.id, name: 'Policy shop', base_url: 'https://p.example.com', viewports: ['desktop'], timezone, discover_pages: 0 });
    const flow = await insertRow(db, 'flows', { site_id: site.id, name: 'Checkout', start_url: 'https://p.example.com/', critical: true });
    await insertRow(db, 'flow_steps', { flow_id: flow.id, position: 0, action: 'navigate', data: { url: 'https://p.example.com/' } });
    if (policy) await insertRow(db, 'alert_policies', { site_id: site.id, ...policy });
    return { siteId: site.id as string, flowId: flow.id as string };
  });
}

interface BugIn {
  fp: string;
  severity?: 'P0' | 'P1' | 'P2';
  type?: string;
}

/** One crawl of the site through the queue: the flow passes, or fails with `bugs`. */
async function crawl(site: Site, bugs: BugIn[], opts: { trigger?: 'manual' | 'schedule' } = {}): Promise<string> {
  const runId = await withDb(async (db) =>
    opts.trigger === 'schedule'
      ? (await db.query<{ id: string }>(`select private.enqueue_run($1, 'schedule', now() + make_interval(secs => random() * 1e6)) as id`, [site.siteId])).rows[0]!.id
      : (await db.query<{ id: string }>(`select private.enqueue_run($1, 'manual', null, null) as id`, [site.siteId])).rows[0]!.id,
  );
  const { data: claimed, error } = await svc.rpc('claim_jobs', { worker: 'w-policy', max_jobs: 20, lease_seconds: 120, only_sites: [site.siteId] });
  if (error) throw new Error(error.message);
  const failed = bugs.some((b) => (b.type ?? 'flow_broken') === 'flow_broken');
  for (const c of claimed as { job: { id: string; runId: string; flowId: string | null; viewport: string } }[]) {
    if (c.job.runId !== runId) continue;
    const now = new Date().toISOString();
    const report = {
      version: 1, startedAt: now, finishedAt: now, baseUrl: 'https://p.example.com',
      runs: c.job.flowId
        ? [{ flow: 'Checkout', viewport: c.job.viewport, status: failed ? 'failed' : 'passed', steps: [{ index: 0, action: 'navigate', status: failed ? 'failed' : 'passed', durationMs: 5 }] }]
        : [],
      pages: [],
      coverage: [{ urlTemplate: '/', viewport: c.job.viewport }],
      bugs: c.job.flowId
        ? bugs.map((b) => ({
            fingerprint: b.fp, fingerprintVersion: '2026-11-22', type: b.type ?? 'flow_broken', severity: b.severity ?? 'P1',
            title: `Bug ${b.fp}`, pageUrl: 'https://p.example.com/', urlTemplate: '/', viewport: c.job.viewport, evidence: {},
          }))
        : [],
    };
    const done = await svc.rpc('complete_job', { job_id: c.job.id, worker: 'w-policy', report });
    if (done.error) throw new Error(done.error.message);
  }
  const finished = await withDb(async (db) => (await db.query('select finished_at from public.crawl_runs where id = $1', [runId])).rows[0]);
  expect(finished.finished_at, 'the run was finalised').not.toBeNull();
  return runId;
}

interface Alert {
  bugs: string[];
  reasons: Record<string, string>;
  flapping: { flowName: string; flips: number; reason: string }[];
  policy: string;
}

/** The instant alert a run left in the outbox (null: nothing to send now), bug ids as fingerprints. */
async function alertOf(site: Site, runId: string): Promise<Alert | null> {
  return withDb(async (db) => {
    const row = (await db.query<{ payload: { bugIds: string[]; reasons?: Record<string, string>; flapping?: Alert['flapping']; policy?: string } }>(
      `select payload from public.notification_outbox where site_id = $1 and kind = 'instant' and period_key = $2`,
      [site.siteId, runId],
    )).rows[0];
    if (!row) return null;
    const fps = new Map((await db.query<{ id: string; fingerprint: string }>('select id, fingerprint from public.bugs where site_id = $1', [site.siteId])).rows.map((b) => [b.id, b.fingerprint]));
    return {
      bugs: row.payload.bugIds.map((id) => fps.get(id)!),
      reasons: Object.fromEntries(Object.entries(row.payload.reasons ?? {}).map(([id, r]) => [fps.get(id)!, r])),
      flapping: row.payload.flapping ?? [],
      policy: row.payload.policy ?? '',
    };
  });
}

async function decisions(site: Site): Promise<{ fp: string | null; decision: string; reason: string }[]> {
  return withDb(async (db) => (await db.query(
    `select b.fingerprint as fp, d.decision, d.reason from public.alert_decisions d left join public.bugs b on b.id = d.bug_id
      where d.site_id = $1 order by d.decided_at, d.bug_id is not null, d.id`,
    [site.siteId],
  )).rows);
}

beforeAll(() => {
  const info = stackInfo();
  svc = supabaseClient(info, info.serviceRoleKey);
});

describe('alert policies over sequences of runs', () => {
  it('without a policy: alerts at once on a new P0/P1, once, and says why', async () => {
    const site = await newSite(null);
    const r1 = await crawl(site, [{ fp: 'a', severity: 'P1', type: 'js_error' }, { fp: 'minor', severity: 'P2', type: 'js_error' }]);
    expect(await alertOf(site, r1)).toEqual({
      bugs: ['a'],
      reasons: { a: 'sent at once because this P1 is new' },
      flapping: [],
      policy: 'Alerts at once on a new or returning P0/P1 bug.',
    });
    const r2 = await crawl(site, [{ fp: 'a', severity: 'P1', type: 'js_error' }]);
    expect(await alertOf(site, r2), 'a bug that is still there is not news').toBeNull();
    expect((await decisions(site)).map((d) => [d.fp, d.decision])).toEqual([['a', 'sent']]);
  });

  it('after N runs in a row: a one-night blip never alerts; the second night does, once; a comeback starts over', async () => {
    const site = await newSite({ mode: 'consecutive', consecutive_runs: 2 });
    const n1 = await crawl(site, [{ fp: 'checkout' }, { fp: 'blip', severity: 'P0', type: 'js_error' }], { trigger: 'schedule' });
    expect(await alertOf(site, n1)).toBeNull();
    const n2 = await crawl(site, [{ fp: 'checkout' }], { trigger: 'schedule' });
    const alert = await alertOf(site, n2);
    expect(alert?.bugs).toEqual(['checkout']);
    expect(alert?.reasons.checkout).toBe('sent because the Checkout flow failed 2 nights in a row');
    expect(alert?.policy).toBe('Alerts once a P0/P1 bug was seen in 2 runs in a row.');
    expect(await alertOf(site, await crawl(site, [{ fp: 'checkout' }], { trigger: 'schedule' }))).toBeNull();

    await crawl(site, [], { trigger: 'schedule' }); // fixed
    const back1 = await crawl(site, [{ fp: 'checkout' }]); // regressed: one run so far
    expect(await alertOf(site, back1)).toBeNull();
    const back2 = await crawl(site, [{ fp: 'checkout' }]);
    expect((await alertOf(site, back2))?.reasons).toEqual({ checkout: 'sent because the Checkout flow failed 2 runs in a row' });
    expect((await decisions(site)).map((d) => [d.fp, d.decision])).toEqual([['checkout', 'sent'], ['checkout', 'sent']]);
  });

  it('a flow flipping K times in the window is reported once as flapping, not on every flip', async () => {
    const site = await newSite({ mode: 'immediate', flap_flips: 3, flap_window_days: 7 });
    const fail = () => crawl(site, [{ fp: 'checkout' }]);
    const pass = () => crawl(site, []);
    const r1 = await fail();
    expect((await alertOf(site, r1))?.bugs).toEqual(['checkout']);
    await pass();
    const r3 = await fail(); // 2 flips: still an ordinary comeback
    expect((await alertOf(site, r3))?.reasons).toEqual({ checkout: 'sent at once because this P1 came back after it was fixed' });
    await pass();
    const r5 = await fail(); // 4 flips: flapping
    const flapping = await alertOf(site, r5);
    expect(flapping?.bugs).toEqual([]);
    expect(flapping?.flapping.map((f) => [f.flowName, f.flips, f.reason])).toEqual([
      ['Checkout', 4, 'the Checkout flow flipped between passed and failed 4 times in 7 days: reported once as flapping instead of alerting on each flip'],
    ]);
    await pass();
    expect(await alertOf(site, await fail()), 'reported once per window').toBeNull();
    const ds = await decisions(site);
    expect(ds.map((d) => [d.fp, d.decision])).toEqual([
      ['checkout', 'sent'], ['checkout', 'sent'], [null, 'flapping'], ['checkout', 'suppressed'], ['checkout', 'suppressed'],
    ]);
    expect(ds[3]!.reason).toBe('not sent on its own: the Checkout flow is flapping (4 flips between passed and failed in 7 days)');
  });

  it('quiet hours hold a P1 for the briefing but a P0 still alerts, each with its reason', async () => {
    // Quiet hours around the current time (finalise stamps runs with now()); the window may wrap midnight.
    const site = await newSite(null, 'Asia/Tokyo');
    await withDb((db) => db.query(
      `insert into public.alert_policies (site_id, quiet_start, quiet_end)
       values ($1, ((now() at time zone 'Asia/Tokyo') - interval '2 hours')::time, ((now() at time zone 'Asia/Tokyo') + interval '2 hours')::time)`,
      [site.siteId],
    ));
    const window = await withDb(async (db) => (await db.query<{ w: string }>(
      `select to_char(quiet_start, 'HH24:MI') || '–' || to_char(quiet_end, 'HH24:MI') as w from public.alert_policies where site_id = $1`, [site.siteId])).rows[0]!.w);
    const r1 = await crawl(site, [{ fp: 'down', severity: 'P0' }, { fp: 'slow', severity: 'P1', type: 'js_error' }]);
    const alert = await alertOf(site, r1);
    expect(alert?.bugs).toEqual(['down']);
    expect(alert?.reasons.down).toBe(`sent at once because this P0 is new (a P0 alerts even during quiet hours ${window} (Asia/Tokyo))`);
    expect(alert?.policy).toContain(`quiet hours ${window} (Asia/Tokyo) hold all but P0 alerts for the next daily briefing`);
    const held = (await decisions(site)).find((d) => d.fp === 'slow');
    expect(held).toEqual({ fp: 'slow', decision: 'held', reason: `held for the next daily briefing: found during quiet hours ${window} (Asia/Tokyo), and only P0 alerts then` });
    // Held means held: the next run (still quiet) does not send it either.
    expect(await alertOf(site, await crawl(site, [{ fp: 'down', severity: 'P0' }, { fp: 'slow', severity: 'P1', type: 'js_error' }]))).toBeNull();
  });

  it('a run whose alerts were all held leaves no instant row behind', async () => {
    const site = await newSite(null);
    await withDb((db) => db.query(
      `insert into public.alert_policies (site_id, quiet_start, quiet_end)
       values ($1, (now() at time zone 'UTC' - interval '1 hour')::time, (now() at time zone 'UTC' + interval '1 hour')::time)`,
      [site.siteId],
    ));
    const r1 = await crawl(site, [{ fp: 'p1', severity: 'P1', type: 'js_error' }]);
    expect(await alertOf(site, r1)).toBeNull();
    expect((await decisions(site)).map((d) => d.decision)).toEqual(['held']);
  });

  it('applying the policy to a run again changes nothing', async () => {
    const site = await newSite(null);
    const r1 = await crawl(site, [{ fp: 'x', severity: 'P1', type: 'js_error' }]);
    const before = [await alertOf(site, r1), await decisions(site)];
    await withDb((db) => db.query('select private.apply_alert_policy($1, now())', [r1]));
    expect([await alertOf(site, r1), await decisions(site)]).toEqual(before);
  });
});

describe('alert policy building blocks', () => {
  it('quiet hours: plain and midnight-wrapping windows in the site\'s time zone', async () => {
    const rows = await withDb(async (db) => (await db.query<{ at: string; inside: boolean }>(
      `select t.at, private.in_quiet_hours(t.qs::time, t.qe::time, t.tz, t.at::timestamptz) as inside
         from (values
           ('2027-01-20T21:30:00Z', '22:00', '07:00', 'Europe/Paris'),  -- 22:30 Paris: inside
           ('2027-01-20T20:30:00Z', '22:00', '07:00', 'Europe/Paris'),  -- 21:30 Paris: outside
           ('2027-01-21T05:59:00Z', '22:00', '07:00', 'Europe/Paris'),  -- 06:59 Paris: inside
           ('2027-01-21T06:00:00Z', '22:00', '07:00', 'Europe/Paris'),  -- 07:00 Paris: outside (end excluded)
           ('2027-07-21T12:30:00Z', '12:00', '14:00', 'America/New_York'), -- 08:30 New York (EDT): outside
           ('2027-07-21T16:30:00Z', '12:00', '14:00', 'America/New_York')  -- 12:30 New York: inside
         ) t(at, qs, qe, tz)`,
    )).rows);
    expect(rows.map((r) => r.inside)).toEqual([true, false, true, false, false, true]);
    const none = await withDb(async (db) => (await db.query(`select private.in_quiet_hours(null, null, 'UTC', now()) as inside`)).rows[0].inside);
    expect(none).toBe(false);
  });

  it('the policy in words', async () => {
    const site = await newSite({ mode: 'consecutive', consecutive_runs: 3, flap_flips: 4, flap_window_days: 5, quiet_start: '22:00', quiet_end: '07:00' }, 'Europe/Paris');
    const words = await withDb(async (db) => (await db.query('select private.alert_policy_words($1) as w', [site.siteId])).rows[0].w);
    expect(words).toBe('Alerts once a P0/P1 bug was seen in 3 runs in a row; a flow that flips between passed and failed 4 times in 5 days is reported once as flapping; quiet hours 22:00–07:00 (Europe/Paris) hold all but P0 alerts for the next daily briefing.');
  });

  it('core\'s word lists are the database\'s', async () => {
    const listed = async (constraint: string) =>
      withDb(async (db) => {
        const def = (await db.query<{ def: string }>('select pg_get_constraintdef(oid) as def from pg_constraint where conname = $1', [constraint])).rows[0]!.def;
        return [...def.matchAll(/'([a-z_]+)'::text/g)].map((m) => m[1]);
      });
    expect(await listed('alert_channels_kind_valid')).toEqual([...ALERT_CHANNEL_KINDS]);
    expect(await listed('alert_channels_status_valid')).toEqual([...ALERT_CHANNEL_STATUSES]);
    expect(await listed('alert_policies_mode_valid')).toEqual([...ALERT_POLICY_MODES]);
    expect(await listed('alert_decisions_decision_valid')).toEqual([...ALERT_DECISIONS]);
  });

  it('refuses nonsense policies', async () => {
    const site = await newSite(null);
    for (const bad of [{ consecutive_runs: 1 }, { flap_flips: 1 }, { quiet_start: '22:00' }, { quiet_start: '22:00', quiet_end: '22:00' }, { mode: 'sometimes' }]) {
      await expect(withDb((db) => insertRow(db, 'alert_policies', { site_id: site.siteId, ...bad })), JSON.stringify(bad)).rejects.toThrow();
    }
  });
});
