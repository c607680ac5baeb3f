/**
 * Page performance per page × viewport: TTFB, FCP, LCP, CLS and load time, read from the browser's
 * own Navigation Timing, Paint Timing, Largest Contentful Paint and Layout Instability APIs.
 * The observers are installed before any page script runs (an init script), so nothing is missed.
 *
 * Regressions are judged against the page's rolling baseline (kept by the database, handed to the
 * worker with each job): slower than mean + 2σ AND by more than a minimum absolute delta, once the
 * baseline has enough samples — noise on a fast page is not a regression.
 */
import type { BrowserContext, Page } from 'playwright';
import type { Finding } from './types.ts';
import type { ViewportName } from '../browser/viewports.ts';

export interface PageMetrics {
  ttfbMs: number | null;
  fcpMs: number | null;
  lcpMs: number | null;
  cls: number | null;
  loadMs: number | null;
}

const INIT_SCRIPT = `(() => {
  if (window.__flowlensPerf) return;
  const perf = (window.__flowlensPerf = { lcp: null, cls: 0 });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) perf.lcp = e.startTime;
    }).observe({ type: 'largest-contentful-paint', buffered: true });
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) perf.cls += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  } catch (e) { /* older engines: LCP/CLS stay null/0 */ }
})();`;

export async function installPerformanceObservers(context: BrowserContext): Promise<void> {
  await context.addInitScript({ content: INIT_SCRIPT });
}

/** Reads the metrics of the current document; waits for the load event first. */
export async function measurePage(page: Page): Promise<PageMetrics> {
  await page.waitForLoadState('load').catch(() => {});
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const perf = (window as unknown as { __flowlensPerf?: { lcp: number | null; cls: number } }).__flowlensPerf;
    const round = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? null : Math.round(n * 10) / 10);
    return {
      ttfbMs: round(nav ? nav.responseStart - nav.startTime : null),
      fcpMs: round(fcp?.startTime),
      lcpMs: round(perf?.lcp ?? null),
      cls: perf ? Math.round(perf.cls * 10000) / 10000 : null,
      loadMs: round(nav && nav.loadEventEnd > 0 ? nav.loadEventEnd - nav.startTime : null),
    };
  });
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
