/**
 * The demo behind `npm start`: the Lumen Supply fixture shop with a handful of real defects, a
 * demo site watching it with two flows recorded with the extension (a critical checkout and a
 * sign-up that signs in with a stored secret), a crawler worker, the dashboard dev server, and the
 * first crawl on all three viewports.
 *
 * Everything is idempotent: a second `npm start` finds the site and flows, leaves them as they are
 * (so the history grows run after run) and only crawls again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encryptCredential, flowToSavePayload, loadFlowJson } from '@flowlens/core';
import { withClient } from '../stack/src/postgres.ts';
import type { DemoSeed } from '../stack/src/seed.ts';
import type { Stack } from '../stack/src/stack.ts';
import { DEMO_CUSTOMER, startShop, type DefectName, type Shop } from '../tests/fixtures/index.ts';

export const REPO_ROOT = join(import.meta.dirname, '..');

/** Recorded flows use this origin; the demo replaces it with the shop's real URL. */
export const RECORDED_ORIGIN = 'http://shop.example.com';
/** The flows the demo site starts with (override with FLOWLENS_DEMO_FLOWS_DIR to seed your own). */
export const DEMO_FLOWS_DIR = process.env.FLOWLENS_DEMO_FLOWS_DIR ?? join(REPO_ROOT, 'tests', 'fixtures', 'shop', 'flows');
export const DEMO_SITE_NAME = 'Lumen Supply (demo shop)';

/** Real, varied defects switched on in the demo shop: what the first crawl should find. */
export const DEMO_DEFECTS: DefectName[] = [
  'product-js-error', // P1 JavaScript error on every product page
  'signup-mobile-hidden-button', // P1: the sign-up flow breaks on mobile only
  'signup-renamed-ids', // a refactor the crawler heals (a selector proposal to accept)
  'broken-image', // P2 broken image
  'mobile-overflow', // P2 layout overflow on mobile
  'a11y-contrast', // accessibility: low-contrast text
  'console-error', // P3 console error
];

export interface DemoPorts {
  shop: number;
  dashboard: number;
  /** The worker's /healthz, /readyz and /metrics. */
  workerMetrics: number;
}

export function demoPorts(stack: Stack): DemoPorts {
  // Just above the stack's own block, so two checkouts with different port bases never collide.
  const base = stack.config.ports.gateway;
  return { shop: base + 19, dashboard: base + 20, workerMetrics: base + 22 };
}

export async function startDemoShop(port: number): Promise<Shop> {
  try {
    return await startShop({ port, defects: DEMO_DEFECTS });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`Port ${port} (the demo shop) is taken by another program. Stop it, or give FlowLens another port block: FLOWLENS_STACK_PORT_BASE=<port> npm start.`, { cause: e });
    }
    throw e;
  }
}

export interface DemoSite {
  siteId: string;
  flows: { id: string; name: string; critical: boolean }[];
  created: boolean;
}

/** The demo site and its flows, created once; the secret the sign-up flow types, stored encrypted. */
export async function seedDemoSite(stack: Stack, demo: DemoSeed, shopUrl: string): Promise<DemoSite> {
  const files = existsSync(DEMO_FLOWS_DIR) ? readdirSync(DEMO_FLOWS_DIR).filter((f) => f.endsWith('.json')).sort() : [];
  if (files.length === 0) throw new Error(`No demo flows in ${DEMO_FLOWS_DIR}.`);
  return withClient(stack.dbUrl, async (db) => {
    const existing = await db.query<{ id: string }>('select id from public.sites where organization_id = $1 and name = $2', [demo.organizationId, DEMO_SITE_NAME]);
    let siteId = existing.rows[0]?.id;
    const created = !siteId;
    await db.query('begin');
    try {
      if (!siteId) {
        const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
        const site = await db.query<{ id: string }>(
          `insert into public.sites (organization_id, name, base_url, is_local, timezone, viewports, discover_pages, created_by)
           values ($1, $2, $3, true, $4, array['desktop','tablet','mobile'], 5, $5) returning id`,
          [demo.organizationId, DEMO_SITE_NAME, shopUrl, tz, demo.userId],
        );
        siteId = site.rows[0]!.id;
      } else {
        // The shop listens on the same port every time; keep the URL right if the port block moved.
        await db.query('update public.sites set base_url = $2 where id = $1 and base_url <> $2', [siteId, shopUrl]);
      }
      const have = await db.query<{ name: string }>('select name from public.flows where site_id = $1', [siteId]);
      const names = new Set(have.rows.map((r) => r.name));
      for (const file of files) {
        const raw = readFileSync(join(DEMO_FLOWS_DIR, file), 'utf8').replaceAll(RECORDED_ORIGIN, shopUrl);
        const { flow } = loadFlowJson(JSON.parse(raw) as unknown);
        if (names.has(flow.name)) continue;
        await db.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ sub: demo.userId, role: 'authenticated' })]);
        await db.query('select public.save_flow($1)', [JSON.stringify(flowToSavePayload(flow, siteId))]);
      }
      // The sign-up flow types {{secret:PASSWORD}}: the demo stores it like a user would, encrypted.
      await db.query(
        `insert into public.site_credentials (site_id, name, ciphertext, created_by) values ($1, 'PASSWORD', $2, $3)
         on conflict (site_id, name) do nothing`,
        [siteId, await encryptCredential(DEMO_CUSTOMER.password, stack.secrets.credentialsKey), demo.userId],
      );
      await db.query('commit');
    } catch (e) {
      await db.query('rollback');
      throw e;
    }
    const flows = await db.query<{ id: string; name: string; critical: boolean }>('select id, name, critical from public.flows where site_id = $1 order by critical desc, name', [siteId]);
    return { siteId: siteId!, flows: flows.rows, created };
  });
}

/** A child process whose output goes to a log file in the stack folder. */
export function spawnLogged(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, logDir: string, cwd = REPO_ROOT): ChildProcess {
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  // Its own process group: a Ctrl-C in the terminal reaches `npm start`, which stops the children
  // in order (the worker gets SIGTERM and finishes or releases its jobs) instead of all at once.
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

export function startWorker(stack: Stack, logDir: string, metricsPort: number): ChildProcess {
  const info = stack.info();
  return spawnLogged(
    'worker',
    process.execPath,
    [join(REPO_ROOT, 'crawler', 'bin', 'flowlens.mjs'), 'worker'],
    {
      ...process.env,
      SUPABASE_URL: info.apiUrl,
      SUPABASE_SERVICE_ROLE_KEY: info.serviceRoleKey,
      FLOWLENS_CREDENTIALS_KEY: stack.secrets.credentialsKey,
      FLOWLENS_WORKER_ID: 'local-demo-worker',
      FLOWLENS_CONCURRENCY: '2',
      FLOWLENS_POLL_INTERVAL_MS: '1000',
      // /healthz, /readyz and Prometheus /metrics (issue 15), as in production.
      FLOWLENS_HEALTH_PORT: String(metricsPort),
      FLOWLENS_HEALTH_HOST: '127.0.0.1',
      // JSON lines in worker.log: `npm run stack -- logs` reads them back readably.
      FLOWLENS_LOG_FORMAT: 'json',
    },
    logDir,
  );
}

export function startDashboard(stack: Stack, port: number, logDir: string): ChildProcess {
  const info = stack.info();
  const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  return spawnLogged(
    'dashboard',
    process.execPath,
    [vite, '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
    { ...process.env, VITE_SUPABASE_URL: info.apiUrl, VITE_SUPABASE_ANON_KEY: info.anonKey },
    logDir,
    join(REPO_ROOT, 'dashboard'),
  );
}

/**
 * The extension's build reads its default backend from `.env.local` (gitignored); the anon key is
 * public by design, the service-role key is never written there.
 */
export function writeExtensionEnv(stack: Stack, dashboardUrl: string): string {
  const info = stack.info();
  const file = join(REPO_ROOT, '.env.local');
  writeFileSync(
    file,
    `# Written by npm start for this machine's local stack: \`npm run build:extension\` bakes these in as defaults.\nWXT_SUPABASE_URL=${info.apiUrl}\nWXT_SUPABASE_ANON_KEY=${info.anonKey}\nWXT_DASHBOARD_URL=${dashboardUrl}\n`,
  );
  return file;
}

export async function enqueueDemoRun(stack: Stack, siteId: string): Promise<string> {
  return withClient(stack.dbUrl, async (db) => (await db.query<{ id: string }>(`select private.enqueue_run($1, 'manual') as id`, [siteId])).rows[0]!.id);
}

export interface RunOutcome {
  status: string;
  healthScore: number | null;
  bySeverity: Record<string, number>;
  durationS: number;
  newBugs: number;
}

export async function waitForRun(stack: Stack, runId: string, timeoutMs: number, onTick?: (done: number, total: number) => void): Promise<RunOutcome> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await withClient(stack.dbUrl, async (db) => {
      const run = await db.query<{ status: string; finished_at: Date | null; started_at: Date | null; created_at: Date; health_score: number | null; site_id: string; summary: { new?: unknown[] } | null }>(
        'select status, finished_at, started_at, created_at, health_score, site_id, summary from public.crawl_runs where id = $1',
        [runId],
      );
      const jobs = await db.query<{ total: number; done: number }>(
        `select count(*)::int as total, count(*) filter (where status in ('done','failed','cancelled'))::int as done from public.crawl_jobs where run_id = $1`,
        [runId],
      );
      return { run: run.rows[0], jobs: jobs.rows[0]! };
    });
    if (!state.run) throw new Error(`Run ${runId} disappeared.`);
    onTick?.(state.jobs.done, state.jobs.total);
    if (state.run.finished_at) {
      const bugs = await withClient(stack.dbUrl, async (db) =>
        (await db.query<{ severity: string; n: number }>(`select severity, count(*)::int as n from public.bugs where site_id = $1 and status in ('new','active','regressed') group by severity`, [state.run!.site_id])).rows,
      );
      return {
        status: state.run.status,
        healthScore: state.run.health_score,
        bySeverity: Object.fromEntries(bugs.map((b) => [b.severity, b.n])),
        durationS: Math.round((state.run.finished_at.getTime() - (state.run.started_at ?? state.run.created_at).getTime()) / 1000),
        newBugs: state.run.summary?.new?.length ?? 0,
      };
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`The first crawl did not finish within ${Math.round(timeoutMs / 1000)} s; see the worker log.`);
}

export function summariseRun(o: RunOutcome): string {
  const order = ['P0', 'P1', 'P2', 'P3'];
  const counts = order.filter((s) => o.bySeverity[s]).map((s) => `${o.bySeverity[s]} ${s}`);
  const total = Object.values(o.bySeverity).reduce((a, b) => a + b, 0);
  const score = o.healthScore === null ? 'no score' : `health score ${o.healthScore}`;
  if (total === 0) return `${score}, no open bugs (crawl took ${o.durationS} s)`;
  return `${score}, ${total} open bug${total === 1 ? '' : 's'} (${counts.join(', ')}), ${o.newBugs} new this run (crawl took ${o.durationS} s)`;
}
