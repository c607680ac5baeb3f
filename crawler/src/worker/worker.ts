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
import { createLogger, errorFields, processSecrets, resolveLogFormat, type Logger } from '../log.ts';
import { loadWorkerConfig, type WorkerConfig } from './config.ts';
import { WorkerMetrics, type JobKind, type JobOutcome } from './metrics.ts';
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
  readonly metrics: WorkerMetrics;
  private readonly log: Logger;

  get logger(): Logger {
    return this.log;
  }

  constructor(private readonly config: WorkerConfig, log?: Logger) {
    // Whatever a line says, these values are scrubbed from it (issue 15).
    processSecrets.add(config.serviceRoleKey, config.credentialsKey, config.anthropicApiKey);
    this.log =
      log ??
      createLogger({
        format: resolveLogFormat(config.logFormat, process.stdout.isTTY === true),
        service: 'worker',
        base: { worker_id: config.workerId },
        level: config.logLevel,
      });
    this.queue = new Queue(config.supabaseUrl, config.serviceRoleKey, (line) => this.log.warn(line));
    this.pool = new BrowserPool({
      maxContextsPerBrowser: config.maxContextsPerBrowser,
      maxBrowserRssMb: config.maxBrowserRssMb,
      log: (line) => this.log.warn(line),
      onRecycle: (reason) => {
        this.metrics.browserRecycles.inc({ reason });
        this.log.info({ reason }, `recycling the browser (${reason})`);
      },
    });
    this.metrics = new WorkerMetrics({
      queueSnapshot: config.queueMetrics ? () => this.queue.metrics() : null,
      contextsOpen: () => this.pool.openContexts,
      jobsRunning: () => this.active.size,
      concurrency: config.concurrency,
    });
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
      if (req.url === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
        this.metrics.text().then(
          (body) => res.writeHead(200, { 'content-type': this.metrics.contentType }).end(req.method === 'HEAD' ? undefined : body),
          (e: unknown) => {
            this.log.error({ err: errorFields(e) }, 'metrics could not be collected');
            res.writeHead(500).end('metrics could not be collected');
          },
        );
        return;
      }
      const stale = Date.now() - this.lastTick > Math.max(60_000, this.config.pollIntervalMs * 5);
      if (req.url === '/healthz') return void res.writeHead(stale ? 503 : 200).end(stale ? 'claim loop stalled' : 'ok');
      if (req.url === '/readyz') return void res.writeHead(this.stopping ? 503 : 200).end(this.stopping ? 'shutting down' : 'ready');
      res.writeHead(404).end();
    });
    this.health.on('error', (e) => this.log.error({ err: errorFields(e) }, `the health and metrics port ${this.config.healthPort} could not be opened`));
    this.health.listen(this.config.healthPort, this.config.healthHost);
  }

  private loop: Promise<void> | null = null;

  /** Runs until stop() is called. */
  run(): Promise<void> {
    this.loop ??= this.claimLoop();
    return this.loop;
  }

  private async claimLoop(): Promise<void> {
    this.startHealth();
    this.log.info(
      { concurrency: this.config.concurrency, lease_seconds: this.config.leaseSeconds, health_port: this.config.healthPort || null },
      `flowlens worker ${this.config.workerId}: concurrency ${this.config.concurrency}, lease ${this.config.leaseSeconds} s${this.config.healthPort ? `, metrics on :${this.config.healthPort}/metrics` : ''}`,
    );
    while (!this.stopping) {
      this.lastTick = Date.now();
      this.metrics.lastClaimLoop.setToCurrentTime();
      const free = this.config.concurrency - this.active.size;
      let claimed: JobPayload[] = [];
      if (free > 0) {
        try {
          claimed = await this.queue.claim(this.config.workerId, free, this.config.leaseSeconds, this.config.onlySites);
        } catch (e) {
          this.log.warn({ err: errorFields(e) }, `claim failed: ${(e as Error).message}; retrying`);
        }
      }
      if (this.stopping) {
        // Claimed while shutting down: give them straight back.
        for (const job of claimed) await this.queue.release(job.job.id, this.config.workerId).catch(() => false);
        break;
      }
      if (claimed.length > 0) this.metrics.jobsClaimed.inc(claimed.length);
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
    const kind: JobKind = p.flow ? 'flow' : 'discovery';
    // Every line about this job carries its ids (core/src/log.ts), so one job, run, site or tenant
    // can be followed through the fleet's logs.
    const log = this.log.child({
      ...(p.job.organizationId ? { org_id: p.job.organizationId } : {}),
      site_id: p.job.siteId,
      run_id: p.job.runId,
      job_id: p.job.id,
      ...(p.job.flowId ? { flow_id: p.job.flowId } : {}),
      viewport: p.job.viewport,
    });
    const claimedAt = Date.now();
    const finish = (outcome: JobOutcome) => {
      const seconds = (Date.now() - claimedAt) / 1000;
      this.metrics.jobsCompleted.inc({ kind, outcome });
      this.metrics.jobDuration.observe({ kind }, seconds);
      return Math.round(seconds * 1000);
    };
    const done = (async () => {
      log.info({ attempt: p.job.attempts, max_attempts: p.job.maxAttempts }, `▶ job ${label} (attempt ${p.job.attempts}/${p.job.maxAttempts})`);
      const heartbeat = setInterval(() => {
        this.queue.heartbeat(p.job.id, this.config.workerId, this.config.leaseSeconds).then(
          (held) => {
            if (!held) {
              this.metrics.leaseRenewalsFailed.inc();
              aborted = true;
              abortReason = 'lease lost';
            }
          },
          (e: unknown) => {
            // A failed renewal is retried at the next beat; the lease still has two thirds to run.
            this.metrics.leaseRenewalsFailed.inc();
            log.warn({ err: errorFields(e) }, 'lease renewal failed; trying again at the next heartbeat');
          },
        );
      }, Math.max(1000, (this.config.leaseSeconds * 1000) / 3));
      let timer: NodeJS.Timeout | undefined;
      try {
        const report = await Promise.race([
          this.execute(p, () => aborted, log),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new JobTimeout(`the job ran longer than ${Math.round(this.config.jobTimeoutMs / 1000)} s`)), this.config.jobTimeoutMs);
          }),
        ]);
        if (aborted) {
          const duration_ms = finish(abortReason === 'lease lost' ? 'lost' : 'released');
          log.warn({ duration_ms }, `✖ job ${label}: ${abortReason || 'stopped'}; not submitting`);
          return;
        }
        // The contract is checked where it crosses: a report that does not parse is never submitted.
        const res = await this.queue.complete(p.job.id, this.config.workerId, parseReport(report));
        this.jobsDone += 1;
        const healed = report.runs.reduce((n, r) => n + r.steps.filter((s) => s.status === 'healed').length, 0);
        if (healed > 0) this.metrics.stepsHealed.inc(healed);
        const duration_ms = finish('succeeded');
        log.info(
          { duration_ms, findings: report.bugs.length, healed_steps: healed, finalised: res.finalised === true, outcome: report.runs[0]?.status },
          `✔ job ${label}: ${report.bugs.length} finding(s)${res.finalised ? '; run finalised' : ''}`,
        );
      } catch (e) {
        // Validation errors list their problems on the following lines: keep them (bounded).
        const message = (e as Error).message.split('\n').slice(0, 6).join('\n') || 'error';
        if (this.stopping && !(e instanceof JobTimeout)) {
          await this.queue.release(p.job.id, this.config.workerId).catch(() => false);
          const duration_ms = finish('released');
          log.info({ duration_ms }, `↩ job ${label}: released on shutdown`);
          return;
        }
        // A report that does not meet the contract, or that the database refused, fails the same
        // way every time: the job fails for good instead of being retried with backoff.
        const retryable = !(e instanceof Error && (e.name === 'ValidationError' || e instanceof RefusedError));
        const status = await this.queue.fail(p.job.id, this.config.workerId, message, retryable).catch(() => 'unknown');
        const duration_ms = finish('failed');
        log.error({ duration_ms, err: errorFields(e), job_status: status, retryable }, `✖ job ${label}: ${message} (${status})`);
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
  private async execute(p: JobPayload, isAborted: () => boolean, log: Logger): Promise<Report> {
    const settings = detectorSettings({
      baselines: p.baselines,
      knownPages: new Map(p.pages.map((pg) => [pg.urlTemplate, pg.fingerprint as PageFingerprint])),
      audits: new Map(p.audits.map((a) => [a.urlTemplate, a])),
    });
    try {
      return await this.runJob(p, isAborted, log, settings);
    } finally {
      // Detector time per page goes to flowlens_detector_duration_seconds whatever the job's end.
      this.metrics.observeDetectors(settings.timings);
    }
  }

  private async runJob(p: JobPayload, isAborted: () => boolean, log: Logger, settings: ReturnType<typeof detectorSettings>): Promise<Report> {
    const baseUrl = p.site.baseUrl;
    const siteOrigin = new URL(baseUrl).origin;
    // Private addresses only for sites marked local (a column no client can set).
    const policy = { allowPrivate: p.site.isLocal, allowedPrivateOrigins: new Set<string>() };
    const templateOf = (url: string) => urlTemplate(url, baseUrl);
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
    const lookup = await credentialLookup(p.credentials, this.config.credentialsKey);
    // A decrypted value joins the process's secrets: no log line can carry it from here on.
    const secrets = (name: string) => {
      const value = lookup(name);
      if (value) processSecrets.add(value);
      return value;
    };
    // A secret the site never set is missing configuration, not a broken site: not run, no bug.
    const unset = missingSecrets([flow], (name) => (p.credentials.some((c) => c.name === name) ? 'set' : undefined));
    if (unset.length > 0) {
      log.warn({ missing_secrets: unset.map((m) => m.name) }, `⚠ flow "${flow.name}" needs setup: secret(s) ${unset.map((m) => m.name).join(', ')} not set`);
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
    this.log.info({ jobs_running: this.active.size }, `stopping: ${this.active.size} job(s) running, up to ${this.config.shutdownGraceMs} ms to finish`);
    const all = Promise.all([...this.active.values()].map((a) => a.done));
    const graceOver = await Promise.race([all.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), this.config.shutdownGraceMs))]);
    if (graceOver) {
      for (const [id, a] of this.active) {
        a.abort();
        await this.queue.release(id, this.config.workerId).catch(() => false);
        this.log.info({ job_id: id }, `↩ released ${id.slice(0, 8)} on shutdown`);
      }
    }
    // Shutting down must end cleanly even when the browser does not go quietly.
    await this.pool.close().catch((e: Error) => this.log.warn({ err: e.message }, `⚠ closing the browser failed: ${e.message}`));
    this.health?.close();
  }
}

export async function runWorker(): Promise<number> {
  let config: WorkerConfig;
  try {
    config = loadWorkerConfig();
  } catch (e) {
    let format: 'json' | 'pretty' = 'pretty';
    try {
      format = resolveLogFormat(process.env.FLOWLENS_LOG_FORMAT, process.stderr.isTTY === true);
    } catch {
      /* the format itself is among the problems listed below */
    }
    createLogger({ format, service: 'worker', out: process.stderr }).fatal({ err: errorFields(e) }, `✖ ${(e as Error).message}`);
    return 2;
  }
  const worker = new Worker(config);
  const onSignal = (sig: string) => {
    worker.logger.info({ signal: sig }, `received ${sig}`);
    void worker.stop();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  await worker.run();
  // The loop ends only when stopping; exit once running jobs are finished or given back.
  await worker.stop();
  return 0;
}
