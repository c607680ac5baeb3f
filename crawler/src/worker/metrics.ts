/**
 * The worker's Prometheus metrics (issue 15), served at GET /metrics on the health port.
 *
 * Two kinds live here:
 * - this worker's own counters and histograms (jobs claimed, completed by kind and outcome, job and
 *   detector durations, healed steps, browser recycles, open contexts, failed lease renewals), plus
 *   prom-client's default process metrics (memory, CPU, event-loop lag);
 * - the queue as the database sees it, read at scrape time from `public.queue_metrics()` — one SQL
 *   source of truth whichever worker (or exporter) is scraped. Every worker reports the same queue
 *   values, so dashboards and alerts aggregate them with max(), never sum().
 *
 * crawler/deploy/prometheus-rules.yaml and grafana-dashboard.json may only use names listed in
 * {@link EXPORTED_METRICS}; a test holds them to it.
 */
import { z } from 'zod';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const JOB_KINDS = ['flow', 'discovery'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/**
 * How a job this worker held ended:
 *   succeeded  its report was accepted by complete_job
 *   failed     it failed (error, timeout, refused report); the queue retries or gives up
 *   released   given back on shutdown (the attempt does not count)
 *   lost       its lease was lost (another worker took it over); nothing submitted
 */
export const JOB_OUTCOMES = ['succeeded', 'failed', 'released', 'lost'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

export const RECYCLE_REASONS = ['contexts', 'memory', 'wedged'] as const;
export type RecycleReason = (typeof RECYCLE_REASONS)[number];

/** What `public.queue_metrics()` answers (supabase/migrations/20261203004000_queue_metrics.sql). */
export const queueSnapshotSchema = z.object({
  jobs: z.record(z.string().max(20), z.number().int().nonnegative()),
  claimable: z.number().int().nonnegative(),
  expiredLeases: z.number().int().nonnegative(),
  oldestQueuedSeconds: z.number().finite().nonnegative(),
  runsRunning: z.number().int().nonnegative(),
  runsQueued: z.number().int().nonnegative(),
  outboxPending: z.array(z.object({ kind: z.string().max(40), destination: z.enum(['email', 'channel']), count: z.number().int().nonnegative() })).max(200),
  outboxOldestSeconds: z.number().finite().nonnegative(),
});
export type QueueSnapshot = z.infer<typeof queueSnapshotSchema>;

/** Job statuses reported as flowlens_queue_jobs{status}: the live ones (terminal rows only grow). */
export const LIVE_JOB_STATUSES = ['queued', 'running'] as const;

/** Every metric name this code exports (histograms add _bucket, _sum and _count). */
export const WORKER_METRICS = {
  jobsClaimed: 'flowlens_jobs_claimed_total',
  jobsCompleted: 'flowlens_jobs_completed_total',
  jobDuration: 'flowlens_job_duration_seconds',
  stepsHealed: 'flowlens_steps_healed_total',
  detectorDuration: 'flowlens_detector_duration_seconds',
  browserRecycles: 'flowlens_browser_recycles_total',
  browserContextsOpen: 'flowlens_browser_contexts_open',
  leaseRenewalsFailed: 'flowlens_lease_renewals_failed_total',
  jobsRunning: 'flowlens_jobs_running',
  workerConcurrency: 'flowlens_worker_concurrency',
  lastClaimLoop: 'flowlens_worker_claim_loop_timestamp_seconds',
} as const;

export const QUEUE_METRICS = {
  queueJobs: 'flowlens_queue_jobs',
  queueClaimable: 'flowlens_queue_claimable_jobs',
  queueExpiredLeases: 'flowlens_queue_expired_leases',
  queueOldestQueued: 'flowlens_queue_oldest_queued_seconds',
  runsRunning: 'flowlens_runs_running',
  runsQueued: 'flowlens_runs_queued',
  outboxPending: 'flowlens_outbox_pending',
  outboxOldest: 'flowlens_outbox_oldest_seconds',
  queueScrapeErrors: 'flowlens_queue_metrics_errors_total',
} as const;

const HISTOGRAMS = new Set<string>([WORKER_METRICS.jobDuration, WORKER_METRICS.detectorDuration]);

/** prom-client's default process metrics this worker exports (names used by the dashboard). */
export const DEFAULT_PROCESS_METRICS = [
  'process_cpu_seconds_total',
  'process_cpu_user_seconds_total',
  'process_cpu_system_seconds_total',
  'process_resident_memory_bytes',
  'process_start_time_seconds',
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_heap_size_used_bytes',
  'nodejs_heap_size_total_bytes',
] as const;

/** Every series name a rule or panel may refer to (a histogram by its _bucket, _sum and _count series; `up` is Prometheus's own). */
export function exportedSeriesNames(): Set<string> {
  const names = new Set<string>(['up', ...DEFAULT_PROCESS_METRICS]);
  for (const n of [...Object.values(WORKER_METRICS), ...Object.values(QUEUE_METRICS)]) {
    if (HISTOGRAMS.has(n)) for (const s of ['_bucket', '_sum', '_count']) names.add(`${n}${s}`);
    else names.add(n);
  }
  return names;
}

export interface WorkerMetricsOptions {
  /** Reads the queue snapshot at scrape time; null serves no queue metrics. */
  queueSnapshot: (() => Promise<unknown>) | null;
  /** Open browser contexts right now. */
  contextsOpen: () => number;
  jobsRunning: () => number;
  concurrency: number;
  /** Extra labels on every series (none by default: Prometheus adds instance/pod). */
  defaultLabels?: Record<string, string>;
}

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly jobsClaimed: Counter;
  readonly jobsCompleted: Counter<'kind' | 'outcome'>;
  readonly jobDuration: Histogram<'kind'>;
  readonly stepsHealed: Counter;
  readonly detectorDuration: Histogram<'detector'>;
  readonly browserRecycles: Counter<'reason'>;
  readonly leaseRenewalsFailed: Counter;
  readonly lastClaimLoop: Gauge;

  constructor(opts: WorkerMetricsOptions) {
    const registers = [this.registry];
    if (opts.defaultLabels) this.registry.setDefaultLabels(opts.defaultLabels);
    collectDefaultMetrics({ register: this.registry });
    this.jobsClaimed = new Counter({ name: WORKER_METRICS.jobsClaimed, help: 'Jobs this worker claimed from the queue.', registers });
    this.jobsCompleted = new Counter({ name: WORKER_METRICS.jobsCompleted, help: 'Jobs this worker finished holding, by kind (flow, discovery) and outcome (succeeded, failed, released, lost).', labelNames: ['kind', 'outcome'], registers });
    this.jobDuration = new Histogram({
      name: WORKER_METRICS.jobDuration,
      help: 'Wall-clock time of a job from claim to its end, by kind.',
      labelNames: ['kind'],
      buckets: [1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200],
      registers,
    });
    this.stepsHealed = new Counter({ name: WORKER_METRICS.stepsHealed, help: 'Flow steps whose element was found by healing rather than a recorded selector.', registers });
    this.detectorDuration = new Histogram({
      name: WORKER_METRICS.detectorDuration,
      help: 'Time one detector spent on one page, by detector.',
      labelNames: ['detector'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30],
      registers,
    });
    this.browserRecycles = new Counter({ name: WORKER_METRICS.browserRecycles, help: 'Browser restarts, by reason (contexts: the per-browser context budget; memory: over FLOWLENS_BROWSER_MAX_RSS_MB; wedged: a context close went unanswered).', labelNames: ['reason'], registers });
    this.leaseRenewalsFailed = new Counter({ name: WORKER_METRICS.leaseRenewalsFailed, help: 'Heartbeats that did not extend a lease (the call failed, or the lease was lost).', registers });
    new Gauge({ name: WORKER_METRICS.browserContextsOpen, help: 'Browser contexts open right now.', registers, collect() { this.set(opts.contextsOpen()); } });
    new Gauge({ name: WORKER_METRICS.jobsRunning, help: 'Jobs this worker is running right now.', registers, collect() { this.set(opts.jobsRunning()); } });
    new Gauge({ name: WORKER_METRICS.workerConcurrency, help: 'Jobs this worker runs at once at most (FLOWLENS_CONCURRENCY).', registers }).set(opts.concurrency);
    this.lastClaimLoop = new Gauge({ name: WORKER_METRICS.lastClaimLoop, help: 'Unix time of the last turn of the claim loop (a stuck worker stops moving it).', registers });
    this.lastClaimLoop.setToCurrentTime();
    for (const kind of JOB_KINDS) {
      this.jobDuration.zero({ kind });
      for (const outcome of JOB_OUTCOMES) this.jobsCompleted.inc({ kind, outcome }, 0);
    }
    for (const reason of RECYCLE_REASONS) this.browserRecycles.inc({ reason }, 0);
    if (opts.queueSnapshot) this.registerQueue(opts.queueSnapshot, registers);
  }

  /** The queue gauges, filled from one queue_metrics() call per scrape. */
  private registerQueue(read: () => Promise<unknown>, registers: Registry[]): void {
    let pending: Promise<QueueSnapshot | null> | null = null;
    let errors = 0;
    // One database call per scrape, whichever series asks first.
    const snapshot = () => {
      pending ??= read()
        .then((v) => queueSnapshotSchema.parse(v))
        .catch(() => {
          errors += 1;
          return null;
        })
        .finally(() => setTimeout(() => (pending = null), 0));
      return pending;
    };
    const gauge = <L extends string>(name: string, help: string, labelNames: L[], fill: (g: Gauge<L>, s: QueueSnapshot) => void) =>
      new Gauge<L>({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          const s = await snapshot();
          this.reset();
          // Unknown, not zero: a failed read must not look like an empty queue.
          if (s) fill(this, s);
          else if (labelNames.length === 0) (this as Gauge<string>).set(NaN);
        },
      });
    // A gauge of a count, so that it is read after this scrape's call (a counter's value would be
    // formatted before the call fails); it only ever grows, hence the _total name.
    new Gauge({
      name: QUEUE_METRICS.queueScrapeErrors,
      help: 'Scrapes whose queue_metrics() call failed (the queue gauges then read NaN or are missing).',
      registers,
      async collect() {
        await snapshot();
        this.set(errors);
      },
    });
    gauge(QUEUE_METRICS.queueJobs, 'Crawl jobs in the queue by live status (queued includes jobs waiting out a retry backoff).', ['status'], (g, s) => {
      for (const status of LIVE_JOB_STATUSES) g.set({ status }, s.jobs[status] ?? 0);
    });
    gauge(QUEUE_METRICS.queueClaimable, 'Jobs a worker could claim now (queued and due, or running with an expired lease): what KEDA scales on.', [], (g, s) => g.set(s.claimable));
    gauge(QUEUE_METRICS.queueExpiredLeases, 'Running jobs whose lease expired: their worker stopped heartbeating.', [], (g, s) => g.set(s.expiredLeases));
    gauge(QUEUE_METRICS.queueOldestQueued, 'Age of the oldest due queued job, seconds (0 when none).', [], (g, s) => g.set(s.oldestQueuedSeconds));
    gauge(QUEUE_METRICS.runsRunning, 'Crawl runs being crawled.', [], (g, s) => g.set(s.runsRunning));
    gauge(QUEUE_METRICS.runsQueued, 'Crawl runs waiting for their first job to be claimed.', [], (g, s) => g.set(s.runsQueued));
    gauge(QUEUE_METRICS.outboxPending, 'Notifications not yet sent (pending or being sent), by kind and destination (email outbox, Slack/webhook channel deliveries).', ['kind', 'destination'], (g, s) => {
      for (const kind of ['instant', 'daily', 'weekly']) g.set({ kind, destination: 'email' }, 0);
      for (const row of s.outboxPending) g.set({ kind: row.kind, destination: row.destination }, row.count);
    });
    gauge(QUEUE_METRICS.outboxOldest, 'Age of the oldest unsent notification, seconds (0 when none).', [], (g, s) => g.set(s.outboxOldestSeconds));
  }

  /** Detector timings a job collected (DetectorSettings.timings, milliseconds by detector). */
  observeDetectors(timings: ReadonlyMap<string, readonly number[]>): void {
    for (const [detector, list] of timings) for (const ms of list) this.detectorDuration.observe({ detector }, ms / 1000);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
