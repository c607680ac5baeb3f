/**
 * The container and Kubernetes files agree with the worker's environment contract and with the
 * schema: env names are ones the worker reads, the health port and probes match, the grace period
 * covers the worker's shutdown grace, KEDA scales the Deployment on a query that runs against the
 * real queue table, and the image is the Playwright release the crawler pins.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { withDb } from '@flowlens/stack/testing';
import { WORKER_ENV } from './worker/config.ts';
import { exportedSeriesNames } from './worker/metrics.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..');
// Kubernetes documents are untyped data; the assertions below are the schema.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;
const docs = (file: string) => parseAllDocuments(readFileSync(join(root, 'deploy', file), 'utf8')).map((d) => d.toJS() as Doc);

const [deployment] = docs('worker-deployment.yaml');
const keda = docs('worker-keda.yaml');
const container = deployment!.spec.template.spec.containers[0];
const env = Object.fromEntries((container.env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));

describe('crawler deployment files', () => {
  it('only set variables the worker reads, including every required one', () => {
    const known = new Set(WORKER_ENV.map((e) => e.name));
    expect(Object.keys(env).filter((n) => !known.has(n))).toEqual([]);
    for (const v of WORKER_ENV.filter((e) => e.required)) expect(Object.keys(env)).toContain(v.name);
    for (const v of WORKER_ENV.filter((e) => e.secret)) {
      const entry = (container.env as { name: string; value?: string; valueFrom?: unknown }[]).find((e) => e.name === v.name);
      if (entry) expect(entry.value, `${v.name} must come from a Secret`).toBeUndefined();
    }
  });

  it('probe the worker health port and give it time to shut down', () => {
    const port = Number(env.FLOWLENS_HEALTH_PORT);
    expect(container.ports[0].containerPort).toBe(port);
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(deployment!.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(env.FLOWLENS_SHUTDOWN_GRACE_MS) + 5000);
    expect(deployment!.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it('scale the Deployment on a queue-depth query that runs against the real schema', async () => {
    const scaled = keda.find((d) => d.kind === 'ScaledObject')!;
    const auth = keda.find((d) => d.kind === 'TriggerAuthentication')!;
    expect(scaled.spec.scaleTargetRef.name).toBe(deployment!.metadata.name);
    const trigger = scaled.spec.triggers[0];
    expect(trigger.type).toBe('postgresql');
    expect(trigger.authenticationRef.name).toBe(auth.metadata.name);
    expect(trigger.metadata.targetQueryValue).toBe(env.FLOWLENS_CONCURRENCY);
    const rows = await withDb((db) => db.query<{ count: string }>(String(trigger.metadata.query)));
    expect(Number(rows.rows[0]?.count)).toBeGreaterThanOrEqual(0);
  });

  it('build on the Playwright image of the pinned version, run non-root with a health check', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const pinned = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies.playwright;
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThan(0);
    for (const f of froms) expect(f).toBe(`mcr.microsoft.com/playwright:v${pinned}-noble`);
    expect(dockerfile).toContain(`playwright@${pinned}`);
    expect(dockerfile).toMatch(/^USER pwuser$/m);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*127\.0\.0\.1:8080\/healthz/);
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "\/app\/flowlens\.mjs"\]\s+CMD \["worker"\]/);
  });
});

/**
 * The metric names a PromQL expression reads: identifiers left once strings, label matchers,
 * ranges, grouping clauses, function calls, keywords and numbers are taken out.
 */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\b[a-zA-Z_][a-zA-Z0-9_]*\s*\(/g, '(');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
  return [...new Set([...stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((t) => !keywords.has(t.toLowerCase())))];
}

describe('monitoring as code', () => {
  const exported = exportedSeriesNames();
  const operations = readFileSync(join(root, '..', 'docs', 'operations.md'), 'utf8');
  const anchors = new Set([...operations.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));

  it('reads metric names out of PromQL (the check below depends on it)', () => {
    expect(metricNamesIn('sum by (le, kind) (rate(flowlens_job_duration_seconds_bucket{kind="flow"}[5m])) / clamp_min(max(up), 1) > 2 * 3600')).toEqual(['flowlens_job_duration_seconds_bucket', 'up']);
    expect(metricNamesIn('time() - flowlens_worker_claim_loop_timestamp_seconds > 300 and flowlens_typo_total')).toEqual(['flowlens_worker_claim_loop_timestamp_seconds', 'flowlens_typo_total']);
  });

  it('alert on metrics the worker exports, each with a severity, a for, a summary and a runbook entry', () => {
    const [rule] = docs('prometheus-rules.yaml');
    expect(rule!.kind).toBe('PrometheusRule');
    const alerts = (rule!.spec.groups as Doc[]).flatMap((g) => g.rules as Doc[]);
    expect(alerts.map((a) => a.alert).sort()).toEqual(expect.arrayContaining([
      'FlowLensQueueNotDraining', 'FlowLensJobFailureRatioHigh', 'FlowLensWorkersWithoutHeartbeat', 'FlowLensOutboxStuck', 'FlowLensBrowserRecycleStorm',
    ]));
    for (const a of alerts) {
      expect(typeof a.expr, a.alert).toBe('string');
      const unknown = metricNamesIn(a.expr).filter((n) => !exported.has(n));
      expect(unknown, `${a.alert} reads metrics nothing exports`).toEqual([]);
      expect(metricNamesIn(a.expr).length, a.alert).toBeGreaterThan(0);
      expect(['warning', 'critical']).toContain(a.labels.severity);
      expect(a.for).toMatch(/^\d+[smh]$/);
      expect(a.annotations.summary).toBeTruthy();
      const anchor = String(a.annotations.runbook_url).split('#')[1];
      expect(String(a.annotations.runbook_url)).toContain('docs/operations.md#');
      expect(anchors.has(anchor!), `docs/operations.md has a section for ${a.alert}`).toBe(true);
    }
  });

  it('have a Grafana dashboard whose every panel queries exported metrics', () => {
    const dash = JSON.parse(readFileSync(join(root, 'deploy', 'grafana-dashboard.json'), 'utf8')) as Doc;
    expect(dash.uid).toBe('flowlens-fleet');
    const panels = (dash.panels as Doc[]).filter((p) => p.type !== 'row');
    expect(new Set((dash.panels as Doc[]).map((p) => p.id)).size).toBe((dash.panels as Doc[]).length);
    expect(panels.length).toBeGreaterThan(10);
    const used = new Set<string>();
    for (const p of panels) {
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      expect(p.gridPos.w + p.gridPos.x, p.title).toBeLessThanOrEqual(24);
      for (const t of p.targets as Doc[]) {
        const names = metricNamesIn(t.expr);
        expect(names.filter((n) => !exported.has(n)), `${p.title}: ${t.expr}`).toEqual([]);
        for (const n of names) used.add(n.replace(/_(bucket|sum|count)$/, ''));
      }
    }
    // Every metric the issue names is on the dashboard.
    for (const n of ['flowlens_jobs_claimed_total', 'flowlens_jobs_completed_total', 'flowlens_job_duration_seconds', 'flowlens_steps_healed_total', 'flowlens_detector_duration_seconds', 'flowlens_browser_recycles_total', 'flowlens_browser_contexts_open', 'flowlens_lease_renewals_failed_total', 'flowlens_queue_jobs', 'flowlens_queue_oldest_queued_seconds', 'flowlens_runs_running', 'flowlens_outbox_pending', 'flowlens_outbox_oldest_seconds']) {
      expect(used.has(n), n).toBe(true);
    }
  });

  it('scrape the worker on its health port', () => {
    const [monitor] = docs('worker-podmonitor.yaml');
    expect(monitor!.spec.selector.matchLabels).toEqual(deployment!.spec.selector.matchLabels);
    const endpoint = monitor!.spec.podMetricsEndpoints[0];
    expect(endpoint.path).toBe('/metrics');
    expect(container.ports.map((p: Doc) => p.name)).toContain(endpoint.port);
    expect(env.FLOWLENS_LOG_FORMAT).toBe('json');
  });
});
