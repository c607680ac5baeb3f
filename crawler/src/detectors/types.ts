/**
 * What detectors report: raw findings about one page on one viewport. Turning a finding into a
 * bug (severity, human title, fingerprint) happens in one place, report/build.ts, with core's rules,
 * so every detector stays a small piece that only observes.
 */
import type { BugType } from '@flowlens/core/bug';
import type { AxeEvidence as ReportAxeEvidence, RequestEvidence } from '@flowlens/core/report';
import type { Page } from 'playwright';
import type { ViewportName } from '../browser/viewports.ts';

/** Every bug type but a broken flow (the runner reports that one, not a detector): core's words. */
export type FindingType = Exclude<BugType, 'flow_broken'>;

/** A request's evidence exactly as the report carries it (core's RequestEvidenceSchema). */
export type { RequestEvidence };

/**
 * The report's axe evidence (core's AxeEvidenceSchema), plus what only the crawler uses: axe always
 * gives the rule's help text here, and `siteWide` (the node sits in a header, footer or nav shared by
 * many pages) decides the fingerprint, so the bug is one site-wide bug.
 */
export type AxeEvidence = ReportAxeEvidence & { help: string; siteWide?: boolean };

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
 * listening detector keeps the first this many findings of a page session, and a report keeps at
 * most this many bugs of one kind per page and viewport.
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
