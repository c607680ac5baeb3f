/**
 * severityFor: DESIGN.md §5 as a pure function, so the crawler, the CLI exit code and any SQL
 * re-implementation agree.
 *
 * | severity | when                                                                               |
 * |----------|------------------------------------------------------------------------------------|
 * | P0       | a critical flow is broken; the start page does not load                            |
 * | P1       | a (non-critical) flow is broken; an uncaught JS error on a page a flow visits; a   |
 * |          | failing same-origin API request (fetch/XHR); a critical axe violation              |
 * | P2       | broken links and images; a serious axe violation; layout overflow; a performance   |
 * |          | regression beyond 2σ of the page's baseline                                        |
 * | P3       | the rest: console errors, moderate/minor axe violations, page changes, uncaught    |
 * |          | errors off flow pages, failed third-party or non-API requests, small regressions   |
 *
 * "The rest" is taken literally (the design lists P2 exhaustively), so e.g. a same-origin
 * stylesheet 404 is P3 here; it usually also surfaces as a broken page (JS error, flow failure).
 */
import type { A11yImpact, PerfMetric, Severity } from './bug.ts';

/** Request kinds as Playwright's `request.resourceType()` reports them. */
export type ResourceType = 'document' | 'fetch' | 'xhr' | 'image' | 'script' | 'stylesheet' | 'font' | 'media' | 'websocket' | 'other' | (string & {});

export type SeverityInput =
  | { type: 'flow_broken'; critical: boolean; /** the failure was the flow's start page not loading */ startPageFailed?: boolean }
  | { type: 'js_error'; onFlowPage: boolean }
  | { type: 'console_error' }
  | { type: 'request_failed'; sameOrigin: boolean; resourceType: ResourceType; /** the site's start page (base URL) document failed */ startPage?: boolean }
  | { type: 'broken_link' }
  | { type: 'a11y'; impact: A11yImpact | null }
  | { type: 'perf_regression'; metric?: PerfMetric; /** (value − baseline mean) / baseline stddev */ sigma: number }
  | { type: 'layout_overflow' }
  | { type: 'page_changed' };

/** The regression size (in standard deviations of the baseline) from which a perf regression is P2. */
export const PERF_REGRESSION_SIGMA = 2;

export function severityFor(input: SeverityInput): Severity {
  switch (input.type) {
    case 'flow_broken':
      return input.critical || input.startPageFailed ? 'P0' : 'P1';
    case 'js_error':
      return input.onFlowPage ? 'P1' : 'P3';
    case 'console_error':
      return 'P3';
    case 'request_failed':
      if (input.startPage && input.resourceType === 'document') return 'P0';
      if (input.sameOrigin && (input.resourceType === 'fetch' || input.resourceType === 'xhr')) return 'P1';
      if (input.resourceType === 'image') return 'P2';
      return 'P3';
    case 'broken_link':
      return 'P2';
    case 'a11y':
      if (input.impact === 'critical') return 'P1';
      if (input.impact === 'serious') return 'P2';
      return 'P3';
    case 'perf_regression':
      return input.sigma > PERF_REGRESSION_SIGMA ? 'P2' : 'P3';
    case 'layout_overflow':
      return 'P2';
    case 'page_changed':
      return 'P3';
  }
}
