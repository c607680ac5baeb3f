/**
 * The crawl queue and run finalisation through PostgREST with the service role, as the worker
 * calls them: SKIP LOCKED claiming, leases, heartbeats, retries with backoff, idempotent
 * completion, and the Site Context finalisation produces (lifecycle, coverage rule, silenced bugs,
 * baselines, health score, diff, outbox, deploy correlation).
 */
import { randomUUID } from 'node:crypto';
import { HealthComponentsSchema, HealthInputsSchema, readStoredHealthInputs } from '@flowlens/core/health';
import type { SupabaseClient } from '@supabase/supabase-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { stackInfo, supabaseClient, withDb } from '@flowlens/stack/testing';
import { insertRow } from './world.ts';

let svc: SupabaseClient;

interface Site {
  orgId: string;
  siteId: string;
  flowId: string;
}

async function newSite(viewports = ['desktop', 'mobile'], flows = 1): Promise<Site> {
  return withDb(async (db) => {
    const org = await insertRow(db, 'organizations', { name: `Queue ${randomUUID().slice(0, 6)}` });
    const site = await insertRow(db, 'sites', { organization_id: org.id, name: 'Queue site', base_url: 'https://q.example.com', viewports });
    let flowId = '';
    for (let i = 0; i < flows; i++) {
      const flow = await insertRow(db, 'flows', { site_id: site.id, name: `Flow ${i}`, start_url: 'https://q.example.com/', critical: i === 0 });
      await insertRow(db, 'flow_steps', { flow_id: flow.id, position: 0, action: 'navigate', data: { url: 'https://q.example.com/' } });
      await insertRow(db, 'flow_steps', { flow_id: flow.id, position: 1, action: 'click', data: { selectors: [{ kind: 'css', value: '#buy' }] } });
      flowId ||= flow.id as string;
    }
    return { orgId: org.id as string, siteId: site.id as string, flowId };
  });
}

async function enqueue(siteId: string, trigger = 'manual', deploy: string | null = null): Promise<string> {
  return withDb(async (db) => (await db.query<{ id: string }>('select private.enqueue_run($1, $2, null, $3) as id', [siteId, trigger, deploy])).rows[0]!.id);
}

interface Claimed {
  job: { id: string; runId: string; siteId: string; flowId: string | null; viewport: string; attempts: number };
  flow: { steps: unknown[] } | null;
  site: { baseUrl: string };
}

async function claim(worker: string, max = 10, lease = 120, onlySites: string[] | null = null): Promise<Claimed[]> {
  const { data, error } = await svc.rpc('claim_jobs', { worker, max_jobs: max, lease_seconds: lease, only_sites: onlySites });
  if (error) throw new Error(error.message);
  return data as Claimed[];
}

/** Claims only this site's jobs: other tests share the queue. */
async function claimSite(siteId: string, worker = 'w-site'): Promise<Claimed[]> {
  return claim(worker, 50, 120, [siteId]);
}

interface BugIn {
  fp: string;
  type?: string;
  severity?: string;
  url?: string;
  viewport?: string;
  parts?: { name: string; value: string; contributes: boolean; reason: string }[];
}

function report(job: Claimed['job'], bugs: BugIn[], opts: { covered?: string[]; status?: string; metrics?: Record<string, number>; healed?: boolean } = {}) {
  const covered = opts.covered ?? ['/'];
  return {
    version: 1,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    baseUrl: 'https://q.example.com',
    runs: job.flowId
      ? [{
          flow: 'Flow 0', viewport: job.viewport, status: opts.status ?? (bugs.some((b) => b.type === 'flow_broken') ? 'failed' : 'passed'),
          steps: [
            { index: 0, action: 'navigate', status: 'passed', durationMs: 10 },
            opts.healed
              ? { index: 1, action: 'click', status: 'healed', durationMs: 12, healing: { confidence: 0.91, from: { kind: 'css', value: '#buy' }, to: { kind: 'testid', value: 'buy-now' } } }
              : { index: 1, action: 'click', status: opts.status === 'failed' ? 'failed' : 'passed', durationMs: 12 },
          ],
        }]
      : [],
    pages: covered.map((t) => ({ url: `https://q.example.com${t}`, urlTemplate: t, viewport: job.viewport, metrics: { ttfbMs: 50, fcpMs: 300, lcpMs: opts.metrics?.lcpMs ?? 800, cls: 0.01, loadMs: 900 }, fingerprint: { elements: 40, forms: 1, ctas: 3, images: 2, structureHash: 'abc' } })),
    coverage: covered.map((t) => ({ urlTemplate: t, viewport: job.viewport })),
    bugs: bugs
      .filter((b) => !b.viewport || b.viewport === job.viewport)
      .map((b) => ({
        fingerprint: b.fp, fingerprintVersion: '2026-11-22', type: b.type ?? 'js_error', severity: b.severity ?? 'P1',
        title: `Bug ${b.fp}`, pageUrl: `https://q.example.com${b.url ?? '/'}`, urlTemplate: b.url ?? '/', viewport: job.viewport,
        evidence: { console: [`TypeError ${b.fp}`] },
        ...(b.parts ? { fingerprintParts: b.parts } : {}),
      })),
  };
}

/** Runs one crawl of the site: enqueue, claim everything, complete each job with `bugs`. */
async function crawl(site: Site, bugs: BugIn[], opts: Parameters<typeof report>[2] & { trigger?: string; deploy?: string | null } = {}) {
  const runId = await enqueue(site.siteId, opts.trigger ?? 'manual', opts.deploy ?? null);
  const jobs = await claimSite(site.siteId);
  let summary: Record<string, unknown> | null = null;
  for (const c of jobs.filter((j) => j.job.runId === runId)) {
    const { data, error } = await svc.rpc('complete_job', { job_id: c.job.id, worker: 'w-site', report: report(c.job, bugs, opts) });
    if (error) throw new Error(error.message);
    if ((data as { finalised: boolean }).finalised) summary = (data as { summary: Record<string, unknown> }).summary;
  }
  return { runId, summary: summary! };
}

async function bug(siteId: string, fp: string) {
  return withDb(async (db) => (await db.query('select * from public.bugs where site_id = $1 and fingerprint = $2', [siteId, fp])).rows[0]);
}

beforeAll(() => {
  const info = stackInfo();
  svc = supabaseClient(info, info.serviceRoleKey);
});

describe('queue', () => {
  it('enqueues one job per flow × viewport plus discovery per viewport', async () => {
    const site = await newSite(['desktop', 'tablet', 'mobile'], 2);
    const runId = await enqueue(site.siteId);
    const jobs = await withDb(async (db) => (await db.query('select flow_id, viewport from public.crawl_jobs where run_id = $1', [runId])).rows);
    expect(jobs).toHaveLength(9);
    expect(jobs.filter((j) => j.flow_id === null)).toHaveLength(3);
  });

  it('never hands the same job to two workers claiming at once', async () => {
    const site = await newSite(['desktop', 'tablet', 'mobile'], 3);
    await enqueue(site.siteId);
    const [a, b] = await Promise.all([claim('worker-a', 6, 120, [site.siteId]), claim('worker-b', 6, 120, [site.siteId])]);
    const ids = [...a, ...b].map((c) => c.job.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of [...a, ...b]) await svc.rpc('release_job', { job_id: c.job.id, worker: c === a.find((x) => x === c) ? 'worker-a' : 'worker-b' });
  });

  it('gives a job with an expired lease to another worker, and fails it after max attempts', async () => {
    const site = await newSite(['desktop'], 0);
    const runId = await enqueue(site.siteId);
    const first = (await claimSite(site.siteId, 'dead-worker')).filter((c) => c.job.runId === runId);
    expect(first).toHaveLength(1);
    await withDb((db) => db.query(`update public.crawl_jobs set lease_expires_at = now() - interval '1 second' where id = $1`, [first[0]!.job.id]));
    const second = (await claimSite(site.siteId, 'live-worker')).filter((c) => c.job.runId === runId);
    expect(second.map((c) => c.job.id)).toEqual([first[0]!.job.id]);
    expect(second[0]!.job.attempts).toBe(2);
    // The dead worker's heartbeat no longer holds the lease.
    expect((await svc.rpc('heartbeat_job', { job_id: first[0]!.job.id, worker: 'dead-worker' })).data).toBe(false);
    expect((await svc.rpc('heartbeat_job', { job_id: first[0]!.job.id, worker: 'live-worker' })).data).toBe(true);
    // Third attempt expires too: the job fails for good and the run is finalised as failed.
    await withDb((db) => db.query(`update public.crawl_jobs set attempts = max_attempts, lease_expires_at = now() - interval '1 second' where id = $1`, [first[0]!.job.id]));
    await claim('someone-else', 0, 120, [site.siteId]);
    const run = await withDb(async (db) => (await db.query('select status, finished_at from public.crawl_runs where id = $1', [runId])).rows[0]);
    expect(run.status).toBe('failed');
    expect(run.finished_at).not.toBeNull();
  });

  it('pins a worker to the sites it serves', async () => {
    const mine = await newSite(['desktop'], 0);
    const other = await newSite(['desktop'], 0);
    await enqueue(mine.siteId);
    await enqueue(other.siteId);
    const got = await claim('pinned', 10, 120, [mine.siteId]);
    expect(got.map((c) => c.job.siteId)).toEqual([mine.siteId]);
  });

  it('retries a failed attempt with backoff', async () => {
    const site = await newSite(['desktop'], 0);
    const runId = await enqueue(site.siteId);
    const [c] = (await claimSite(site.siteId, 'w1')).filter((x) => x.job.runId === runId);
    const { data } = await svc.rpc('fail_job', { job_id: c!.job.id, worker: 'w1', error: 'browser crashed' });
    expect(data).toBe('queued');
    const row = await withDb(async (db) => (await db.query('select status, available_at > now() + interval \'20 seconds\' as backed_off, last_error from public.crawl_jobs where id = $1', [c!.job.id])).rows[0]);
    expect(row).toMatchObject({ status: 'queued', backed_off: true, last_error: 'browser crashed' });
  });

  it('completing the same job twice changes nothing', async () => {
    const site = await newSite(['desktop'], 0);
    const runId = await enqueue(site.siteId);
    const [c] = (await claimSite(site.siteId)).filter((x) => x.job.runId === runId);
    const rep = report(c!.job, [{ fp: 'dup-1' }]);
    const first = await svc.rpc('complete_job', { job_id: c!.job.id, worker: 'w-site', report: rep });
    expect((first.data as { finalised: boolean }).finalised).toBe(true);
    const snapshot = async () => withDb(async (db) => ({
      bugs: (await db.query('select id, status, last_seen_at from public.bugs where site_id = $1', [site.siteId])).rows,
      occ: (await db.query('select count(*)::int as n from public.bug_occurrences where site_id = $1', [site.siteId])).rows[0].n,
      scores: (await db.query('select count(*)::int as n from public.health_scores where site_id = $1', [site.siteId])).rows[0].n,
      outbox: (await db.query('select count(*)::int as n from public.notification_outbox where site_id = $1', [site.siteId])).rows[0].n,
    }));
    const before = await snapshot();
    const again = await svc.rpc('complete_job', { job_id: c!.job.id, worker: 'w-site', report: rep });
    expect((again.data as { status: string }).status).toBe('ignored');
    const direct = await svc.rpc('finalise_run', { target_run: runId });
    expect(direct.error).toBeNull();
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a report without a bugs array, clearly', async () => {
    const site = await newSite(['desktop'], 0);
    const runId = await enqueue(site.siteId);
    const [c] = (await claimSite(site.siteId)).filter((x) => x.job.runId === runId);
    const res = await svc.rpc('complete_job', { job_id: c!.job.id, worker: 'w-site', report: { pages: [] } });
    expect(res.error?.message).toMatch(/bugs array/);
    const status = await withDb(async (db) => (await db.query('select status from public.crawl_jobs where id = $1', [c!.job.id])).rows[0].status);
    expect(status).toBe('running');
  });
});

describe('finalisation', () => {
  it('walks a bug through new → active → fixed → regressed → active', async () => {
    const site = await newSite(['desktop', 'mobile'], 1);
    await crawl(site, [{ fp: 'life-1' }]);
    expect((await bug(site.siteId, 'life-1')).status).toBe('new');
    expect((await bug(site.siteId, 'life-1')).viewports).toEqual(['desktop', 'mobile']);
    await crawl(site, [{ fp: 'life-1' }]);
    expect((await bug(site.siteId, 'life-1')).status).toBe('active');
    const fixed = await crawl(site, []);
    const b = await bug(site.siteId, 'life-1');
    expect(b.status).toBe('fixed');
    expect(b.fixed_at).not.toBeNull();
    expect(fixed.summary.fixed).toEqual([b.id]);
    const regressed = await crawl(site, [{ fp: 'life-1' }]);
    expect((await bug(site.siteId, 'life-1')).status).toBe('regressed');
    expect((await bug(site.siteId, 'life-1')).times_regressed).toBe(1);
    expect(regressed.summary.regressed).toEqual([b.id]);
    await crawl(site, [{ fp: 'life-1' }]);
    expect((await bug(site.siteId, 'life-1')).status).toBe('active');
    const occ = await withDb(async (db) => (await db.query('select count(*)::int as n from public.bug_occurrences where bug_id = $1', [b.id])).rows[0].n);
    expect(occ).toBe(8); // 4 sightings × 2 viewports
  });

  it('keeps the parts a fingerprint hashed with the bug, so its grouping can be explained', async () => {
    const site = await newSite(['desktop'], 1);
    const parts = [
      { name: 'urlTemplate', value: '/cart', contributes: true, reason: 'the page the error happens on' },
      { name: 'type', value: 'js_error', contributes: true, reason: 'the kind of problem' },
      { name: 'location', value: 'typeerror: cannot read properties of undefined', contributes: true, reason: 'normalised message' },
    ];
    await crawl(site, [{ fp: 'parts-1', url: '/cart', parts }]);
    expect((await bug(site.siteId, 'parts-1')).fingerprint_parts).toEqual(parts);
    // A later sighting without parts (an older crawler) keeps what the row knew.
    await crawl(site, [{ fp: 'parts-1', url: '/cart' }]);
    expect((await bug(site.siteId, 'parts-1')).fingerprint_parts).toEqual(parts);
  });

  it('marks a bug fixed only where its page and viewports were covered', async () => {
    const site = await newSite(['desktop', 'mobile'], 1);
    await crawl(site, [{ fp: 'cov-1', url: '/cart', viewport: 'mobile' }], { covered: ['/', '/cart'] });
    expect((await bug(site.siteId, 'cov-1')).viewports).toEqual(['mobile']);
    await crawl(site, [], { covered: ['/'] }); // /cart not visited
    expect((await bug(site.siteId, 'cov-1')).status).toBe('new');
    await crawl(site, [], { covered: ['/', '/cart'] });
    expect((await bug(site.siteId, 'cov-1')).status).toBe('fixed');
  });

  it('keeps false positives and snoozed bugs quiet: no alert, no score penalty', async () => {
    const site = await newSite(['desktop'], 1);
    const first = await crawl(site, [{ fp: 'quiet-1', severity: 'P1' }]);
    const b = await bug(site.siteId, 'quiet-1');
    const outboxAfterFirst = await withDb(async (db) => (await db.query('select count(*)::int as n from public.notification_outbox where site_id = $1', [site.siteId])).rows[0].n);
    expect(outboxAfterFirst).toBe(1);
    expect(first.summary.healthScore).toBeLessThan(100);
    await withDb((db) => db.query('update public.bugs set false_positive = true where id = $1', [b.id]));
    await crawl(site, []); // fixed (covered), still a false positive
    const back = await crawl(site, [{ fp: 'quiet-1', severity: 'P1' }]); // regressed, but silenced
    expect((await bug(site.siteId, 'quiet-1')).false_positive).toBe(true);
    const outbox = await withDb(async (db) => (await db.query('select count(*)::int as n from public.notification_outbox where site_id = $1', [site.siteId])).rows[0].n);
    expect(outbox).toBe(1);
    expect(back.summary.healthScore).toBe(100);
  });

  it('writes one instant outbox row per run with new P0/P1 bugs, none for P2 only', async () => {
    const site = await newSite(['desktop', 'mobile'], 1);
    const p1 = await crawl(site, [{ fp: 'o-1', severity: 'P1' }, { fp: 'o-2', severity: 'P0', type: 'flow_broken' }]);
    const rows = await withDb(async (db) => (await db.query('select kind, period_key, payload from public.notification_outbox where site_id = $1', [site.siteId])).rows);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'instant', period_key: p1.runId });
    expect((rows[0].payload as { bugIds: string[] }).bugIds).toHaveLength(2);
    await crawl(site, [{ fp: 'o-1', severity: 'P1' }, { fp: 'o-2', severity: 'P0', type: 'flow_broken' }, { fp: 'o-3', severity: 'P2', type: 'broken_link' }]);
    const after = await withDb(async (db) => (await db.query('select count(*)::int as n from public.notification_outbox where site_id = $1', [site.siteId])).rows[0].n);
    expect(after).toBe(1);
  });

  it('computes the health score from stored inputs, capped while a P0 is active', async () => {
    const site = await newSite(['desktop'], 1);
    const clean = await crawl(site, []);
    expect(clean.summary.healthScore).toBe(100);
    const broken = await crawl(site, [{ fp: 'h-0', severity: 'P0', type: 'flow_broken' }], { status: 'failed' });
    expect(broken.summary.healthScore).toBeLessThanOrEqual(50);
    const stored = await withDb(async (db) => (await db.query('select score, inputs, components from public.health_scores where run_id = $1', [broken.runId])).rows[0]);
    const recomputed = await withDb(async (db) => (await db.query('select private.health_score($1) as h', [stored.inputs])).rows[0].h);
    expect(recomputed.score).toBe(stored.score);
    expect(stored.inputs).toMatchObject({ bugs: { P0: 1 }, flows: { passed: 0, total: 1 } });
  });

  it("stores health inputs and components that core's schemas read exactly (performance counts the comparisons with a baseline)", async () => {
    const site = await newSite(['desktop'], 0);
    // Baselines count once they have more than five samples: the seventh crawl compares all five metrics of its one page.
    for (let i = 0; i < 7; i++) await crawl(site, []);
    const rows = await withDb(async (db) => (await db.query<{ inputs: unknown; components: unknown }>('select inputs, components from public.health_scores where site_id = $1 order by computed_at', [site.siteId])).rows);
    expect(rows).toHaveLength(7);
    for (const row of rows) {
      // Parsed and equal: no part missing, none renamed, no key the schema would drop.
      expect(HealthInputsSchema.parse(row.inputs)).toEqual(row.inputs);
      expect(HealthComponentsSchema.parse(row.components)).toEqual(row.components);
    }
    expect(HealthInputsSchema.parse(rows[0]!.inputs).performance).toEqual({ withinBaseline: 0, regressed: 0 });
    const last = readStoredHealthInputs(rows[6]!.inputs);
    expect(last.performance).toEqual({ withinBaseline: 5, regressed: 0 });
    expect(last).toEqual(rows[6]!.inputs);
  });

  it('gives the same fingerprints and score for the same unchanged site crawled twice', async () => {
    const site = await newSite(['desktop', 'mobile'], 1);
    const bugs = [{ fp: 's-1', severity: 'P2', type: 'a11y' }, { fp: 's-2', severity: 'P3', type: 'console_error' }];
    await crawl(site, bugs);
    const a = await crawl(site, bugs);
    const b = await crawl(site, bugs);
    expect(b.summary.healthScore).toBe(a.summary.healthScore);
    expect(b.summary.new).toEqual([]);
    expect((b.summary.persistent as string[]).length).toBe(2);
  });

  it('keeps rolling baselines over the last 30 samples', async () => {
    const site = await newSite(['desktop'], 0);
    for (const lcp of [1000, 1100, 900, 1000]) await crawl(site, [], { metrics: { lcpMs: lcp } });
    const base = await withDb(async (db) => (await db.query(`select samples, mean, stddev from public.page_baselines where site_id = $1 and metric = 'lcp_ms' and viewport = 'desktop'`, [site.siteId])).rows[0]);
    expect(base.samples).toBe(4);
    expect(base.mean).toBeCloseTo(1000, 5);
    expect(base.stddev).toBeCloseTo(81.65, 1);
  });

  it('attributes new bugs to the deploy that triggered the run or preceded it', async () => {
    const site = await newSite(['desktop'], 0);
    const deploy = await withDb((db) => insertRow(db, 'deploy_events', { site_id: site.siteId, commit_sha: 'abc1234', delivery_id: randomUUID() }));
    await crawl(site, [{ fp: 'd-1', severity: 'P1' }], { trigger: 'deploy', deploy: deploy.id as string });
    expect((await bug(site.siteId, 'd-1')).deploy_event_id).toBe(deploy.id);
  });

  it('records flow results and proposes healed selectors for review', async () => {
    const site = await newSite(['desktop'], 1);
    await crawl(site, [], { healed: true });
    const results = await withDb(async (db) => (await db.query('select status, healed_steps from public.flow_results where flow_id = $1', [site.flowId])).rows);
    expect(results).toEqual([{ status: 'passed', healed_steps: [1] }]);
    const proposals = await withDb(async (db) => (await db.query('select to_selector, confidence, status from public.selector_proposals where flow_id = $1', [site.flowId])).rows);
    expect(proposals).toHaveLength(1);
    expect(proposals[0]).toMatchObject({ to_selector: { kind: 'testid', value: 'buy-now' }, status: 'pending' });
    await crawl(site, [], { healed: true });
    const again = await withDb(async (db) => (await db.query('select count(*)::int as n from public.selector_proposals where flow_id = $1', [site.flowId])).rows[0].n);
    expect(again).toBe(1);
  });
});
