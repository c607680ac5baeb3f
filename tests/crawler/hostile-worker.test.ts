/**
 * The hostile-site suite through `flowlens worker` (issue 12, docs/security.md): one real worker
 * process serves two tenants from the real queue. The hostile tenant's flows forge metrics, flood
 * the console, walk the browser to file: by script and send a stored secret to another origin;
 * the other tenant's run must finish all the same, the hostile run must finalise with valid,
 * bounded data, and neither the stored secret nor the worker's environment may appear in any
 * table, in storage or in the worker's output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptCredential, flowToSavePayload, parseFlow, secretVariants, type FlowInput } from '@flowlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackInfo, withDb } from '@flowlens/stack/testing';
import { startForeignSite, startHostileSite, type ForeignSite, type HostileSite } from '../fixtures/index.ts';
import { insertRow } from '../database/world.ts';
import { keepWorkerLog } from './log-file.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const bin = join(root, 'crawler', 'bin', 'flowlens.mjs');
const KEY = randomBytes(32).toString('base64');
const SECRET = `Worker-Secret ${randomBytes(4).toString('hex')}&ü`;
const CANARY_ENV = { ANTHROPIC_API_KEY_CANARY: `canary-anthropic-${process.pid}-w1`, SMTP_PASS: `canary-smtp-${process.pid}-w2` };

let site: HostileSite;
let foreign: ForeignSite;
let worker: ChildProcess | null = null;
let output = '';

async function tenant(name: string, flows: FlowInput[], credentials: Record<string, string> = {}): Promise<string> {
  return withDb(async (db) => {
    const org = await insertRow(db, 'organizations', { name: `Tenant ${name}` });
    const s = await insertRow(db, 'sites', { organization_id: org.id, name, base_url: site.url, is_local: true, viewports: ['desktop'], discover_pages: 0 });
    for (const f of flows) await db.query('select public.save_flow($1)', [JSON.stringify(flowToSavePayload(parseFlow(f), s.id as string))]);
    for (const [n, value] of Object.entries(credentials)) await insertRow(db, 'site_credentials', { site_id: s.id, name: n, ciphertext: await encryptCredential(value, KEY) });
    return s.id as string;
  });
}

async function enqueue(siteId: string): Promise<string> {
  return withDb(async (db) => (await db.query<{ id: string }>(`select private.enqueue_run($1, 'manual') as id`, [siteId])).rows[0]!.id);
}

async function finished(runId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const row = await withDb(async (db) => (await db.query('select status, finished_at, error from public.crawl_runs where id = $1', [runId])).rows[0]);
    if (row?.finished_at) return row;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`run ${runId} did not finish in ${timeoutMs} ms\n${output}`);
}

beforeAll(async () => {
  site = await startHostileSite({ canaryUrl: 'http://127.0.0.1:9', canaryUdpPort: 9 });
  foreign = await startForeignSite();
});

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await site.close();
  await foreign.close();
});

describe('the hostile site through the worker', () => {
  it('finishes both tenants, stores bounded data and leaks no secret', async () => {
    const cont = { action: 'click', selectors: [{ kind: 'css', value: '#continue' }], label: 'Continue' } as FlowInput['steps'][number];
    const hostile = await tenant(
      'hostile',
      [
        { name: 'Forged metrics', startUrl: `${site.url}/perf-forge`, steps: [cont] },
        { name: 'Console flood', startUrl: `${site.url}/console-flood`, steps: [cont] },
        { name: 'File by script', startUrl: `${site.url}/file-nav`, steps: [{ action: 'assert', assertion: 'urlContains', value: 'file:', label: 'On the file' }] },
        {
          name: 'Secret elsewhere',
          startUrl: `${site.url}/`,
          steps: [
            { action: 'navigate', url: `${foreign.url}/search`, label: 'Open the other site' },
            { action: 'input', selectors: [{ kind: 'css', value: '#q' }], value: '{{secret:PASSWORD}}', label: 'Type the password' },
            { action: 'keypress', key: 'Enter', label: 'Search' },
          ],
        },
      ],
      { PASSWORD: SECRET },
    );
    const calm = await tenant('calm', [{ name: 'Home', startUrl: `${site.url}/`, steps: [cont] }]);
    const info = stackInfo();
    worker = spawn(process.execPath, [bin, 'worker'], {
      cwd: root,
      env: {
        ...process.env,
        ...CANARY_ENV,
        SUPABASE_URL: info.apiUrl,
        SUPABASE_SERVICE_ROLE_KEY: info.serviceRoleKey,
        FLOWLENS_CREDENTIALS_KEY: KEY,
        FLOWLENS_WORKER_ID: 'worker-hostile',
        FLOWLENS_ONLY_SITES: `${hostile},${calm}`,
        FLOWLENS_CONCURRENCY: '2',
        FLOWLENS_POLL_INTERVAL_MS: '200',
        FLOWLENS_HEALTH_PORT: '0',
        FLOWLENS_STEP_TIMEOUT_MS: '8000',
      },
    });
    keepWorkerLog(worker, 'hostile');
    worker.stdout!.on('data', (d: Buffer) => (output += d));
    worker.stderr!.on('data', (d: Buffer) => (output += d));
    const hostileRun = await enqueue(hostile);
    const calmRun = await enqueue(calm);

    const calmDone = await finished(calmRun, 400_000);
    expect(calmDone.status).toBe('completed');
    const hostileDone = await finished(hostileRun, 400_000);
    expect(hostileDone.status, JSON.stringify(hostileDone)).toBe('completed');
    expect(hostileDone.error).toBeNull();

    const results = await withDb(async (db) =>
      (await db.query(`select f.name, r.status, r.steps from public.flow_results r join public.flows f on f.id = r.flow_id where r.run_id = $1`, [hostileRun])).rows,
    );
    const byName = new Map(results.map((r) => [r.name as string, r]));
    expect(byName.get('Forged metrics')?.status).toBe('passed');
    expect(byName.get('Console flood')?.status).toBe('passed');
    expect(byName.get('File by script')?.status).toBe('failed');
    const secretFlow = byName.get('Secret elsewhere')!;
    expect(secretFlow.status).toBe('failed');
    expect(JSON.stringify(secretFlow.steps)).toMatch(/refused to type the secret PASSWORD into http:\/\/127\.0\.0\.1:\d+: FlowLens types this site's secrets only on/);
    expect(foreign.received().some((q) => q.includes('q='))).toBe(false);

    const metrics = await withDb(async (db) =>
      (await db.query(`select m.ttfb_ms, m.fcp_ms, m.lcp_ms, m.cls, m.load_ms from public.page_metrics m join public.pages p on p.id = m.page_id where m.run_id = $1 and p.url_template = '/perf-forge'`, [hostileRun])).rows,
    );
    expect(metrics).toHaveLength(1);
    for (const v of Object.values(metrics[0]!)) expect(v === null || (Number(v) >= 0 && Number(v) < 60_000), JSON.stringify(metrics[0])).toBe(true);
    const consoleBugs = await withDb(async (db) => (await db.query(`select count(*)::int as n from public.bugs where site_id = $1 and type = 'console_error' and url_template = '/console-flood'`, [hostile])).rows[0].n);
    expect(consoleBugs).toBeLessThanOrEqual(50);

    // The secret and the environment: nowhere in the database, storage or the worker's output.
    const dump = await withDb(async (db) => {
      const parts: string[] = [];
      for (const sql of [
        `select result::text as t from public.crawl_jobs where site_id = $1`,
        `select row_to_json(b)::text as t from public.bugs b where site_id = $1`,
        `select row_to_json(o)::text as t from public.bug_occurrences o where site_id = $1`,
        `select row_to_json(r)::text as t from public.flow_results r where site_id = $1`,
        `select row_to_json(p)::text as t from public.pages p where site_id = $1`,
        `select row_to_json(o)::text as t from storage.objects o where name like $1 || '%'`,
      ]) {
        parts.push(...(await db.query(sql, [hostile])).rows.map((r) => r.t as string));
      }
      return parts.join('\n');
    });
    expect(dump.length).toBeGreaterThan(0);
    const secrets = [...secretVariants(SECRET), ...Object.values(CANARY_ENV), info.serviceRoleKey, KEY];
    for (const s of secrets) {
      expect(dump.includes(s), `database holds ${s.slice(0, 12)}…`).toBe(false);
      expect(output.includes(s), `worker output holds ${s.slice(0, 12)}…`).toBe(false);
    }
    worker.kill('SIGTERM');
    await new Promise((r) => worker!.once('exit', r));
  }, 600_000);
});
