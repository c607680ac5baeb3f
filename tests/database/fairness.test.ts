/**
 * Fair claiming (issue 14, docs/limits.md): organisations take turns at the fleet, the sites of
 * one organisation take turns, scheduled runs come before a tenant's manual and deploy runs, and no
 * organisation holds more than its `org_running_jobs` jobs at once — through PostgREST with the
 * service role, as the worker calls claim_jobs. Every claim is pinned to this file's sites
 * (only_sites): other test files share the queue.
 */
import { randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackInfo, supabaseClient, withDb } from '@flowlens/stack/testing';
import { insertRow } from './world.ts';

let svc: SupabaseClient;
const orgs: string[] = [];

interface Claimed {
  job: { id: string; runId: string; siteId: string; viewport: string };
  run: { id: string; trigger: string };
}

async function newOrg(sites = 1): Promise<{ orgId: string; siteIds: string[] }> {
  return withDb(async (db) => {
    const org = await insertRow(db, 'organizations', { name: `Fair ${randomUUID().slice(0, 6)}` });
    orgs.push(org.id as string);
    const siteIds: string[] = [];
    for (let i = 0; i < sites; i++) {
      siteIds.push((await insertRow(db, 'sites', { organization_id: org.id, name: `Fair site ${i}`, base_url: 'https://fair.example.com', viewports: ['desktop'] })).id as string);
    }
    return { orgId: org.id as string, siteIds };
  });
}

/** A run of `jobs` page-discovery jobs on the site, all available now, oldest first (one statement: floods are big). */
async function queueRun(siteId: string, jobs: number, trigger: 'schedule' | 'manual' | 'deploy' = 'manual', ageSeconds = 0): Promise<string> {
  return withDb(async (db) => {
    const run = await db.query<{ id: string }>(
      `insert into public.crawl_runs (site_id, trigger, slot, viewports, created_at)
       values ($1, $2::public.crawl_trigger, case when $2::text = 'schedule' then now() - make_interval(secs => $3::integer) end, '{desktop}', now() - make_interval(secs => $3::integer)) returning id`,
      [siteId, trigger, ageSeconds],
    );
    const runId = run.rows[0]!.id;
    await db.query(
      `insert into public.crawl_jobs (run_id, site_id, viewport, available_at, created_at)
       select $1, $2, 'desktop', t, t
         from generate_series(1, $4) g
         cross join lateral (select now() - make_interval(secs => $3::integer) - ($4 - g) * interval '1 millisecond' as t) at`,
      [runId, siteId, ageSeconds, jobs],
    );
    return runId;
  });
}

async function claim(sites: string[], max: number, worker = `fair-${randomUUID().slice(0, 6)}`): Promise<Claimed[]> {
  const { data, error } = await svc.rpc('claim_jobs', { worker, max_jobs: max, lease_seconds: 300, only_sites: sites });
  if (error) throw new Error(error.message);
  return data as Claimed[];
}

async function finish(c: Claimed, worker: string): Promise<void> {
  const { error } = await svc.rpc('fail_job', { job_id: c.job.id, worker, error: 'done here', retryable: false });
  if (error) throw new Error(error.message);
}

async function setCap(orgId: string, cap: number): Promise<void> {
  await withDb((db) => db.query(`insert into private.limits (name, organization_id, max_count) values ('org_running_jobs', $1, $2)`, [orgId, cap]));
}

beforeAll(() => {
  svc = supabaseClient(stackInfo(), stackInfo().serviceRoleKey);
});

afterAll(async () => {
  // The flood must not linger for other files' unpinned workers.
  await withDb((db) => db.query('delete from public.organizations where id = any ($1::uuid[])', [orgs]));
});

describe('fair claiming', () => {
  it('lets a tenant with 3 jobs progress next to one with 1,500 queued earlier', async () => {
    const flood = await newOrg();
    const calm = await newOrg();
    await queueRun(flood.siteIds[0]!, 1500, 'manual', 60);
    const calmRun = await queueRun(calm.siteIds[0]!, 3, 'manual', 0);
    const sites = [flood.siteIds[0]!, calm.siteIds[0]!];

    // One claim of four: the two tenants share it although the flood is a minute older.
    const first = await claim(sites, 4);
    expect(first.filter((c) => c.job.siteId === calm.siteIds[0])).toHaveLength(2);
    expect(first.filter((c) => c.job.siteId === flood.siteIds[0])).toHaveLength(2);
    // The next claim of two: one each again, and the calm tenant's run is fully out.
    const next = await claim(sites, 2);
    expect(next.map((c) => c.job.runId === calmRun).sort()).toEqual([false, true]);
    // Then only the flood is left, and it goes on.
    const after = await claim(sites, 3);
    expect(after.every((c) => c.job.siteId === flood.siteIds[0])).toBe(true);
    expect(after).toHaveLength(3);
  });

  it('caps the jobs one organisation holds at once; the next one goes out when one ends, and other tenants are unaffected', async () => {
    const big = await newOrg();
    const other = await newOrg();
    await setCap(big.orgId, 5);
    await queueRun(big.siteIds[0]!, 40, 'schedule', 30);
    await queueRun(other.siteIds[0]!, 8);
    const worker = 'fair-cap';
    const bigOnly = await claim([big.siteIds[0]!], 20, worker);
    expect(bigOnly).toHaveLength(5);
    expect(await claim([big.siteIds[0]!], 20, worker)).toHaveLength(0);
    // Another organisation still gets everything it asks for.
    const otherJobs = await claim([other.siteIds[0]!, big.siteIds[0]!], 8, worker);
    expect(otherJobs).toHaveLength(8);
    expect(otherJobs.every((c) => c.job.siteId === other.siteIds[0])).toBe(true);
    // One job of the capped organisation ends: exactly one more goes out.
    await finish(bigOnly[0]!, worker);
    expect(await claim([big.siteIds[0]!], 20, worker)).toHaveLength(1);
    // An expired lease is not counted as held (the job is claimable again, by another worker).
    await withDb((db) => db.query(`update public.crawl_jobs set lease_expires_at = now() - interval '1 second' where id = $1`, [bigOnly[1]!.job.id]));
    const retaken = await claim([big.siteIds[0]!], 20, 'fair-cap-2');
    expect(retaken.map((c) => c.job.id)).toEqual([bigOnly[1]!.job.id]);
  });

  it('holds the cap when workers claim at the same moment', async () => {
    const big = await newOrg();
    await setCap(big.orgId, 6);
    await queueRun(big.siteIds[0]!, 60);
    const claims = await Promise.all(Array.from({ length: 4 }, (_, i) => claim([big.siteIds[0]!], 5, `fair-race-${i}`)));
    const ids = claims.flat().map((c) => c.job.id);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
  });

  it('has a documented default cap sized for the nightly plan', async () => {
    const row = await withDb(async (db) => (await db.query(`select max_count from private.limit_of('org_running_jobs')`)).rows[0]);
    expect(row.max_count).toBe(16);
    const org = await newOrg();
    await queueRun(org.siteIds[0]!, 30);
    expect(await claim([org.siteIds[0]!], 30)).toHaveLength(16);
  });

  it('lets the sites of one organisation take turns', async () => {
    const org = await newOrg(3);
    const [busy, quiet, tiny] = org.siteIds as [string, string, string];
    await queueRun(busy, 50, 'manual', 120);
    await queueRun(quiet, 4, 'manual', 60);
    await queueRun(tiny, 1);
    const got = await claim(org.siteIds, 6);
    const per = (s: string) => got.filter((c) => c.job.siteId === s).length;
    expect([per(busy), per(quiet), per(tiny)]).toEqual([3, 2, 1]);
  });

  it('claims a tenant’s scheduled run before its older manual and deploy runs', async () => {
    const org = await newOrg(2);
    const [a, b] = org.siteIds as [string, string];
    await queueRun(a, 4, 'manual', 600);
    await queueRun(b, 4, 'deploy', 600);
    const nightly = await queueRun(a, 3, 'schedule', 0);
    const got = await claim(org.siteIds, 3);
    expect(got.map((c) => c.job.runId)).toEqual([nightly, nightly, nightly]);
    expect(got.every((c) => c.run.trigger === 'schedule')).toBe(true);
    // Then the manual and deploy runs, the two sites taking turns.
    const rest = await claim(org.siteIds, 4);
    expect(rest.map((c) => c.run.trigger).sort()).toEqual(['deploy', 'deploy', 'manual', 'manual']);
  });

  it('does not let one tenant’s schedule priority jump another tenant', async () => {
    const nightlyOrg = await newOrg();
    const manualOrg = await newOrg();
    await queueRun(nightlyOrg.siteIds[0]!, 10, 'schedule', 0);
    await queueRun(manualOrg.siteIds[0]!, 10, 'manual', 0);
    const got = await claim([nightlyOrg.siteIds[0]!, manualOrg.siteIds[0]!], 6);
    expect(got.filter((c) => c.job.siteId === manualOrg.siteIds[0])).toHaveLength(3);
  });
});
