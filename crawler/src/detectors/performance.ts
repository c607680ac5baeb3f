/**
 * Page performance per page × viewport: TTFB, FCP, LCP, CLS and load time, read from the browser's
 * own Navigation Timing, Paint Timing, Largest Contentful Paint and Layout Instability APIs.
 * They are read in the detectors' isolated world, where the page cannot forge them (see MEASURE_SCRIPT).
 *
 * Regressions are judged against the page's rolling baseline (kept by the database, handed to the
 * worker with each job): slower than mean + 2σ AND by more than a minimum absolute delta, once the
 * baseline has enough samples — noise on a fast page is not a regression.
 */
import { REPORT_LIMITS } from '@flowlens/core';
import type { Page } from 'playwright';
import { isolatedWorld } from './isolated-world.ts';
import type { Finding } from './types.ts';
import type { ViewportName } from '../browser/viewports.ts';

export interface PageMetrics {
  ttfbMs: number | null;
  fcpMs: number | null;
  lcpMs: number | null;
  cls: number | null;
  loadMs: number | null;
}

/**
 * Runs in an isolated world (its own globals, the page's performance timeline): a page cannot
 * replace `performance`, `PerformanceObserver` or a global FlowLens would read, so the numbers are
 * the browser's own (issue 12: a page once set `window.__flowlensPerf = { cls: 1e300 }`).
 * Buffered observers hand over the LCP and layout-shift entries recorded since the navigation.
 */
const MEASURE_SCRIPT = `(async () => {
  const entriesOf = async (type) => {
    try {
      const seen = [];
      const po = new PerformanceObserver((list) => { seen.push(...list.getEntries()); });
      po.observe({ type, buffered: true });
      await new Promise((r) => setTimeout(r, 0));
      seen.push(...po.takeRecords());
      po.disconnect();
      return seen;
    } catch (e) {
      return null;
    }
  };
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const [lcp, shifts] = await Promise.all([entriesOf('largest-contentful-paint'), entriesOf('layout-shift')]);
  const last = lcp && lcp.length > 0 ? lcp[lcp.length - 1] : null;
  return {
    ttfbMs: nav ? nav.responseStart - nav.startTime : null,
    fcpMs: fcp ? fcp.startTime : null,
    lcpMs: last ? last.startTime : null,
    cls: shifts ? shifts.filter((e) => !e.hadRecentInput).reduce((sum, e) => sum + e.value, 0) : null,
    loadMs: nav && nav.loadEventEnd > 0 ? nav.loadEventEnd - nav.startTime : null,
  };
})()`;

/** A timing as the report takes it: finite, in range, rounded; anything else is "not measured". */
function sane(value: unknown, max: number, digits: number): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Reads the metrics of the current document (after its load event, waiting at most 5 s for it). */
export async function measurePage(page: Page): Promise<PageMetrics> {
  await page.waitForLoadState('load', { timeout: 5000 }).catch(() => {});
  const raw = ((await isolatedWorld(page).evaluate(MEASURE_SCRIPT)) ?? {}) as Record<string, unknown>;
  return {
    ttfbMs: sane(raw.ttfbMs, REPORT_LIMITS.maxMillis, 1),
    fcpMs: sane(raw.fcpMs, REPORT_LIMITS.maxMillis, 1),
    lcpMs: sane(raw.lcpMs, REPORT_LIMITS.maxMillis, 1),
    cls: sane(raw.cls, REPORT_LIMITS.maxCls, 4),
    loadMs: sane(raw.loadMs, REPORT_LIMITS.maxMillis, 1),
  };
}

export interface Baseline {
  urlTemplate: string;
  viewport: string;
  metric: string;
  mean: number;
  stddev: number;
  samples: number;
}

/** Below these deltas a change is noise whatever the σ says. */
export const MIN_REGRESSION_DELTA: Record<keyof PageMetrics, number> = { ttfbMs: 150, fcpMs: 250, lcpMs: 400, cls: 0.05, loadMs: 400 };
const METRIC_COLUMNS: Record<keyof PageMetrics, string> = { ttfbMs: 'ttfb_ms', fcpMs: 'fcp_ms', lcpMs: 'lcp_ms', cls: 'cls', loadMs: 'load_ms' };
const METRIC_LABELS: Record<keyof PageMetrics, string> = { ttfbMs: 'Time to first byte', fcpMs: 'First contentful paint', lcpMs: 'Largest contentful paint', cls: 'Cumulative layout shift', loadMs: 'Load time' };
export const MIN_BASELINE_SAMPLES = 5;

export function perfRegressions(
  metrics: PageMetrics,
  baselines: readonly Baseline[],
  page: { url: string; urlTemplate: string; viewport: ViewportName },
): Finding[] {
  const out: Finding[] = [];
  for (const key of Object.keys(METRIC_COLUMNS) as (keyof PageMetrics)[]) {
    const value = metrics[key];
    const base = baselines.find((b) => b.urlTemplate === page.urlTemplate && b.viewport === page.viewport && b.metric === METRIC_COLUMNS[key]);
    if (value === null || !base || base.samples < MIN_BASELINE_SAMPLES) continue;
    const delta = value - base.mean;
    if (value > base.mean + 2 * base.stddev && delta > MIN_REGRESSION_DELTA[key]) {
      const unit = key === 'cls' ? '' : ' ms';
      out.push({
        type: 'perf_regression',
        pageUrl: page.url,
        viewport: page.viewport,
        message: `${METRIC_LABELS[key]} ${value}${unit}, usually ${Math.round(base.mean * 100) / 100}${unit} (±${Math.round(base.stddev * 100) / 100})`,
        metric: { name: METRIC_COLUMNS[key], value, mean: base.mean, stddev: base.stddev },
      });
    }
  }
  return out;
}
