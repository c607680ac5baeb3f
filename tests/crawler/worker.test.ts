/**
 * `flowlens worker` as it runs in production — a real process claiming from the real queue on the
 * local stack — against the fixture shop: a run is crawled and finalised (bugs, score, diff, alert
 * row); the bug is fixed once the defect is gone; a worker killed with SIGKILL mid-job loses
 * nothing (its lease expires, another worker finishes the job, nothing is counted twice); SIGTERM
 * lets the running job finish or gives it back.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadFlowJson } from '@flowlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDb } from '@flowlens/stack/testing';
import { startShop, type Shop } from '../fixtures/index.ts';
import { createSite, enqueueRun as enqueue, REPO_ROOT as root, spawnWorker as startWorker, stopWorkers, waitFor } from './worker-process.ts';

let shop: Shop;

interface Site {
  siteId: string;
  flowId: string;
}

async function newSite(name: string): Promise<Site> {
  const { flow } = loadFlowJson(JSON.parse(readFileSync(join(root, 'tests', 'crawler', 'flows', 'checkout-by-hand.json'), 'utf8').replaceAll('http://shop.example.com', shop.url)));
  const site = await createSite({ org: `Worker ${name}`, name, baseUrl: shop.url, flows: [{ ...flow, critical: true }], discoverPages: 2 });
  return { siteId: site.siteId, flowId: site.flowIds[0]! };
}

async function run(runId: string) {
  return withDb(async (db) => (await db.query('select * from public.crawl_runs where id = $1', [runId])).rows[0]);
}

/** The site's stored accessibility audits (private.page_audits, read as the superuser). */
async function storedAudits(siteId: string): Promise<{ key: string; audited_at: Date }[]> {
  return withDb(async (db) => (await db.query(`select url_template || ' ' || viewport as key, audited_at from private.page_audits where site_id = $1 order by 1`, [siteId])).rows);
}

/** The accessibility audit of each page the run's jobs reported (crawl_jobs.result is the report). */
async function auditsOf(runId: string): Promise<{ urlTemplate: string; viewport: string; reused: boolean }[]> {
  return withDb(async (db) => (await db.query(
    `select p ->> 'urlTemplate' as "urlTemplate", p ->> 'viewport' as viewport, (p -> 'a11yAudit' ->> 'reused')::boolean as reused
       from public.crawl_jobs j, jsonb_array_elements(j.result -> 'pages') p
      where j.run_id = $1 and p ? 'a11yAudit'`, [runId])).rows);
}

beforeAll(async () => {
  shop = await startShop();
});

afterAll(async () => {
  stopWorkers();
  await shop.close();
});

describe('flowlens worker', () => {
  it('crawls a run, finalises it, and follows the bug to fixed', async () => {
    const site = await newSite('lifecycle');
    const w = startWorker(site.siteId, 'worker-lifecycle');
    // 1. Clean shop: a healthy run.
    const clean = await enqueue(site.siteId);
    const r1 = await waitFor('the clean run', async () => ((await run(clean))?.finished_at ? run(clean) : null), 150_000, w.output);
    expect(r1.status).toBe('completed');
    expect(r1.health_score).toBe(100);
    // Its fresh accessibility audits are stored; nothing was there to reuse.
    const audits1 = await storedAudits(site.siteId);
    expect(audits1.length).toBeGreaterThan(0);
    expect(await auditsOf(clean)).toEqual(expect.not.arrayContaining([expect.objectContaining({ reused: true })]));
    // 2. The checkout breaks: a P0 flow bug, an alert row, the score drops.
    await shop.setDefects(['checkout-button-broken']);
    const broken = await enqueue(site.siteId);
    const r2 = await waitFor('the broken run', async () => ((await run(broken))?.finished_at ? run(broken) : null), 150_000, w.output);
    const bugs = await withDb(async (db) => (await db.query(`select type, severity, status, title from public.bugs where site_id = $1 order by severity`, [site.siteId])).rows);
    if (!bugs.some((b) => b.type === 'flow_broken')) console.log(w.output());
    expect(bugs.find((b) => b.type === 'flow_broken')).toMatchObject({ severity: 'P0', status: 'new' });
    expect(bugs.find((b) => b.type === 'js_error')).toMatchObject({ severity: 'P1', status: 'new' });
    expect(r2.health_score).toBeLessThanOrEqual(50);
    // Pages the defect did not change reuse their stored audit, which keeps its date; the checkout
    // page it changed is audited again. (The discovery job and the flow job each inspect the home
    // page: a page only one of them found changed, its async content not yet in, is stored anew.)
    const in2 = await auditsOf(broken);
    const onlyReused = new Set(in2.filter((a) => a.reused).map((a) => `${a.urlTemplate} ${a.viewport}`));
    for (const a of in2) if (!a.reused) onlyReused.delete(`${a.urlTemplate} ${a.viewport}`);
    expect(onlyReused.size).toBeGreaterThan(0);
    const audits2 = await storedAudits(site.siteId);
    for (const page of onlyReused) expect(audits2.find((x) => x.key === page)?.audited_at, page).toEqual(audits1.find((x) => x.key === page)?.audited_at);
    expect(in2.find((a) => a.urlTemplate === '/checkout')).toMatchObject({ reused: false });
    expect((r2.summary as { new: string[] }).new.length).toBe(bugs.length);
    const outbox = await withDb(async (db) => (await db.query(`select kind from public.notification_outbox where site_id = $1 and run_id = $2`, [site.siteId, broken])).rows);
    expect(outbox).toEqual([{ kind: 'instant' }]);
    const shot = await withDb(async (db) => (await db.query(`select o.evidence->>'screenshot' as path from public.bug_occurrences o join public.bugs b on b.id = o.bug_id where b.site_id = $1 and b.type = 'flow_broken'`, [site.siteId])).rows[0]?.path);
    expect(shot).toMatch(new RegExp(`^${site.siteId}/runs/${broken}/desktop/.+\\.png$`));
    const stored = await withDb(async (db) => (await db.query(`select count(*)::int as n from storage.objects where bucket_id = 'screenshots' and name = $1`, [shot])).rows[0].n);
    expect(stored).toBe(1);
    // 3. Fixed: the bug is marked fixed, the score recovers.
    await shop.setDefects([]);
    const fixed = await enqueue(site.siteId);
    const r3 = await waitFor('the fixed run', async () => ((await run(fixed))?.finished_at ? run(fixed) : null), 150_000, w.output);
    const after = await withDb(async (db) => (await db.query(`select type, status from public.bugs where site_id = $1 and type = 'flow_broken'`, [site.siteId])).rows);
    expect(after).toEqual([{ type: 'flow_broken', status: 'fixed' }]);
    expect(r3.health_score).toBe(100);
    w.child.kill('SIGTERM');
    await new Promise((r) => w.child.once('exit', r));
  }, 480_000);

  it('loses nothing when a worker is killed with SIGKILL mid-job', async () => {
    const site = await newSite('kill-9');
    await shop.setDefects(['checkout-button-broken']);
    const runId = await enqueue(site.siteId);
    const doomed = startWorker(site.siteId, 'worker-doomed', { FLOWLENS_LEASE_SECONDS: '10', FLOWLENS_CONCURRENCY: '1' });
    await waitFor('a running job', async () => withDb(async (db) => (await db.query(`select 1 from public.crawl_jobs where run_id = $1 and status = 'running' and lease_owner = 'worker-doomed'`, [runId])).rowCount), 60_000, doomed.output);
    doomed.child.kill('SIGKILL');
    await new Promise((r) => doomed.child.once('exit', r));
    const heir = startWorker(site.siteId, 'worker-heir', { FLOWLENS_LEASE_SECONDS: '10' });
    const done = await waitFor('the run to finish after the kill', async () => ((await run(runId))?.finished_at ? run(runId) : null), 240_000, heir.output);
    expect(done.status).toBe('completed');
    const jobs = await withDb(async (db) => (await db.query(`select status, attempts, lease_owner from public.crawl_jobs where run_id = $1 order by attempts desc`, [runId])).rows);
    expect(jobs.every((j) => j.status === 'done')).toBe(true);
    expect(jobs[0].attempts).toBe(2);
    const counts = await withDb(async (db) => (await db.query(`select count(distinct b.id)::int as bugs, count(o.id)::int as occurrences, count(distinct o.id)::int as distinct_occurrences from public.bugs b left join public.bug_occurrences o on o.bug_id = b.id where b.site_id = $1`, [site.siteId])).rows[0]);
    expect(counts.occurrences).toBe(counts.distinct_occurrences);
    expect(counts.bugs).toBeGreaterThan(0);
    const flowBugs = await withDb(async (db) => (await db.query(`select count(*)::int as n from public.bugs where site_id = $1 and type = 'flow_broken'`, [site.siteId])).rows[0].n);
    expect(flowBugs).toBe(1);
    heir.child.kill('SIGTERM');
    await new Promise((r) => heir.child.once('exit', r));
    await shop.setDefects([]);
  }, 480_000);

  it('on SIGTERM finishes or releases its job and exits cleanly', async () => {
    const site = await newSite('sigterm');
    const runId = await enqueue(site.siteId);
    const w = startWorker(site.siteId, 'worker-term', { FLOWLENS_SHUTDOWN_GRACE_MS: '500', FLOWLENS_CONCURRENCY: '1' });
    await waitFor('a running job', async () => withDb(async (db) => (await db.query(`select 1 from public.crawl_jobs where run_id = $1 and status = 'running' and lease_owner = 'worker-term'`, [runId])).rowCount), 60_000, w.output);
    w.child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => w.child.once('exit', (c) => r(c)));
    expect(code, w.output()).toBe(0);
    const jobs = await withDb(async (db) => (await db.query(`select status, lease_owner from public.crawl_jobs where run_id = $1`, [runId])).rows);
    if (jobs.some((j) => j.status === 'running')) console.log(w.output(), JSON.stringify(jobs));
    // Nothing is left leased to the worker that left.
    expect(jobs.filter((j) => j.status === 'running')).toEqual([]);
    expect(w.output()).toMatch(/received SIGTERM/);
  }, 120_000);
});
