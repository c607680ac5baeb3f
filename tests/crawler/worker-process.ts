/**
 * A real `flowlens worker` process on the local test stack, as the crawler tests start it: a site of
 * its own with saved flows, a run enqueued the way the schedule does, the worker spawned with the
 * service role and limited to that site, and polling until the database (or the worker) says so.
 * Shared by tests/crawler/worker.test.ts and tests/crawler/observability.test.ts.
 *
 * Every worker started here is remembered; call stopWorkers() in afterAll.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flowToSavePayload, type Flow } from '@flowlens/core';
import { stackInfo, withDb } from '@flowlens/stack/testing';
import { insertRow } from '../database/world.ts';
import { keepWorkerLog } from './log-file.ts';

export const REPO_ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
const BIN = join(REPO_ROOT, 'crawler', 'bin', 'flowlens.mjs');

export interface TestSite {
  siteId: string;
  orgId: string;
  flowIds: string[];
}

/** An organisation and a local site on `baseUrl` (desktop only), with the flows saved through save_flow. */
export async function createSite(opts: { org: string; name: string; baseUrl: string; flows: Flow[]; discoverPages: number }): Promise<TestSite> {
  return withDb(async (db) => {
    const org = await insertRow(db, 'organizations', { name: opts.org });
    const site = await insertRow(db, 'sites', { organization_id: org.id, name: opts.name, base_url: opts.baseUrl, is_local: true, viewports: ['desktop'], discover_pages: opts.discoverPages });
    const flowIds: string[] = [];
    for (const flow of opts.flows) {
      const saved = await db.query<{ id: string }>('select (public.save_flow($1)).id as id', [JSON.stringify(flowToSavePayload(flow, site.id as string))]);
      flowIds.push(saved.rows[0]!.id);
    }
    return { siteId: site.id as string, orgId: org.id as string, flowIds };
  });
}

/** A manual run of the site, enqueued as "Run now" does; its id. */
export async function enqueueRun(siteId: string): Promise<string> {
  return withDb(async (db) => (await db.query<{ id: string }>(`select private.enqueue_run($1, 'manual') as id`, [siteId])).rows[0]!.id);
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr. */
  output: () => string;
}

const started: ChildProcess[] = [];

/**
 * Spawns `flowlens worker` claiming only `siteId`'s jobs (two at a time, polling every 200 ms, the
 * health endpoint on a free port unless `env` says otherwise). Its output is also kept with the
 * stack's logs: the suite's secret scan (scripts/test.ts) reads them all.
 */
export function spawnWorker(siteId: string, id: string, env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const info = stackInfo();
  const child = spawn(process.execPath, [BIN, 'worker'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      SUPABASE_URL: info.apiUrl,
      SUPABASE_SERVICE_ROLE_KEY: info.serviceRoleKey,
      FLOWLENS_WORKER_ID: id,
      FLOWLENS_ONLY_SITES: siteId,
      FLOWLENS_CONCURRENCY: '2',
      FLOWLENS_POLL_INTERVAL_MS: '200',
      FLOWLENS_HEALTH_PORT: '0',
      ...env,
    },
  });
  keepWorkerLog(child, id);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  started.push(child);
  return { child, output: () => out };
}

/** Kills every worker this file started that is still running. */
export function stopWorkers(): void {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
}

/** Polls `fn` until it answers something truthy; on timeout the error carries the worker's output. */
export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number, output?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Timed out waiting for ${what}.${output ? `\nWorker output:\n${output()}` : ''}`);
}
