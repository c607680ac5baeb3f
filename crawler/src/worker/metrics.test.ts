/**
 * The worker's metric registry on its own: every name the alert rules and the dashboard may use
 * (exportedSeriesNames) really appears in the text a scrape returns, and a queue answer that does
 * not meet its schema is counted as an error instead of being served.
 */
import { describe, expect, it } from 'vitest';
import { exportedSeriesNames, WorkerMetrics } from './metrics.ts';

const snapshot = {
  jobs: { queued: 7, running: 2 },
  claimable: 5,
  expiredLeases: 1,
  oldestQueuedSeconds: 42.5,
  runsRunning: 1,
  runsQueued: 3,
  outboxPending: [{ kind: 'instant', destination: 'email', count: 2 }, { kind: 'daily', destination: 'channel', count: 1 }],
  outboxOldestSeconds: 120,
};

const names = (text: string) => new Set(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)![0]));

describe('worker metrics', () => {
  it('export every series the rules and dashboard are allowed to use', async () => {
    const m = new WorkerMetrics({ queueSnapshot: async () => snapshot, contextsOpen: () => 3, jobsRunning: () => 2, concurrency: 4 });
    m.detectorDuration.observe({ detector: 'a11y' }, 0.2);
    const text = await m.text();
    const seen = names(text);
    const missing = [...exportedSeriesNames()].filter((n) => n !== 'up' && !seen.has(n));
    expect(missing).toEqual([]);
    expect(text).toContain('flowlens_queue_jobs{status="queued"} 7');
    expect(text).toContain('flowlens_outbox_pending{kind="daily",destination="channel"} 1');
    // Kinds with nothing waiting are reported as 0, not missing (an alert on them stays defined).
    expect(text).toContain('flowlens_outbox_pending{kind="weekly",destination="email"} 0');
    expect(text).toContain('flowlens_browser_contexts_open 3');
    expect(text).toContain('flowlens_jobs_completed_total{kind="flow",outcome="failed"} 0');
    expect(text).toContain('flowlens_queue_metrics_errors_total 0');
  });

  it('count a queue answer that does not parse as an error and serve no queue series', async () => {
    const m = new WorkerMetrics({ queueSnapshot: async () => ({ jobs: 'lots' }), contextsOpen: () => 0, jobsRunning: () => 0, concurrency: 1 });
    const text = await m.text();
    expect(text).toContain('flowlens_queue_metrics_errors_total 1');
    expect(text).not.toMatch(/^flowlens_queue_jobs\{/m);
    expect(text).toMatch(/^flowlens_jobs_claimed_total 0$/m);
  });

  it('serve no queue series when the worker is told not to', async () => {
    const m = new WorkerMetrics({ queueSnapshot: null, contextsOpen: () => 0, jobsRunning: () => 0, concurrency: 1 });
    expect(await m.text()).not.toContain('flowlens_queue_jobs');
  });
});
