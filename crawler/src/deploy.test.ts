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
