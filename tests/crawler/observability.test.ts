/**
 * Operating the fleet (issue 15), through the real endpoint of a real `flowlens worker` process on
 * the local stack: its Prometheus /metrics move as it claims, completes, heals and fails jobs; the
 * queue series come from the database (queue_metrics()) and see jobs and notifications no worker
 * has taken; every line the worker writes is a FlowLens JSON log record carrying the ids of the job
 * it is about, and no line carries a secret of the stack.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { loadFlowJson, parseLogLine, type Flow, type LogRecord } from '@flowlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackInfo, withDb } from '@flowlens/stack/testing';
import { startShop, type Shop } from '../fixtures/index.ts';
import { recordSubscribeStep } from './record-element.ts';
import { createSite, enqueueRun as enqueue, REPO_ROOT as root, spawnWorker, stopWorkers, waitFor, type TestSite, type WorkerProcess } from './worker-process.ts';

let shop: Shop;

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function newSite(name: string, flows: Flow[]): Promise<TestSite> {
  return createSite({ org: `Observability ${name}`, name, baseUrl: shop.url, flows, discoverPages: 1 });
}

interface RunningWorker extends WorkerProcess {
  port: number;
  records: () => LogRecord[];
}

/** A worker with its health and metrics endpoint on a known loopback port, logging JSON. */
async function startWorker(siteId: string, id: string, extra: NodeJS.ProcessEnv = {}): Promise<RunningWorker> {
  const port = await freePort();
  const p = spawnWorker(siteId, id, { FLOWLENS_HEALTH_PORT: String(port), FLOWLENS_HEALTH_HOST: '127.0.0.1', FLOWLENS_LOG_FORMAT: 'json', ...extra });
  const w: RunningWorker = {
    ...p,
    port,
    records: () => p.output().split('\n').filter((l) => l.trim()).map((l) => parseLogLine(l) ?? ({ unparsed: l } as unknown as LogRecord)),
  };
  await waitFor('the metrics endpoint', async () => (await scrape(w).catch(() => null)) !== null, 60_000, w.output);
  return w;
}

/** Scrapes /metrics and reads the Prometheus text format into series → value. */
async function scrape(w: { port: number }): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${w.port}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const series = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
    if (m) series.set(m[1]!, Number(m[2]));
  }
  return series;
}

const value = (s: Map<string, number>, key: string) => s.get(key) ?? NaN;

/** `npm run stack -- logs …` on the test stack, as a developer runs it. */
function stackLogs(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'stack', 'src', 'cli.ts'), 'logs', ...args], {
      cwd: root,
      env: { ...process.env, FLOWLENS_STACK_DIR: stackInfo().dir },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`stack logs exited ${code}: ${err}`))));
  });
}

beforeAll(async () => {
  shop = await startShop();
});

afterAll(async () => {
  stopWorkers();
  await shop.close();
});

describe('operating the fleet: metrics and logs of a real worker', () => {
  it('counts claims, completions, healed steps and failures, and serves the queue from the database', async () => {
    const { flow: checkout } = loadFlowJson(JSON.parse(readFileSync(join(root, 'tests', 'crawler', 'flows', 'checkout-by-hand.json'), 'utf8').replaceAll('http://shop.example.com', shop.url)));
    const subscribe = await recordSubscribeStep(shop.url);
    // The lab page with its ids renamed and the button's text tweaked: the step must heal.
    const healing: Flow = { schemaVersion: 1, name: 'Subscribe (drifted)', startUrl: `${shop.url}/__fixture/healing?mutation=renamed-ids,text-tweak`, critical: false, steps: [subscribe] };
    const site = await newSite('metrics', [checkout, healing]);
    const idle = await newSite('queue-only', [checkout]);

    const w = await startWorker(site.siteId, 'worker-observed');
    const before = await scrape(w);
    expect(value(before, 'flowlens_jobs_claimed_total')).toBe(0);
    expect(value(before, 'flowlens_jobs_completed_total{kind="flow",outcome="succeeded"}')).toBe(0);
    expect(value(before, 'flowlens_steps_healed_total')).toBe(0);
    expect(value(before, 'flowlens_browser_contexts_open')).toBe(0);
    // prom-client's process metrics are there too.
    expect(value(before, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(before.has('nodejs_eventloop_lag_seconds')).toBe(true);

    // The queue as the database sees it: a run nobody serves yet, and an unsent daily briefing.
    const idleRun = await enqueue(idle.siteId);
    await withDb((db) =>
      db.query(`insert into public.notification_outbox (site_id, kind, period_key, created_at) values ($1, 'daily', '2026-12-03', now() - interval '10 minutes')`, [idle.siteId]),
    );
    const queue = await scrape(w);
    expect(value(queue, 'flowlens_queue_jobs{status="queued"}')).toBeGreaterThanOrEqual(2);
    expect(value(queue, 'flowlens_runs_queued')).toBeGreaterThanOrEqual(1);
    expect(value(queue, 'flowlens_queue_claimable_jobs')).toBeGreaterThanOrEqual(2);
    expect(value(queue, 'flowlens_outbox_pending{kind="daily",destination="email"}')).toBeGreaterThanOrEqual(1);
    expect(value(queue, 'flowlens_outbox_oldest_seconds')).toBeGreaterThanOrEqual(590);
    expect(value(queue, 'flowlens_queue_metrics_errors_total')).toBe(0);

    // Claim and complete: discovery + two flows, one of which heals.
    const runId = await enqueue(site.siteId);
    await waitFor('the run to finish', async () => withDb(async (db) => (await db.query(`select 1 from public.crawl_runs where id = $1 and finished_at is not null`, [runId])).rowCount), 240_000, w.output);
    const after = await waitFor('the counters', async () => {
      const s = await scrape(w);
      return value(s, 'flowlens_jobs_completed_total{kind="flow",outcome="succeeded"}') === 2 ? s : null;
    }, 30_000, w.output);
    expect(value(after, 'flowlens_jobs_claimed_total')).toBe(3);
    expect(value(after, 'flowlens_jobs_completed_total{kind="discovery",outcome="succeeded"}')).toBe(1);
    expect(value(after, 'flowlens_jobs_completed_total{kind="flow",outcome="failed"}')).toBe(0);
    expect(value(after, 'flowlens_job_duration_seconds_count{kind="flow"}')).toBe(2);
    expect(value(after, 'flowlens_job_duration_seconds_sum{kind="flow"}')).toBeGreaterThan(0);
    expect(value(after, 'flowlens_steps_healed_total')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'flowlens_detector_duration_seconds_count{detector="a11y"}')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'flowlens_browser_contexts_open')).toBe(0);
    expect(value(after, 'flowlens_lease_renewals_failed_total')).toBe(0);

    // Every line is a JSON log record; job lines carry the ids of their job.
    const records = w.records();
    expect(records.filter((r) => !('level' in r)), 'lines that are not FlowLens JSON log records').toEqual([]);
    const jobs = await withDb(async (db) => (await db.query<{ id: string; flow_id: string | null }>(`select id, flow_id from public.crawl_jobs where run_id = $1`, [runId])).rows);
    for (const job of jobs) {
      const lines = records.filter((r) => r.job_id === job.id);
      const started = lines.find((r) => r.msg.startsWith('▶ job'));
      expect(started, `a start line for job ${job.id}`).toMatchObject({ level: 'info', run_id: runId, site_id: site.siteId, org_id: site.orgId, viewport: 'desktop', worker_id: 'worker-observed', service: 'worker' });
      expect(started?.flow_id).toBe(job.flow_id ?? undefined);
      const ended = lines.find((r) => r.msg.startsWith('✔ job'));
      expect(ended?.duration_ms).toBeGreaterThan(0);
    }

    // A failure: a worker whose job time limit is shorter than any job fails it (and the job is retried later).
    const failing = await newSite('failing', [checkout]);
    const f = await startWorker(failing.siteId, 'worker-too-hasty', { FLOWLENS_JOB_TIMEOUT_MS: '1000', FLOWLENS_CONCURRENCY: '1' });
    const failRun = await enqueue(failing.siteId);
    const failed = await waitFor('a failed job', async () => {
      const s = await scrape(f);
      return value(s, 'flowlens_jobs_completed_total{kind="flow",outcome="failed"}') + value(s, 'flowlens_jobs_completed_total{kind="discovery",outcome="failed"}') >= 1 ? s : null;
    }, 120_000, f.output);
    expect(value(failed, 'flowlens_jobs_claimed_total')).toBeGreaterThanOrEqual(1);
    const errorLine = f.records().find((r) => r.level === 'error' && r.run_id === failRun);
    expect(errorLine?.err?.message).toMatch(/ran longer than 1 s/);
    expect(errorLine?.job_id).toMatch(/^[0-9a-f-]{36}$/);

    for (const c of [w.child, f.child]) {
      c.kill('SIGTERM');
      await new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(null)));
    }
    // What no worker should take any more: the idle site's run and the failing site's retries.
    await withDb(async (db) => {
      await db.query(`update public.crawl_jobs set status = 'cancelled', lease_owner = null, lease_expires_at = null, finished_at = now() where run_id = any($1::uuid[]) and status in ('queued', 'running')`, [[idleRun, failRun]]);
      await db.query(`update public.notification_outbox set status = 'skipped' where site_id = $1`, [idle.siteId]);
    });

    // `npm run stack -- logs --run <id>` shows that crawl's lines from every process, and only those.
    const shown = await stackLogs(['--run', runId, '--json', '-n', '500']);
    const shownRecords = shown.split('\n').filter(Boolean).map((l) => parseLogLine(l));
    expect(shownRecords.every((r) => r?.run_id === runId), shown.slice(0, 2000)).toBe(true);
    expect(shownRecords.filter((r) => r?.msg.startsWith('▶ job')).length).toBe(3);
    const readable = await stackLogs(['worker-worker-observed', '--run', runId]);
    expect(readable).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO {2}\[worker\] ✔ job .+ \(org=[0-9a-f]{8} site=[0-9a-f]{8} run=[0-9a-f]{8} job=[0-9a-f]{8} .*viewport=desktop \d+ ms\)$/m);

    // No secret of the stack in anything either worker wrote.
    const info = stackInfo();
    for (const out of [w.output(), f.output()]) {
      for (const secret of [info.serviceRoleKey, info.jwtSecret]) expect(out.includes(secret)).toBe(false);
    }
  }, 480_000);

  it('writes the edge functions\' and the gateway\'s logs in the same JSON format', async () => {
    const info = stackInfo();
    const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);
    const functionsLog = join(info.dir, 'logs', 'functions.log');
    const gatewayLog = join(info.dir, 'logs', 'gateway.log');
    const from = { functions: sizeOf(functionsLog), gateway: sizeOf(gatewayLog) };
    // A call the unsubscribe function refuses (a forged token): logged with its status and duration.
    const res = await fetch(`${info.apiUrl}/functions/v1/unsubscribe?token=forged`, { headers: { apikey: info.anonKey } });
    expect(res.status).toBeGreaterThanOrEqual(400);
    await res.text();
    const fresh = (file: string, offset: number) => readFileSync(file, 'utf8').slice(offset).split('\n').filter((l) => l.trim());
    const lines = await waitFor('the request line', async () => {
      const l = fresh(functionsLog, from.functions);
      return l.some((x) => x.includes('"function":"unsubscribe"')) ? l : null;
    }, 20_000);
    const records = lines.map((l) => parseLogLine(l));
    expect(lines.filter((_, i) => records[i] === null), 'functions.log lines that are not JSON log records').toEqual([]);
    const request = records.find((r) => r?.function === 'unsubscribe');
    expect(request).toMatchObject({ level: 'info', service: 'functions', method: 'GET', status: res.status });
    expect(request?.duration_ms).toBeGreaterThanOrEqual(0);
    const gateway = fresh(gatewayLog, from.gateway);
    expect(gateway.filter((l) => parseLogLine(l) === null)).toEqual([]);
    for (const secret of [info.serviceRoleKey, info.jwtSecret]) expect(readFileSync(functionsLog, 'utf8').includes(secret)).toBe(false);
  }, 60_000);
});
