/**
 * What detectors report: raw findings about one page on one viewport. Turning a finding into a
 * bug (severity, human title, fingerprint) happens in one place, report/bugs.ts, with core's rules,
 * so every detector stays a small piece that only observes.
 */
import type { Page } from 'playwright';
import type { ViewportName } from '../browser/viewports.ts';

export type FindingType =
  | 'js_error'
  | 'console_error'
  | 'request_failed'
  | 'broken_link'
  | 'a11y'
  | 'perf_regression'
  | 'layout_overflow'
  | 'page_changed';

export interface RequestEvidence {
  url: string;
  method: string;
  status?: number;
  failure?: string;
  resourceType?: string;
}

export interface AxeEvidence {
  ruleId: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  helpUrl: string;
  target: string;
  html?: string;
  partial?: boolean;
  /** The node sits in a header, footer or nav shared by many pages: one site-wide bug. */
  siteWide?: boolean;
}

export interface Finding {
  type: FindingType;
  pageUrl: string;
  viewport: ViewportName;
  /** CSS selector of the element at fault, when there is one. */
  selector?: string;
  /** One-line cause, plain text. */
  message: string;
  request?: RequestEvidence & { sameOrigin: boolean };
  axe?: AxeEvidence;
  /** perf_regression: which metric, its value and the baseline it broke. */
  metric?: { name: string; value: number; mean: number; stddev: number };
  /** js_error: the script file the error came from, without line numbers. */
  source?: string;
  /** js_error: the error's stack (fingerprints use its top frame's file). */
  stack?: string;
}

/**
 * A page can raise errors and console messages without end (10,000 in the hostile-site suite): a
 * listening detector keeps the first this many findings of a page session and counts the rest.
 */
export const MAX_LISTENER_FINDINGS = 50;

/** Environment a detector runs in. */
export interface DetectorContext {
  viewport: ViewportName;
  /** Origin of the site under test (after --base-url rebasing). */
  siteOrigin: string;
}

/**
 * A detector that listens while a page lives (errors, requests) attaches to it; one that inspects a
 * loaded page (axe, overflow, links) implements inspect(). Both may exist on one detector.
 */
export interface Detector {
  readonly name: string;
  attach?(page: Page, ctx: DetectorContext): void;
  inspect?(page: Page, ctx: DetectorContext): Promise<void>;
  /** Everything found since the last drain. */
  drain(): Finding[];
}
