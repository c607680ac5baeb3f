/**
 * `flowlens worker`: claims jobs from the queue and runs them, up to FLOWLENS_CONCURRENCY at once in
 * one browser. Each job holds a lease it renews with heartbeats; its report goes to complete_job,
 * which finalises the run when the job is the last one.
 *
 * Shutdown: on SIGTERM the worker stops claiming, lets running jobs finish within
 * FLOWLENS_SHUTDOWN_GRACE_MS and gives back (release_job) the ones that do not. A worker killed
 * with SIGKILL loses nothing either: its leases expire and another worker takes the jobs.
 */
import http from 'node:http';
import { credentialLookup, flowFromRows, parseReport, urlTemplate, type Report } from '@flowlens/core';
import { BrowserPool } from '../browser/pool.ts';
import type { PageFingerprint } from '../detectors/page-structure.ts';
import { buildReport } from '../report/build.ts';
import { claudeTieBreaker } from '../replay/claude.ts';
import { discover } from '../replay/discover.ts';
import { runFlow } from '../replay/runner.ts';
import { detectorSettings } from '../replay/settings.ts';
import { loadWorkerConfig, type WorkerConfig } from './config.ts';
import { Queue, RefusedError, type JobPayload } from './queue.ts';
import { missingSecrets, needsSetupResult } from '../secrets-check.ts';

class JobTimeout extends Error {}

export class Worker {
  private readonly queue: Queue;
  private readonly pool: BrowserPool;
  private stopping = false;
  private readonly active = new Map<string, { abort: () => void; done: Promise<void> }>();
  private lastTick = Date.now();
  private health: http.Server | null = null;
  jobsDone = 0;

  constructor(private readonly config: WorkerConfig, private readonly log: (line: string) => void = (l) => console.log(l)) {
    this.queue = new Queue(config.supabaseUrl, config.serviceRoleKey, (line) => this.log(line));
    this.pool = new BrowserPool({ maxContextsPerBrowser: config.maxContextsPerBrowser, maxBrowserRssMb: config.maxBrowserRssMb });
  }

  get activeJobs(): number {
    return this.active.size;
  }

  get poolStats() {
    return this.pool.stats;
  }

  private startHealth(): void {
    if (this.config.healthPort === 0) return;
    this.health = http.createServer((req, res) => {
      const stale = Date.now() - this.lastTick > Math.max(60_000, this.config.pollIntervalMs * 5);
      if (req.url === '/healthz') return void res.writeHead(stale ? 503 : 200).end(stale ? 'claim loop stalled' : 'ok');
      if (req.url === '/readyz') return void res.writeHead(this.stopping ? 503 : 200).end(this.stopping ? 'shutting down' : 'ready');
      res.writeHead(404).end();
    });
    this.health.listen(this.config.healthPort, '0.0.0.0');
  }

  private loop: Promise<void> | null = null;

  /** Runs until stop() is called. */
  run(): Promise<void> {
    this.loop ??= this.claimLoop();
    return this.loop;
  }

  private async claimLoop(): Promise<void> {
    this.startHealth();
    this.log(`flowlens worker ${this.config.workerId}: concurrency ${this.config.concurrency}, lease ${this.config.leaseSeconds} s`);
    while (!this.stopping) {
      this.lastTick = Date.now();
      const free = this.config.concurrency - this.active.size;
      let claimed: JobPayload[] = [];
      if (free > 0) {
        try {
          claimed = await this.queue.claim(this.config.workerId, free, this.config.leaseSeconds, this.config.onlySites);
        } catch (e) {
          this.log(`claim failed: ${(e as Error).message}; retrying`);
        }
      }
      if (this.stopping) {
        // Claimed while shutting down: give them straight back.
        for (const job of claimed) await this.queue.release(job.job.id, this.config.workerId).catch(() => false);
        break;
      }
      for (const job of claimed) this.start(job);
      if (claimed.length === 0 || free - claimed.length <= 0) await this.sleep(this.config.pollIntervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
  private wake: () => void = () => {};

  private start(p: JobPayload): void {
    let aborted = false;
    let abortReason = '';
    const controller = { abort: () => { aborted = true; } };
    const label = `${p.job.id.slice(0, 8)} ${p.flow ? `flow "${p.flow.name}"` : 'discovery'} on ${p.job.viewport} for ${p.site.name}`;
    const done = (async () => {
      this.log(`▶ job ${label} (attempt ${p.job.attempts}/${p.job.maxAttempts})`);
      const heartbeat = setInterval(() => {
        this.queue.heartbeat(p.job.id, this.config.workerId, this.config.leaseSeconds).then(
          (held) => {
            if (!held) {
              aborted = true;
              abortReason = 'lease lost';
            }
          },
          () => {},
        );
      }, Math.max(1000, (this.config.leaseSeconds * 1000) / 3));
      let timer: NodeJS.Timeout | undefined;
      try {
        const report = await Promise.race([
          this.execute(p, () => aborted),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new JobTimeout(`the job ran longer than ${Math.round(this.config.jobTimeoutMs / 1000)} s`)), this.config.jobTimeoutMs);
          }),
        ]);
        if (aborted) {
          this.log(`✖ job ${label}: ${abortReason || 'stopped'}; not submitting`);
          return;
        }
        // The contract is checked where it crosses: a report that does not parse is never submitted.
        const res = await this.queue.complete(p.job.id, this.config.workerId, parseReport(report));
        this.jobsDone += 1;
        this.log(`✔ job ${label}: ${report.bugs.length} finding(s)${res.finalised ? '; run finalised' : ''}`);
      } catch (e) {
        // Validation errors list their problems on the following lines: keep them (bounded).
        const message = (e as Error).message.split('\n').slice(0, 6).join('\n') || 'error';
        if (this.stopping && !(e instanceof JobTimeout)) {
          await this.queue.release(p.job.id, this.config.workerId).catch(() => false);
          this.log(`↩ job ${label}: released on shutdown`);
          return;
        }
        // A report that does not meet the contract, or that the database refused, fails the same
        // way every time: the job fails for good instead of being retried with backoff.
        const retryable = !(e instanceof Error && (e.name === 'ValidationError' || e instanceof RefusedError));
        const status = await this.queue.fail(p.job.id, this.config.workerId, message, retryable).catch(() => 'unknown');
        this.log(`✖ job ${label}: ${message} (${status})`);
      } finally {
        clearInterval(heartbeat);
        clearTimeout(timer);
      }
    })().finally(() => {
      this.active.delete(p.job.id);
      this.wake();
    });
    this.active.set(p.job.id, { abort: controller.abort, done });
  }

  /** Runs one job and builds its report. */
  private async execute(p: JobPayload, isAborted: () => boolean): Promise<Report> {
    const baseUrl = p.site.baseUrl;
    const siteOrigin = new URL(baseUrl).origin;
    // Private addresses only for sites marked local (a column no client can set).
    const policy = { allowPrivate: p.site.isLocal, allowedPrivateOrigins: new Set<string>() };
    const templateOf = (url: string) => urlTemplate(url, baseUrl);
    const settings = detectorSettings({
      baselines: p.baselines,
      knownPages: new Map(p.pages.map((pg) => [pg.urlTemplate, pg.fingerprint as PageFingerprint])),
    });
    const startedAt = new Date().toISOString();
    const viewport = p.job.viewport;
    const newContext = () => {
      if (isAborted()) throw new Error('job aborted');
      return this.pool.lease(viewport, policy);
    };
    if (!p.flow) {
      const d = await discover({ startUrl: baseUrl, maxPages: Math.max(1, p.site.discoverPages), viewport, siteOrigin, templateOf, detectors: settings, newContext });
      return buildReport({ baseUrl, startedAt, finishedAt: new Date().toISOString(), flowRuns: [], discoveries: [d] });
    }
    const flow = flowFromRows(p.flow, p.flow.steps);
    const siteOrigins = [siteOrigin, ...p.site.allowedOrigins.flatMap((o) => {
      try {
        return [new URL(o).origin];
      } catch {
        return [];
      }
    })];
    const secrets = await credentialLookup(p.credentials, this.config.credentialsKey);
    // A secret the site never set is missing configuration, not a broken site: not run, no bug.
    const unset = missingSecrets([flow], (name) => (p.credentials.some((c) => c.name === name) ? 'set' : undefined));
    if (unset.length > 0) {
      this.log(`⚠ flow "${flow.name}" needs setup: secret(s) ${unset.map((m) => m.name).join(', ')} not set`);
      return buildReport({ baseUrl, startedAt, finishedAt: new Date().toISOString(), flowRuns: [{ result: needsSetupResult(flow, viewport, unset), flowId: p.flow.id, startedAt, needsSetup: unset.map((m) => m.name) }], discoveries: [] });
    }
    const result = await runFlow(flow, {
      viewport,
      newContext,
      siteOrigin,
      templateOf,
      secrets,
      detectors: settings,
      stepTimeoutMs: this.config.stepTimeoutMs,
      screenshotOrigins: siteOrigins,
      // A tenant's secret is typed only on its own site (issue 12).
      secretOrigins: siteOrigins,
      tieBreaker: this.config.anthropicApiKey ? claudeTieBreaker({ apiKey: this.config.anthropicApiKey, baseURL: process.env.ANTHROPIC_BASE_URL }) : undefined,
    });
    let screenshotPath: string | undefined;
    if (result.failure?.screenshot) {
      const path = `${p.site.id}/runs/${p.run.id}/${viewport}/${p.job.id}.png`;
      screenshotPath = (await this.queue.uploadScreenshot(this.config.screenshotBucket, path, result.failure.screenshot)) ?? undefined;
    }
    const failedStep = result.failure ? flow.steps[result.failure.stepIndex] : undefined;
    return buildReport({
      baseUrl,
      startedAt,
      finishedAt: new Date().toISOString(),
      flowRuns: [{ result, flowId: p.flow.id, startedAt, screenshotPath, failedSelector: failedStep && 'selectors' in failedStep ? failedStep.selectors?.[0]?.value : undefined }],
      discoveries: [],
    });
  }

  private stopped: Promise<void> | null = null;

  /** Stop claiming; wait for running jobs up to the grace period; release the rest. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop; // a claim in flight either starts its jobs before this or gives them back
    this.log(`stopping: ${this.active.size} job(s) running, up to ${this.config.shutdownGraceMs} ms to finish`);
    const all = Promise.all([...this.active.values()].map((a) => a.done));
    const graceOver = await Promise.race([all.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), this.config.shutdownGraceMs))]);
    if (graceOver) {
      for (const [id, a] of this.active) {
        a.abort();
        await this.queue.release(id, this.config.workerId).catch(() => false);
        this.log(`↩ released ${id.slice(0, 8)} on shutdown`);
      }
    }
    // Shutting down must end cleanly even when the browser does not go quietly.
    await this.pool.close().catch((e: Error) => this.log(`⚠ closing the browser failed: ${e.message}`));
    this.health?.close();
  }
}

export async function runWorker(): Promise<number> {
  let config: WorkerConfig;
  try {
    config = loadWorkerConfig();
  } catch (e) {
    console.error(`✖ ${(e as Error).message}`);
    return 2;
  }
  const worker = new Worker(config);
  const onSignal = (sig: string) => {
    console.log(`received ${sig}`);
    void worker.stop();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  await worker.run();
  // The loop ends only when stopping; exit once running jobs are finished or given back.
  await worker.stop();
  return 0;
}
