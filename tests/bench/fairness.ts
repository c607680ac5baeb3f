/**
 * `npm run bench:fairness [-- --runs N]` — fair claiming under a flood (issue 14): how long a calm
 * tenant's 6-job run takes on an idle fleet, and while another tenant has 2,000 jobs queued ahead
 * of it. Target: the calm run finishes within 2× its idle time.
 *
 * Real parts: a stack of its own (FLOWLENS_STACK_DIR, default .stack-bench-fairness;
 * FLOWLENS_STACK_PORT_BASE, default 64421), the real claim_jobs / complete_job through PostgREST
 * with the worker's own Queue client, real finalisation. Simulated: the work of a job — each of the
 * fleet's slots (BENCH_WORKERS workers × BENCH_CONCURRENCY, default 2 × 2, the worker's default
 * concurrency) holds a job for BENCH_JOB_MS (default 3,000 ms, ±25 % jitter; a real checkout
 * flow-run takes ~11 s of a context, README "Sizing") instead of running Chromium, so the figure
 * is about the queue, not about the machine's browsers.
 * Writes docs/benchmarks/fairness.md. The stack is stopped at the end unless BENCH_KEEP_STACK=1.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Queue } from '../../crawler/src/worker/queue.ts';
import { REPO_ROOT } from '../../stack/src/config.ts';
import { Stack } from '../../stack/src/stack.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const RUNS = Number(values.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs must be a positive integer');
const WORKERS = Number(process.env.BENCH_WORKERS ?? 2);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);
const JOB_MS = Number(process.env.BENCH_JOB_MS ?? 3000);
const FLOOD = Number(process.env.BENCH_FLOOD_JOBS ?? 2000);

const stack = new Stack(
  { dir: process.env.FLOWLENS_STACK_DIR ?? join(REPO_ROOT, '.stack-bench-fairness'), portBase: Number(process.env.FLOWLENS_STACK_PORT_BASE ?? 64421), fast: true },
  (l) => console.log(l),
);
const info = await stack.start();
const db = new pg.Client(info.dbUrl);
await db.connect();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function org(name: string): Promise<{ siteId: string }> {
  const o = (await db.query<{ id: string }>('insert into public.organizations (name) values ($1) returning id', [name])).rows[0]!.id;
  const site = (await db.query<{ id: string }>(
    `insert into public.sites (organization_id, name, base_url, viewports, discover_pages) values ($1, $2, 'https://bench.example.com', '{desktop,tablet,mobile}', 0) returning id`,
    [o, `${name} site`],
  )).rows[0]!.id;
  const flow = (await db.query<{ id: string }>(`insert into public.flows (site_id, name, start_url) values ($1, 'Checkout', 'https://bench.example.com/') returning id`, [site])).rows[0]!.id;
  await db.query(`insert into public.flow_steps (flow_id, position, action, data) values ($1, 0, 'navigate', '{"url":"https://bench.example.com/"}')`, [flow]);
  return { siteId: site };
}

/** The fleet: every slot claims one job at a time, holds it for the job time, completes it. */
function startFleet(onlySites: string[]): { stop: () => Promise<void>; done: () => number } {
  let running = true;
  let completed = 0;
  const queue = new Queue(info.apiUrl, info.serviceRoleKey);
  const slot = async (worker: string) => {
    while (running) {
      const [job] = await queue.claim(worker, 1, 120, onlySites);
      if (!job) {
        await sleep(200);
        continue;
      }
      await sleep(JOB_MS * (0.75 + Math.random() * 0.5));
      await queue.complete(job.job.id, worker, { bugs: [] });
      completed++;
    }
  };
  const loops: Promise<void>[] = [];
  for (let w = 0; w < WORKERS; w++) for (let c = 0; c < CONCURRENCY; c++) loops.push(slot(`bench-w${w}`));
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
    done: () => completed,
  };
}

/** Seconds from the calm run's enqueue to its finalisation. */
async function calmRun(siteId: string): Promise<number> {
  const started = Date.now();
  const run = (await db.query<{ id: string }>(`select private.enqueue_run($1, 'manual') as id`, [siteId])).rows[0]!.id;
  const jobs = Number((await db.query('select count(*) from public.crawl_jobs where run_id = $1', [run])).rows[0].count);
  if (jobs !== 6) throw new Error(`the calm run has ${jobs} jobs, not 6`);
  for (;;) {
    const r = await db.query<{ finished_at: Date | null; status: string }>('select finished_at, status from public.crawl_runs where id = $1', [run]);
    if (r.rows[0]!.finished_at) {
      if (r.rows[0]!.status !== 'completed') throw new Error(`the calm run ended ${r.rows[0]!.status}`);
      return (Date.now() - started) / 1000;
    }
    await sleep(25);
  }
}

async function flood(siteId: string): Promise<void> {
  const run = (await db.query<{ id: string }>(`insert into public.crawl_runs (site_id, trigger, viewports) values ($1, 'deploy', '{desktop}') returning id`, [siteId])).rows[0]!.id;
  await db.query(`insert into public.crawl_jobs (run_id, site_id, viewport) select $1, $2, 'desktop' from generate_series(1, $3)`, [run, siteId, FLOOD]);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const calm = await org(`Calm ${Date.now()}`);
const noisy = await org(`Flood ${Date.now()}`);
const sites = [calm.siteId, noisy.siteId];
const idle: number[] = [];
const flooded: number[] = [];
const claimMs: number[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    // Idle fleet: only the calm tenant's run.
    const fleet = startFleet(sites);
    idle.push(await calmRun(calm.siteId));
    await fleet.stop();

    // Flooded fleet: 2,000 jobs of the other tenant are queued first and the fleet is busy with them.
    await flood(noisy.siteId);
    const busy = startFleet(sites);
    await sleep(JOB_MS * 2);
    flooded.push(await calmRun(calm.siteId));
    await busy.stop();
    // What one claim costs with the flood queued (the window functions rank every claimable job),
    // the fleet stopped so no other claim holds the claim lock.
    for (let k = 0; k < 3; k++) {
      const t = process.hrtime.bigint();
      await db.query(`select count(*) from public.claim_jobs('bench-probe', 1, 60, $1::uuid[])`, [[noisy.siteId]]);
      claimMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    console.log(`run ${i + 1}: idle ${idle[i]!.toFixed(2)} s, with the flood ${flooded[i]!.toFixed(2)} s (${busy.done()} flood jobs done meanwhile)`);
    await db.query(`delete from public.crawl_runs where site_id = $1`, [noisy.siteId]);
  }
} finally {
  await db.query('delete from public.organizations where id in (select organization_id from public.sites where id = any ($1::uuid[]))', [sites]);
  await db.end();
  if (process.env.BENCH_KEEP_STACK !== '1') await stack.stop();
}

const ratio = median(flooded) / median(idle);
const lines = [
  '# Fair claiming under a flood',
  '',
  `\`npm run bench:fairness -- --runs ${RUNS}\` on ${cpus().length} cores (load average ${loadavg()[0]!.toFixed(1)} at the end), ${new Date().toISOString().slice(0, 10)}.`,
  '',
  `Fleet: ${WORKERS} workers × ${CONCURRENCY} slots, each job held ${JOB_MS} ms ±25 % (simulated work; real claim_jobs, complete_job and`,
  'finalisation through PostgREST with the worker\'s Queue client). The calm tenant\'s run has 6 jobs (1 flow + page discovery × 3',
  `viewports); the other tenant queues ${FLOOD.toLocaleString('en')} jobs first and the fleet is busy with them when the calm run is enqueued.`,
  '',
  '| what | median | runs |',
  '|---|---|---|',
  `| calm 6-job run, idle fleet | ${median(idle).toFixed(2)} s | ${idle.map((x) => x.toFixed(2)).join(', ')} |`,
  `| calm 6-job run, ${FLOOD.toLocaleString('en')} jobs of another tenant queued first | ${median(flooded).toFixed(2)} s | ${flooded.map((x) => x.toFixed(2)).join(', ')} |`,
  `| ratio (target ≤ 2×) | **${ratio.toFixed(2)}×** | |`,
  `| one claim_jobs call with ${FLOOD.toLocaleString('en')} jobs queued (SQL, one job, fleet stopped) | ${median(claimMs).toFixed(1)} ms | ${claimMs.map((x) => x.toFixed(1)).join(', ')} |`,
  '',
  `First-in first-out claiming (before issue 14) would have run the calm jobs after the ${FLOOD.toLocaleString('en')} flood jobs:`,
  `about ${((FLOOD / (WORKERS * CONCURRENCY)) * JOB_MS / 1000 / 60).toFixed(0)} minutes on this fleet.`,
  '',
];
mkdirSync(join(REPO_ROOT, 'docs', 'benchmarks'), { recursive: true });
writeFileSync(join(REPO_ROOT, 'docs', 'benchmarks', 'fairness.md'), lines.join('\n'));
console.log(lines.join('\n'));
if (ratio > 2) process.exitCode = 1;
