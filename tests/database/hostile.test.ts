/**
 * The database's share of "hostile tenants and hostile sites" (issue 12, docs/security.md):
 * stored steps only navigate to http(s); only owners and admins decide where a secret is typed;
 * complete_job refuses what finalise_run could not cast, and only from the lease owner; a run
 * whose finalisation fails is marked failed and never blocks claiming; a complete and a fail of
 * a run's last two jobs at the same moment still finalise it; the sweeper finalises runs left
 * without open jobs. Through PostgREST with real JWTs and the service role, as the clients call it.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { SupabaseClient } from '@supabase/supabase-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { rest, stackInfo, supabaseClient, withDb } from '@flowlens/stack/testing';
import { buildWorld, insertRow, type World } from './world.ts';

let w: World;
let svc: SupabaseClient;

beforeAll(async () => {
  w = await buildWorld();
  svc = supabaseClient(stackInfo(), stackInfo().serviceRoleKey);
});

const uid = () => randomUUID().slice(0, 8);
const token = (actor: 'owner' | 'admin' | 'member' | 'stranger') => w.users[actor].accessToken;

const secretStep = { action: 'input', data: { selectors: [{ kind: 'label', value: 'Password' }], value: '{{secret:PASSWORD}}', element: { tag: 'input', attributes: { type: 'password' } } }, label: 'Type the password' };
const clickStep = { action: 'click', data: { selectors: [{ kind: 'css', value: '#go' }] }, label: 'Click Go' };

async function saveFlow(actor: 'owner' | 'admin' | 'member' | 'stranger', payload: Record<string, unknown>) {
  return rest('/rpc/save_flow', { method: 'POST', token: token(actor), body: { payload } });
}

describe('only the web in stored steps', () => {
  it('refuses a navigate step to file:, data: or javascript:, whoever writes it', async () => {
    for (const url of ['file:///etc/passwd', 'data:text/html,hi', 'javascript:alert(1)', 'FILE:///proc/self/environ']) {
      const r = await saveFlow('owner', { site_id: w.siteA, name: `Nav ${uid()}`, start_url: 'https://a.example.com/', steps: [{ action: 'navigate', data: { url } }] });
      expect(r.status, url).toBe(400);
      expect(JSON.stringify(r.body)).toMatch(/flow_steps_navigate_web_only/);
      // Not even the superuser's hand-written row gets in.
      await expect(withDb((db) => insertRow(db, 'flow_steps', { flow_id: w.flowA, position: 90, action: 'navigate', data: { url } }))).rejects.toThrow(/flow_steps_navigate_web_only/);
    }
    const ok = await saveFlow('member', { site_id: w.siteA, name: `Nav ${uid()}`, start_url: 'https://a.example.com/', steps: [{ action: 'navigate', data: { url: 'https://a.example.com/cart' } }] });
    expect(ok.status).toBe(200);
  });
});

describe('secrets are an admin decision', () => {
  it('lets owners and admins save a step that types a secret, and refuses a member with a sentence', async () => {
    for (const actor of ['owner', 'admin'] as const) {
      const r = await saveFlow(actor, { site_id: w.siteA, name: `Sign in ${uid()}`, start_url: 'https://a.example.com/login', steps: [clickStep, secretStep] });
      expect(r.status, `${actor}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    const r = await saveFlow('member', { site_id: w.siteA, name: `Sign in ${uid()}`, start_url: 'https://a.example.com/login', steps: [clickStep, secretStep] });
    expect(r.status).toBe(403);
    expect(JSON.stringify(r.body)).toMatch(/Only owners and admins can add a step that types a secret/);
    // Nor through the table directly.
    const direct = await rest('/flow_steps', { method: 'POST', token: token('member'), body: { flow_id: w.flowA, position: 50, ...secretStep }, prefer: 'return=minimal' });
    expect(direct.status).toBe(403);
    const stranger = await saveFlow('stranger', { site_id: w.siteA, name: `Sign in ${uid()}`, start_url: 'https://a.example.com/login', steps: [secretStep] });
    expect(stranger.status).toBeGreaterThanOrEqual(400);
  });

  it('lets a member relabel a flow that types a secret, but not change its steps, start URL or site', async () => {
    const saved = await saveFlow('admin', { site_id: w.siteA, name: `Secret flow ${uid()}`, start_url: 'https://a.example.com/login', steps: [clickStep, secretStep] });
    const flow = (saved.body as { id: string; name: string });
    const stepIds = async () => withDb(async (db) => (await db.query('select id from public.flow_steps where flow_id = $1 order by position', [flow.id])).rows.map((r) => r.id as string));
    const before = await stepIds();

    const relabel = await saveFlow('member', { id: flow.id, site_id: w.siteA, name: `${flow.name} (renamed)`, start_url: 'https://a.example.com/login', critical: true, steps: [{ ...clickStep, label: 'Press Go', label_source: 'user' }, secretStep] });
    expect(relabel.status, JSON.stringify(relabel.body)).toBe(200);
    expect(await stepIds()).toEqual(before); // rows kept: selector proposals still point at them
    const label = await withDb(async (db) => (await db.query('select label from public.flow_steps where id = $1', [before[0]])).rows[0].label);
    expect(label).toBe('Press Go');

    const moved = { ...secretStep, data: { ...secretStep.data, selectors: [{ kind: 'css', value: '#comment' }] } };
    for (const [what, payload] of [
      ['retarget the secret', { steps: [clickStep, moved] }],
      ['add a step before it', { steps: [{ action: 'navigate', data: { url: 'https://a.example.com/blog' } }, clickStep, secretStep] }],
      ['drop a step', { steps: [secretStep] }],
      ['change the start URL', { start_url: 'https://a.example.com/blog', steps: [clickStep, secretStep] }],
    ] as const) {
      const r = await saveFlow('member', { id: flow.id, site_id: w.siteA, name: flow.name, start_url: 'https://a.example.com/login', ...payload });
      expect(r.status, what).toBe(403);
      expect(JSON.stringify(r.body), what).toMatch(/Only owners and admins/);
    }
    expect(await stepIds()).toEqual(before);

    const adminEdit = await saveFlow('admin', { id: flow.id, site_id: w.siteA, name: flow.name, start_url: 'https://a.example.com/signin', steps: [clickStep, moved] });
    expect(adminEdit.status).toBe(200);
    // A member may still delete the whole flow.
    const del = await rest(`/flows?id=eq.${flow.id}`, { method: 'DELETE', token: token('member'), prefer: 'return=minimal' });
    expect(del.status).toBe(204);
  });
});

// --- the queue --------------------------------------------------------------------------------

async function newRun(viewports: string[], flows = 0): Promise<{ siteId: string; runId: string }> {
  return withDb(async (db) => {
    const org = await insertRow(db, 'organizations', { name: `Hostile ${uid()}` });
    const site = await insertRow(db, 'sites', { organization_id: org.id, name: 'Hostile site', base_url: 'https://h.example.com', viewports });
    for (let i = 0; i < flows; i++) {
      const flow = await insertRow(db, 'flows', { site_id: site.id, name: `Flow ${i}`, start_url: 'https://h.example.com/' });
      await insertRow(db, 'flow_steps', { flow_id: flow.id, position: 0, action: 'click', data: { selectors: [{ kind: 'css', value: '#x' }] } });
    }
    const runId = (await db.query<{ id: string }>(`select private.enqueue_run($1, 'manual') as id`, [site.id])).rows[0]!.id;
    return { siteId: site.id as string, runId };
  });
}

interface Claimed {
  job: { id: string; runId: string; viewport: string };
}
async function claim(worker: string, siteId: string, max = 10): Promise<Claimed[]> {
  const { data, error } = await svc.rpc('claim_jobs', { worker, max_jobs: max, lease_seconds: 120, only_sites: [siteId] });
  if (error) throw new Error(error.message);
  return data as Claimed[];
}

function cleanReport(viewport: string, extra: Record<string, unknown> = {}) {
  return {
    version: 1,
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    baseUrl: 'https://h.example.com',
    runs: [],
    pages: [{ url: 'https://h.example.com/', urlTemplate: '/', viewport, metrics: { ttfbMs: 20, fcpMs: 100, lcpMs: 200, cls: 0, loadMs: 300 }, fingerprint: { elements: 1, forms: 0, ctas: 0, images: 0, structureHash: 'h' } }],
    coverage: [{ urlTemplate: '/', viewport }],
    bugs: [],
    ...extra,
  };
}

async function runRow(runId: string) {
  return withDb(async (db) => (await db.query('select status, finished_at, error from public.crawl_runs where id = $1', [runId])).rows[0]);
}

describe('reports a page wrote', () => {
  it('refuses out-of-range numbers and unknown words with every problem named; the job stays with its worker', async () => {
    const { siteId } = await newRun(['desktop']);
    const [c] = await claim('w-hostile', siteId);
    const bad = cleanReport('desktop');
    bad.pages[0]!.metrics = { ttfbMs: 1e300, fcpMs: -5, lcpMs: 200, cls: 1e300, loadMs: 300 } as never;
    const r = await svc.rpc('complete_job', { job_id: c!.job.id, worker: 'w-hostile', report: { ...bad, bugs: [{ fingerprint: 'x', type: 'rm -rf', severity: 'P9', title: 't', pageUrl: '/', urlTemplate: '/', viewport: 'desktop', stepIndex: 1.5 }] } });
    expect(r.error?.message).toMatch(/The report was refused/);
    for (const part of ['bugs[0].type', 'bugs[0].severity', 'bugs[0].stepIndex', 'pages[0].metrics.ttfbMs', 'pages[0].metrics.fcpMs', 'pages[0].metrics.cls']) {
      expect(r.error?.message).toContain(part);
    }
    const job = await withDb(async (db) => (await db.query('select status, lease_owner from public.crawl_jobs where id = $1', [c!.job.id])).rows[0]);
    expect(job).toEqual({ status: 'running', lease_owner: 'w-hostile' });
    const ok = await svc.rpc('complete_job', { job_id: c!.job.id, worker: 'w-hostile', report: cleanReport('desktop') });
    expect(ok.error).toBeNull();
    expect(ok.data).toMatchObject({ status: 'done', finalised: true });
  });

  it('takes a result only from the worker that holds the lease', async () => {
    const { siteId, runId } = await newRun(['desktop']);
    const [c] = await claim('w-owner', siteId);
    const late = await svc.rpc('complete_job', { job_id: c!.job.id, worker: 'w-impostor', report: cleanReport('desktop') });
    expect(late.data).toMatchObject({ status: 'ignored', reason: 'not the lease owner' });
    expect((await runRow(runId)).finished_at).toBeNull();
    const mine = await svc.rpc('complete_job', { job_id: c!.job.id, worker: 'w-owner', report: cleanReport('desktop') });
    expect(mine.data).toMatchObject({ status: 'done', finalised: true });
  });
});

describe('no tenant can stall another', () => {
  it('marks a run whose finalisation fails as failed with the reason, and claiming goes on', async () => {
    const { siteId, runId } = await newRun(['desktop']);
    const [c] = await claim('w-poison', siteId);
    // A result stored by an older worker that nobody checked: a cast in finalise_run raises on it.
    await withDb((db) =>
      db.query(`update public.crawl_jobs set status = 'done', lease_owner = null, lease_expires_at = null, finished_at = now(), result = $2 where id = $1`, [
        c!.job.id,
        JSON.stringify(cleanReport('desktop', { bugs: [{ fingerprint: 'p', type: 'not-a-type', severity: 'P1', title: 't' }] })),
      ]),
    );
    const fin = await svc.rpc('finalise_run_if_done', { target_run: runId });
    expect(fin.error).toBeNull();
    const run = await runRow(runId);
    expect(run.status).toBe('failed');
    expect(run.finished_at).not.toBeNull();
    expect(run.error).toMatch(/FlowLens could not finalise this crawl: invalid input value for enum/);
    // Another tenant's jobs are claimed as usual.
    const other = await newRun(['desktop', 'mobile']);
    expect(await claim('w-next', other.siteId)).toHaveLength(2);
  });

  it('finalises a run when its last two jobs complete and fail at the same moment', async () => {
    const { siteId, runId } = await newRun(['desktop', 'mobile']);
    const jobs = await claim('w-race', siteId);
    expect(jobs).toHaveLength(2);
    const info = stackInfo();
    const a = new pg.Client(info.dbUrl);
    const b = new pg.Client(info.dbUrl);
    await Promise.all([a.connect(), b.connect()]);
    try {
      await a.query('begin');
      await a.query(`select public.complete_job($1, 'w-race', $2)`, [jobs[0]!.job.id, JSON.stringify(cleanReport(jobs[0]!.job.viewport))]);
      // B fails the other job while A's transaction is still open; it must wait for A's run lock.
      const failing = b.query(`select public.fail_job($1, 'w-race', 'browser crashed', false) as status`, [jobs[1]!.job.id]);
      await new Promise((r) => setTimeout(r, 300));
      await a.query('commit');
      expect((await failing).rows[0].status).toBe('failed');
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
    const run = await runRow(runId);
    expect(run.finished_at).not.toBeNull();
    expect(run.status).toBe('completed');
    expect(run.error).toBe('1 of 2 jobs failed');
  });

  it('sweeps a run left with no open job', async () => {
    const { siteId, runId } = await newRun(['desktop']);
    const [c] = await claim('w-gone', siteId);
    // The job ended without finalising its run (as a crash between the two could leave it).
    await withDb((db) => db.query(`update public.crawl_jobs set status = 'cancelled', lease_owner = null, lease_expires_at = null where id = $1`, [c!.job.id]));
    expect((await runRow(runId)).finished_at).toBeNull();
    await claim('w-sweeper', siteId, 0);
    const run = await runRow(runId);
    expect(run.finished_at).not.toBeNull();
    expect(run.status).toBe('failed');
  });
});
