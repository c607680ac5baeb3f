/**
 * Reusing accessibility audits of unchanged pages (issue 13), the database's share: finalisation
 * stores each page's fresh audit per site × URL template × viewport in private.page_audits (a
 * reused audit leaves the row, and its audited_at, as they were); each claimed job's payload
 * carries the site's audits for its own viewport younger than A11Y_AUDIT_LIMITS.maxAgeDays, none
 * for a deploy-triggered run; a malformed audit submitted straight to complete_job is skipped, never
 * stored and never fails the run; and no client reaches the table, whoever they are.
 *
 * Through PostgREST with the service role, as the worker calls it: enqueue, claim_jobs, complete_job
 * with reports built and validated with core's report schema (the malformed ones bypass it, as a
 * buggy or hostile caller would).
 */
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { A11Y_AUDIT_LIMITS, A11Y_IMPACTS, parseReport, VIEWPORT_NAMES, type A11yAuditNode, type PageA11yAudit } from '@flowlens/core';
import { JobPayloadSchema, parseRunSummary, StoredA11yAuditSchema, type JobPayload } from '@flowlens/core/queue';
import type { SupabaseClient } from '@supabase/supabase-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { rest, stackInfo, supabaseClient, withDb } from '@flowlens/stack/testing';
import { ACTORS, buildWorld, insertRow, type Actor, type World } from './world.ts';

let svc: SupabaseClient;

beforeAll(() => {
  svc = supabaseClient(stackInfo(), stackInfo().serviceRoleKey);
});

const uid = () => randomUUID().slice(0, 8);
const keyOf = (label: string) => createHash('sha256').update(label).digest('hex');

function node(ruleId: string, over: Partial<A11yAuditNode> = {}): A11yAuditNode {
  return {
    ruleId,
    impact: 'serious',
    help: `Help for ${ruleId}`,
    helpUrl: `https://dequeuniversity.com/rules/axe/4.10/${ruleId}`,
    target: `main > .${ruleId}`,
    html: `<div class="${ruleId}"></div>`,
    siteWide: false,
    ...over,
  };
}

const fresh = (label: string, nodes: A11yAuditNode[] = [node('image-alt')], incomplete = 1): PageA11yAudit => ({ reused: false, key: keyOf(label), incomplete, nodes });

interface Site {
  orgId: string;
  siteId: string;
}

async function newSite(viewports: string[], flows = 0, orgId?: string): Promise<Site> {
  return withDb(async (db) => {
    const org = orgId ?? ((await insertRow(db, 'organizations', { name: `Audits ${uid()}` })).id as string);
    const site = await insertRow(db, 'sites', { organization_id: org, name: 'Audited site', base_url: 'https://audit.example.com', viewports });
    for (let i = 0; i < flows; i++) {
      const flow = await insertRow(db, 'flows', { site_id: site.id, name: `Flow ${i}`, start_url: 'https://audit.example.com/' });
      await insertRow(db, 'flow_steps', { flow_id: flow.id, position: 0, action: 'navigate', data: { url: 'https://audit.example.com/' } });
    }
    return { orgId: org, siteId: site.id as string };
  });
}

async function enqueue(siteId: string, trigger: 'manual' | 'schedule' | 'deploy' = 'manual'): Promise<string> {
  return withDb(async (db) => {
    const deploy = trigger === 'deploy' ? (await insertRow(db, 'deploy_events', { site_id: siteId, commit_sha: 'feed123', delivery_id: randomUUID() })).id : null;
    const slot = trigger === 'schedule' ? new Date(Date.now() - Math.floor(Math.random() * 1e9)).toISOString() : null;
    return (await db.query<{ id: string }>('select private.enqueue_run($1, $2, $3, $4) as id', [siteId, trigger, slot, deploy])).rows[0]!.id;
  });
}

interface Claimed {
  raw: Record<string, unknown>;
  payload: JobPayload;
}

/** Claims the run's jobs (this site's only: other tests share the queue), each payload parsed with core's schema. */
async function claimRun(site: Site, runId: string, worker = 'w-audits'): Promise<Claimed[]> {
  const { data, error } = await svc.rpc('claim_jobs', { worker, max_jobs: 50, lease_seconds: 300, only_sites: [site.siteId] });
  if (error) throw new Error(error.message);
  const claimed = (data as unknown[]).map((raw) => ({ raw: raw as Record<string, unknown>, payload: JobPayloadSchema.parse(raw) }));
  const mine = claimed.filter((c) => c.payload.job.runId === runId);
  expect(mine.length, 'every job of the run claimed').toBe(claimed.length);
  return mine;
}

interface PageIn {
  template: string;
  audit?: unknown;
}

/** A report the worker would send (parsed with core's schema unless `raw`), visiting `pages`. */
function reportOf(viewport: string, pages: PageIn[], raw = false): unknown {
  const now = new Date().toISOString();
  const report = {
    version: 1,
    startedAt: now,
    finishedAt: now,
    baseUrl: 'https://audit.example.com',
    runs: [],
    pages: pages.map((p) => ({
      url: `https://audit.example.com${p.template}`,
      urlTemplate: p.template,
      viewport,
      metrics: { ttfbMs: 40, fcpMs: 200, lcpMs: 400, cls: 0, loadMs: 500 },
      fingerprint: { elements: 30, forms: 0, ctas: 2, images: 1, structureHash: 'h' },
      ...(p.audit === undefined ? {} : { a11yAudit: p.audit }),
    })),
    coverage: pages.map((p) => ({ urlTemplate: p.template, viewport })),
    bugs: [],
  };
  return raw ? report : parseReport(report);
}

async function complete(c: Claimed, report: unknown, worker = 'w-audits'): Promise<{ finalised: boolean }> {
  const { data, error } = await svc.rpc('complete_job', { job_id: c.payload.job.id, worker, report });
  if (error) throw new Error(error.message);
  expect((data as { status: string }).status).toBe('done');
  return data as { finalised: boolean };
}

/** One run of the site: every job reports `pages(viewport, job)`. Answers the claimed jobs. */
async function crawl(site: Site, pages: (viewport: string, c: Claimed) => PageIn[], trigger: 'manual' | 'schedule' | 'deploy' = 'manual') {
  const runId = await enqueue(site.siteId, trigger);
  const jobs = await claimRun(site, runId);
  expect(jobs.length).toBeGreaterThan(0);
  let finalised = false;
  for (const c of jobs) finalised = (await complete(c, reportOf(c.payload.job.viewport, pages(c.payload.job.viewport, c)))).finalised;
  expect(finalised, 'the last completion finalises the run').toBe(true);
  return { runId, jobs };
}

interface Stored {
  url_template: string;
  viewport: string;
  audit_key: string;
  nodes: A11yAuditNode[];
  incomplete: number;
  audited_at: Date;
  run_id: string | null;
}

async function stored(siteId: string): Promise<Stored[]> {
  return withDb(async (db) =>
    (await db.query<Stored>('select url_template, viewport, audit_key, nodes, incomplete, audited_at, run_id from private.page_audits where site_id = $1 order by viewport, url_template', [siteId])).rows,
  );
}

async function finishedAt(runId: string): Promise<Date> {
  return withDb(async (db) => (await db.query<{ finished_at: Date }>('select finished_at from public.crawl_runs where id = $1', [runId])).rows[0]!.finished_at);
}

const byTemplate = (rows: Stored[], viewport: string, template: string) => rows.find((r) => r.viewport === viewport && r.url_template === template);

describe('storing audits at finalisation', () => {
  it('stores fresh audits per page × viewport; a reused audit keeps its row and audited_at; a new fresh audit replaces it', async () => {
    const site = await newSite(['desktop', 'mobile']);
    const first = await crawl(site, (vp) => [
      { template: '/', audit: fresh(`home ${vp} 1`, [node('image-alt'), node('region', { impact: null, siteWide: true })], 2) },
      { template: '/cart', audit: fresh(`cart ${vp} 1`) },
    ]);
    const t1 = await finishedAt(first.runId);
    const afterFirst = await stored(site.siteId);
    expect(afterFirst.map((r) => `${r.viewport} ${r.url_template}`)).toEqual(['desktop /', 'desktop /cart', 'mobile /', 'mobile /cart']);
    for (const r of afterFirst) {
      const label = `${r.url_template === '/' ? 'home' : 'cart'} ${r.viewport} 1`;
      expect(r.audit_key).toBe(keyOf(label));
      expect(r.audited_at.toISOString()).toBe(t1.toISOString());
      expect(r.run_id).toBe(first.runId);
    }
    expect(byTemplate(afterFirst, 'desktop', '/')!.nodes).toEqual([node('image-alt'), node('region', { impact: null, siteWide: true })]);
    expect(byTemplate(afterFirst, 'desktop', '/')!.incomplete).toBe(2);

    // The next run: the home page unchanged (reused), the desktop cart changed (fresh), the mobile
    // cart without an audit this time (axe did not run in full there).
    const second = await crawl(site, (vp, c) => {
      const home = c.payload.audits.find((a) => a.urlTemplate === '/')!;
      return [
        { template: '/', audit: { reused: true, key: home.key, auditedAt: home.auditedAt } },
        vp === 'desktop' ? { template: '/cart', audit: fresh('cart desktop 2', [node('color-contrast')], 0) } : { template: '/cart' },
      ];
    });
    const t2 = await finishedAt(second.runId);
    expect(t2.getTime()).toBeGreaterThan(t1.getTime());
    const afterSecond = await stored(site.siteId);
    for (const vp of ['desktop', 'mobile']) expect(byTemplate(afterSecond, vp, '/')).toEqual(byTemplate(afterFirst, vp, '/'));
    expect(byTemplate(afterSecond, 'mobile', '/cart')).toEqual(byTemplate(afterFirst, 'mobile', '/cart'));
    expect(byTemplate(afterSecond, 'desktop', '/cart')).toEqual({
      url_template: '/cart', viewport: 'desktop', audit_key: keyOf('cart desktop 2'), nodes: [node('color-contrast')], incomplete: 0, audited_at: t2, run_id: second.runId,
    });

    // Each run's summary says how its audits were made (the run page shows it), read with core's reader.
    const summaryOf = async (runId: string) =>
      parseRunSummary(await withDb(async (db) => (await db.query<{ summary: unknown }>('select summary from public.crawl_runs where id = $1', [runId])).rows[0]!.summary));
    expect((await summaryOf(first.runId)).a11yAudits).toEqual({ fresh: 4, reused: 0, reusedSince: null });
    const audits2 = (await summaryOf(second.runId)).a11yAudits!;
    expect({ fresh: audits2.fresh, reused: audits2.reused }).toEqual({ fresh: 1, reused: 2 });
    expect(Date.parse(audits2.reusedSince!)).toBe(t1.getTime());
  });

  it('takes one audit when a page × viewport is audited fresh twice in a run: the job that finished last, its later entry', async () => {
    const site = await newSite(['desktop'], 1); // a flow job and the discovery job, both on desktop
    const runId = await enqueue(site.siteId);
    const [a, b] = await claimRun(site, runId);
    expect(b).toBeDefined();
    await complete(a!, reportOf('desktop', [{ template: '/', audit: fresh('first job') }]));
    const done = await complete(b!, reportOf('desktop', [
      { template: '/', audit: fresh('second job, first entry') },
      { template: '/', audit: fresh('second job, second entry', [node('label')]) },
    ]));
    expect(done.finalised).toBe(true);
    const rows = await stored(site.siteId);
    expect(rows.map((r) => [r.url_template, r.audit_key, r.nodes])).toEqual([['/', keyOf('second job, second entry'), [node('label')]]]);
    expect(await withDb(async (db) => (await db.query('select status from public.crawl_runs where id = $1', [runId])).rows[0].status)).toBe('completed');
  });
});

describe('what a claimed job may reuse', () => {
  let siteA: Site;
  let siteB: Site;

  beforeAll(async () => {
    siteA = await newSite(['desktop', 'mobile']);
    siteB = await newSite(['desktop']); // another organisation
    await crawl(siteA, (vp) => [{ template: '/', audit: fresh(`A home ${vp}`) }, { template: '/shop', audit: fresh(`A shop ${vp}`, [node('link-name'), node('list')]) }]);
    await crawl(siteB, () => [{ template: '/', audit: fresh('B home desktop') }, { template: '/b-only', audit: fresh('B only') }]);
  });

  /** Every audit of the payload, strictly: none of them may be one lenient parsing would drop. */
  function auditsOf(c: Claimed) {
    const strict = z.array(StoredA11yAuditSchema).parse(c.raw.audits);
    expect(c.payload.audits).toEqual(strict);
    return strict;
  }

  it("carries exactly the site's audits for the job's own viewport, as stored, and nobody else's", async () => {
    const rowsA = await stored(siteA.siteId);
    const runA = await enqueue(siteA.siteId);
    const jobsA = await claimRun(siteA, runA);
    expect(jobsA.map((c) => c.payload.job.viewport).sort()).toEqual(['desktop', 'mobile']);
    for (const c of jobsA) {
      const vp = c.payload.job.viewport;
      const audits = auditsOf(c);
      const expected = rowsA.filter((r) => r.viewport === vp);
      expect(audits.map((a) => a.urlTemplate).sort()).toEqual(['/', '/shop']);
      for (const a of audits) {
        const row = expected.find((r) => r.url_template === a.urlTemplate)!;
        expect(a.key).toBe(row.audit_key);
        expect(new Date(a.auditedAt).toISOString()).toBe(row.audited_at.toISOString());
        expect(a.nodes).toEqual(row.nodes);
        expect(a.incomplete).toBe(row.incomplete);
      }
      expect(audits.find((a) => a.urlTemplate === '/')!.key).toBe(keyOf(`A home ${vp}`));
      await complete(c, reportOf(vp, []));
    }

    const runB = await enqueue(siteB.siteId);
    const [jobB] = await claimRun(siteB, runB);
    const audits = auditsOf(jobB!);
    expect(audits.map((a) => [a.urlTemplate, a.key]).sort()).toEqual([['/', keyOf('B home desktop')], ['/b-only', keyOf('B only')]]);
    expect(siteA.orgId).not.toBe(siteB.orgId);
    await complete(jobB!, reportOf('desktop', []));
  });

  it('offers none to a deploy-triggered run: after a deploy every page is audited fresh', async () => {
    const runId = await enqueue(siteA.siteId, 'deploy');
    const jobs = await claimRun(siteA, runId);
    expect(jobs).toHaveLength(2);
    for (const c of jobs) {
      expect(c.payload.run.trigger).toBe('deploy');
      expect(c.raw.audits).toEqual([]);
      await complete(c, reportOf(c.payload.job.viewport, []));
    }
    // A scheduled run gets them again.
    const scheduled = await enqueue(siteA.siteId, 'schedule');
    for (const c of await claimRun(siteA, scheduled)) {
      expect(auditsOf(c)).toHaveLength(2);
      await complete(c, reportOf(c.payload.job.viewport, []));
    }
  });

  it(`offers none older than ${A11Y_AUDIT_LIMITS.maxAgeDays} days, and forgets them at the next finalisation`, async () => {
    const days = A11Y_AUDIT_LIMITS.maxAgeDays;
    await withDb(async (db) => {
      await db.query(`update private.page_audits set audited_at = now() - make_interval(days => $2) - interval '1 minute' where site_id = $1 and url_template = '/'`, [siteA.siteId, days]);
      await db.query(`update private.page_audits set audited_at = now() - make_interval(days => $2) + interval '1 hour' where site_id = $1 and url_template = '/shop'`, [siteA.siteId, days]);
    });
    const runId = await enqueue(siteA.siteId);
    const jobs = await claimRun(siteA, runId);
    for (const c of jobs) {
      expect(auditsOf(c).map((a) => a.urlTemplate)).toEqual(['/shop']);
      await complete(c, reportOf(c.payload.job.viewport, []));
    }
    // The run above was finalised: the audits too old to be reused are gone, the others kept.
    expect((await stored(siteA.siteId)).map((r) => `${r.viewport} ${r.url_template}`)).toEqual(['desktop /shop', 'mobile /shop']);
  });
});

describe('a site with more audits than a payload should carry', () => {
  it('gets its most recent audits within 8 MB of nodes; the other pages are audited fresh', async () => {
    const site = await newSite(['desktop']);
    const budget = 8 * 1024 * 1024;
    // Ten audits of the largest kind core allows (500 nodes with 2,000 characters of HTML each),
    // /big-1 the newest; written in SQL so the test does not ship 10 MB to the database.
    const sizes = await withDb(async (db) => {
      await db.query(
        `insert into private.page_audits (site_id, url_template, viewport, audit_key, nodes, incomplete, audited_at)
         select $1, '/big-' || g, 'desktop', encode(sha256(convert_to('big ' || g, 'UTF8')), 'hex'),
                (select jsonb_agg(jsonb_build_object('ruleId', 'rule-' || n, 'impact', 'minor', 'help', 'Help', 'helpUrl', 'https://x.test/',
                                                     'target', '#n' || n, 'html', repeat('x', 2000), 'siteWide', false))
                   from generate_series(1, $2::integer) n),
                0, now() - make_interval(mins => g)
           from generate_series(1, 10) g`,
        [site.siteId, A11Y_AUDIT_LIMITS.nodes],
      );
      return (await db.query<{ url_template: string; bytes: number }>(
        `select url_template, octet_length(nodes::text) as bytes from private.page_audits where site_id = $1 order by audited_at desc`, [site.siteId],
      )).rows;
    });
    let total = 0;
    const fits = sizes.filter((s) => (total += s.bytes) <= budget).map((s) => s.url_template);
    expect(fits.length).toBeGreaterThan(0);
    expect(fits.length).toBeLessThan(10);
    const runId = await enqueue(site.siteId);
    const [job] = await claimRun(site, runId);
    const audits = z.array(StoredA11yAuditSchema).parse(job!.raw.audits);
    expect(audits.map((a) => a.urlTemplate)).toEqual(fits);
    expect(audits[0]!.nodes).toHaveLength(A11Y_AUDIT_LIMITS.nodes);
    await complete(job!, reportOf('desktop', []));
  });
});

describe('malformed audits', () => {
  it('skips an audit core would refuse, submitted straight to complete_job: the run finalises, nothing of it is stored', async () => {
    const site = await newSite(['desktop']);
    const runId = await enqueue(site.siteId);
    const [job] = await claimRun(site, runId);
    const good = fresh('good');
    const tooMany = Array.from({ length: A11Y_AUDIT_LIMITS.nodes + 1 }, (_, i) => node(`rule-${i}`));
    const malformed: Record<string, unknown> = {
      '/key-upper': { ...good, key: keyOf('x').toUpperCase() },
      '/key-short': { ...good, key: 'abc123' },
      '/key-number': { ...good, key: 12345 },
      '/nodes-string': { ...good, nodes: 'not an array' },
      '/nodes-object': { ...good, nodes: { 0: node('image-alt') } },
      '/nodes-absent': { reused: false, key: keyOf('n'), incomplete: 0 },
      '/node-scalar': { ...good, nodes: [node('image-alt'), 42] },
      '/node-impact': { ...good, nodes: [node('image-alt', { impact: 'catastrophic' as never })] },
      '/node-impact-absent': { ...good, nodes: [Object.fromEntries(Object.entries(node('image-alt')).filter(([k]) => k !== 'impact'))] },
      '/node-rule-empty': { ...good, nodes: [node('')] },
      '/node-html-long': { ...good, nodes: [node('image-alt', { html: 'x'.repeat(2001) })] },
      '/node-sitewide-string': { ...good, nodes: [{ ...node('image-alt'), siteWide: 'yes' }] },
      '/too-many-nodes': { ...good, nodes: tooMany },
      '/incomplete-negative': { ...good, incomplete: -1 },
      '/incomplete-fraction': { ...good, incomplete: 1.5 },
      '/incomplete-string': { ...good, incomplete: '3' },
      '/reused-string': { ...good, reused: 'false' },
      '/audit-string': 'fresh',
      '/audit-array': [good],
    };
    // Core's schema refuses every one of them (so the worker never sends them).
    for (const [template, audit] of Object.entries(malformed)) {
      expect(() => parseReport(reportOf('desktop', [{ template, audit }], true)), template).toThrow();
    }
    const pages: PageIn[] = [{ template: '/good', audit: good }, ...Object.entries(malformed).map(([template, audit]) => ({ template, audit }))];
    const res = await complete(job!, reportOf('desktop', pages, true));
    expect(res.finalised).toBe(true);
    const run = await withDb(async (db) => (await db.query('select status, error from public.crawl_runs where id = $1', [runId])).rows[0]);
    expect(run).toEqual({ status: 'completed', error: null });
    // The pages themselves are recorded as usual; only the malformed audits are left out.
    const pageCount = await withDb(async (db) => (await db.query('select count(*)::int as n from public.pages where site_id = $1', [site.siteId])).rows[0].n);
    expect(pageCount).toBe(pages.length);
    const rows = await stored(site.siteId);
    expect(rows.map((r) => [r.url_template, r.audit_key])).toEqual([['/good', good.key]]);
  });

  it('stores an audit of exactly the node limit, and only the fields core reads of each node', async () => {
    const site = await newSite(['desktop']);
    const runId = await enqueue(site.siteId);
    const [job] = await claimRun(site, runId);
    const atLimit = Array.from({ length: A11Y_AUDIT_LIMITS.nodes }, (_, i) => node(`rule-${i}`));
    const withExtraField = { ...fresh('extra'), nodes: [{ ...node('image-alt'), injected: '<script>1</script>' }] };
    await complete(job!, reportOf('desktop', [{ template: '/full', audit: fresh('full', atLimit) }, { template: '/extra', audit: withExtraField }], true));
    const rows = await stored(site.siteId);
    expect(byTemplate(rows, 'desktop', '/full')!.nodes).toHaveLength(A11Y_AUDIT_LIMITS.nodes);
    expect(byTemplate(rows, 'desktop', '/extra')!.nodes).toEqual([node('image-alt')]);
  });
});

describe('the same words as core', () => {
  it('page_audits lists exactly core\'s viewports, and the node check accepts exactly core\'s impacts', async () => {
    await withDb(async (db) => {
      const def = (await db.query<{ def: string }>(
        `select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'private.page_audits'::regclass and conname = 'page_audits_viewport_valid'`,
      )).rows[0]!.def;
      expect([...def.matchAll(/'([^']*)'::text/g)].map((m) => m[1]).sort()).toEqual([...VIEWPORT_NAMES].sort());
      const accepts = async (impact: unknown) =>
        (await db.query<{ ok: boolean }>('select private.fresh_a11y_audit($1::jsonb) is not null as ok', [JSON.stringify(fresh('impact', [{ ...node('r'), impact: impact as null }]))])).rows[0]!.ok;
      for (const impact of [...A11Y_IMPACTS, null]) expect(await accepts(impact), String(impact)).toBe(true);
      for (const impact of ['bogus', 'Critical', 3]) expect(await accepts(impact), String(impact)).toBe(false);
    });
  });
});

describe('nobody reaches page_audits but the database itself', () => {
  let w: World;

  beforeAll(async () => {
    w = await buildWorld();
    await withDb((db) =>
      db.query(
        `insert into private.page_audits (site_id, url_template, viewport, audit_key, nodes, incomplete, audited_at) values ($1, '/', 'desktop', $2, $3, 0, now())`,
        [w.siteA, keyOf('rls'), JSON.stringify([node('image-alt')])],
      ),
    );
  }, 120_000);

  const tokenOf = (actor: Actor) => (actor === 'anon' ? null : w.users[actor].accessToken);
  const row = async () => withDb(async (db) => (await db.query('select audit_key, nodes from private.page_audits where site_id = $1', [w.siteA])).rows);

  /** A PostgREST call naming a schema (Accept-Profile / Content-Profile), which `rest` does not send. */
  async function restIn(schema: string, path: string, method: string, token: string | null, body?: unknown) {
    const info = stackInfo();
    const headers: Record<string, string> = { apikey: info.anonKey, 'content-type': 'application/json', 'accept-profile': schema, 'content-profile': schema };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${info.restUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text };
  }

  it.each(ACTORS)('%s can neither read nor write it through PostgREST', async (actor) => {
    const before = await row();
    expect(before).toHaveLength(1);
    const token = tokenOf(actor);
    const filter = `site_id=eq.${w.siteA}`;
    const newRow = { site_id: w.siteA, url_template: '/forged', viewport: 'desktop', audit_key: keyOf('forged'), nodes: [], incomplete: 0, audited_at: new Date().toISOString() };
    // Not in the API's schema: no such relation.
    const read = await rest(`/page_audits?${filter}`, { token });
    expect(read.status, JSON.stringify(read.body)).toBeGreaterThanOrEqual(400);
    const insert = await rest('/page_audits', { method: 'POST', token, body: newRow });
    expect(insert.status).toBeGreaterThanOrEqual(400);
    // Asking for the private schema by name is refused too.
    for (const [method, path, body] of [
      ['GET', `/page_audits?${filter}`, undefined],
      ['POST', '/page_audits', newRow],
      ['PATCH', `/page_audits?${filter}`, { audit_key: keyOf('patched') }],
      ['DELETE', `/page_audits?${filter}`, undefined],
      ['POST', '/rpc/finalise_audits', { target_run: w.runA, target_site: w.siteA, t: new Date().toISOString() }],
    ] as const) {
      const r = await restIn('private', path, method, token, body);
      expect(r.status, `${method} ${path}: ${r.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
      expect(r.text).not.toContain(keyOf('rls'));
    }
    expect(await row()).toEqual(before);
  });

  it('the service role is refused the same way (the worker gets audits only in its claimed jobs)', async () => {
    const r = await restIn('private', `/page_audits?site_id=eq.${w.siteA}`, 'GET', stackInfo().serviceRoleKey);
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.text).not.toContain(keyOf('rls'));
  });

  it('no API role holds a privilege on it, or may call the functions behind it', async () => {
    await withDb(async (db) => {
      for (const role of ['anon', 'authenticated', 'service_role']) {
        for (const privilege of ['select', 'insert', 'update', 'delete', 'truncate', 'references', 'trigger']) {
          const has = (await db.query<{ has: boolean }>('select has_table_privilege($1, $2, $3) as has', [role, 'private.page_audits', privilege])).rows[0]!.has;
          expect(has, `${role} ${privilege}`).toBe(false);
        }
      }
      for (const role of ['anon', 'authenticated']) {
        for (const fn of ['private.finalise_audits(uuid, uuid, timestamptz)', 'private.job_audits(public.crawl_jobs)', 'private.job_payload(public.crawl_jobs)']) {
          const has = (await db.query<{ has: boolean }>('select has_function_privilege($1, $2, $3) as has', [role, fn, 'execute'])).rows[0]!.has;
          expect(has, `${role} ${fn}`).toBe(false);
        }
      }
      // Even in a session of the role itself (had the schema been exposed): permission denied.
      for (const role of ['anon', 'authenticated', 'service_role']) {
        await db.query('begin');
        try {
          await db.query(`set local role ${role}`);
          await expect(db.query('select * from private.page_audits')).rejects.toThrow(/permission denied/);
        } finally {
          await db.query('rollback');
        }
      }
      const rls = (await db.query<{ on: boolean }>(`select relrowsecurity as on from pg_class where oid = 'private.page_audits'::regclass`)).rows[0]!.on;
      expect(rls).toBe(true);
    });
  });
});
