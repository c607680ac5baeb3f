/**
 * The Report contract (DESIGN.md §4): what one crawl (`flowlens check --json`, or a worker job)
 * produced. The worker hands it to the SQL finalisation; the CLI writes it to disk. Versioned by
 * REPORT_SCHEMA_VERSION; the version is a literal so a report from another version is refused with
 * a clear message rather than misread.
 *
 * Additions to the sketch in DESIGN.md, each needed downstream:
 * - runs[].attempts, flaky (step and run), confirmed (failed runs re-run to confirm), error
 * - runs[].coverage and top-level coverage: which page templates × viewports were actually visited,
 *   so finalisation only marks a bug fixed where the run looked (see coveredPages)
 * - pages[].urlTemplate, status, links (site graph edges); bugs[].fingerprintVersion, urlTemplate, flowName, stepIndex,
 *   evidence.reproSteps
 */
import { z } from 'zod';
import { A11Y_IMPACTS, BUG_TYPES, SEVERITIES, type PerfMetric } from './bug.ts';
import { SelectorSchema, STEP_ACTIONS } from './flow.ts';
import { parseWith, safeParseWith, type SafeParseResult } from './validation.ts';
import { VIEWPORT_NAMES } from './viewport.ts';

export const REPORT_SCHEMA_VERSION = 1;

const Viewport = z.enum(VIEWPORT_NAMES);
const IsoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { error: 'must be an ISO 8601 date-time, e.g. 2026-11-22T02:00:00Z' });
const Millis = z.number().min(0);

export const STEP_STATUSES = ['passed', 'healed', 'failed', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
export const RUN_STATUSES = ['passed', 'failed', 'errored'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const CoverageEntrySchema = z.object({ urlTemplate: z.string().min(1), viewport: Viewport });
export type CoverageEntry = z.output<typeof CoverageEntrySchema>;

export const StepResultSchema = z.object({
  index: z.number().int().min(0),
  action: z.enum(STEP_ACTIONS),
  label: z.string().optional(),
  /** passed; healed (found by healing, see `healing`); failed; skipped (not reached, or optional and failed). */
  status: z.enum(STEP_STATUSES),
  durationMs: Millis,
  selectorUsed: SelectorSchema.optional(),
  healing: z
    .object({
      confidence: z.number().min(0).max(1),
      /** The recorded selector that no longer worked (the best-ranked one), null when the step had none. */
      from: SelectorSchema.nullable(),
      /** A fresh selector for the element healing chose. */
      to: SelectorSchema,
    })
    .optional(),
  error: z.string().optional(),
  /** Failed on an earlier attempt, passed on a retry. */
  flaky: z.boolean().optional(),
  attempts: z.number().int().min(1).optional(),
});
export type StepResult = z.output<typeof StepResultSchema>;

export const RunResultSchema = z
  .object({
    /** Flow name (as in the flow file or the database). */
    flow: z.string().min(1),
    flowId: z.string().optional(),
    viewport: Viewport,
    /** passed; failed (a step failed: the site is broken); errored (FlowLens could not run it: bad input, crash, missing secret). */
    status: z.enum(RUN_STATUSES),
    startedAt: IsoDate.optional(),
    durationMs: Millis.optional(),
    /** How many times the flow was run (a failure is re-run to confirm it). */
    attempts: z.number().int().min(1).default(1),
    /** Passed only after a failed attempt. */
    flaky: z.boolean().optional(),
    /** For failed runs: the failure reproduced on a re-run. */
    confirmed: z.boolean().optional(),
    error: z.string().optional(),
    steps: z.array(StepResultSchema),
    /** Page templates × viewport this run visited. */
    coverage: z.array(CoverageEntrySchema).default([]),
  })
  .check((ctx) => {
    if (ctx.value.confirmed !== undefined && ctx.value.status === 'passed') {
      ctx.issues.push({ code: 'custom', input: ctx.value.confirmed, path: ['confirmed'], message: 'only applies to failed or errored runs' });
    }
  });
export type RunResult = z.output<typeof RunResultSchema>;

const nullableMetric = z.number().min(0).nullable();
/** Each metric is null when the browser did not report it (e.g. no LCP on a page that never painted). */
export const PageMetricsSchema = z.object({
  ttfbMs: nullableMetric,
  fcpMs: nullableMetric,
  lcpMs: nullableMetric,
  cls: nullableMetric,
  loadMs: nullableMetric,
  // The keys must be exactly the PERF_METRICS names: fingerprints and baselines are keyed by them.
} satisfies Record<PerfMetric, typeof nullableMetric>);
export type PageMetrics = z.output<typeof PageMetricsSchema>;

export const PageFingerprintSchema = z.object({
  elements: z.number().int().min(0),
  forms: z.number().int().min(0),
  ctas: z.number().int().min(0),
  images: z.number().int().min(0),
  /** Hash of the page's structural outline (tags and landmarks), for page_changed detection. */
  structureHash: z.string(),
});
export type PageFingerprint = z.output<typeof PageFingerprintSchema>;

export const PageResultSchema = z.object({
  url: z.string().min(1),
  urlTemplate: z.string().min(1),
  viewport: Viewport,
  title: z.string().optional(),
  /** HTTP status of the document. */
  status: z.number().int().optional(),
  metrics: PageMetricsSchema,
  fingerprint: PageFingerprintSchema,
  /** Same-origin URL templates this page links to: the edges of the site graph. */
  links: z.array(z.string()).default([]),
});
export type PageResult = z.output<typeof PageResultSchema>;

export const AxeEvidenceSchema = z.object({
  ruleId: z.string().min(1),
  impact: z.enum(A11Y_IMPACTS).nullable(),
  help: z.string().optional(),
  helpUrl: z.string(),
  /** CSS selector of the node, shadow steps joined with ` >>> `. */
  target: z.string(),
  html: z.string().optional(),
  /**
   * axe hit its time limit on this page and was re-run without the color-contrast rule: the page's
   * accessibility check is partial. (axe's `incomplete` results are never reported as bugs.)
   */
  partial: z.boolean().optional(),
});
export type AxeEvidence = z.output<typeof AxeEvidenceSchema>;

export const RequestEvidenceSchema = z.object({
  url: z.string().min(1),
  method: z.string().min(1),
  status: z.number().int().optional(),
  /** Network failure text, e.g. net::ERR_CONNECTION_REFUSED. */
  failure: z.string().optional(),
  resourceType: z.string().optional(),
});
export type RequestEvidence = z.output<typeof RequestEvidenceSchema>;

export const EvidenceSchema = z.object({
  /** Path of the screenshot (storage path, or a file path for the CLI). */
  screenshot: z.string().optional(),
  console: z.array(z.string()).optional(),
  request: RequestEvidenceSchema.optional(),
  axe: AxeEvidenceSchema.optional(),
  reproSteps: z.array(z.string()).optional(),
});
export type Evidence = z.output<typeof EvidenceSchema>;

export const ReportBugSchema = z.object({
  fingerprint: z.string().regex(/^v\d+:[0-9a-f]{32}$/, { error: 'must be a fingerprint from core computeFingerprint (v<version>:<32 hex>)' }),
  fingerprintVersion: z.number().int().min(1),
  type: z.enum(BUG_TYPES),
  severity: z.enum(SEVERITIES),
  title: z.string().min(1),
  pageUrl: z.string().min(1),
  /** The page key ('*' for site-wide bugs). */
  urlTemplate: z.string().min(1),
  viewport: Viewport,
  /** Where on the page (formatSelector output, or a CSS selector), for the overlay pin. */
  selector: z.string().optional(),
  message: z.string().optional(),
  flowName: z.string().optional(),
  flowId: z.string().optional(),
  stepIndex: z.number().int().min(0).optional(),
  evidence: EvidenceSchema.default({}),
});
export type ReportBug = z.output<typeof ReportBugSchema>;

export const ReportSchema = z.object({
  version: z.literal(REPORT_SCHEMA_VERSION, {
    error: (iss) => (iss.input === undefined ? 'is required' : `is ${JSON.stringify(iss.input)}; this FlowLens reads report version ${REPORT_SCHEMA_VERSION}`),
  }),
  startedAt: IsoDate,
  finishedAt: IsoDate,
  baseUrl: z.string().min(1),
  /** What produced it, e.g. { name: 'flowlens-check', version: '0.1.0' }. */
  tool: z.object({ name: z.string(), version: z.string() }).optional(),
  runs: z.array(RunResultSchema),
  pages: z.array(PageResultSchema),
  bugs: z.array(ReportBugSchema),
  /** Pages visited outside flows (discovery), page template × viewport. */
  coverage: z.array(CoverageEntrySchema).default([]),
});
export type Report = z.output<typeof ReportSchema>;
export type ReportInput = z.input<typeof ReportSchema>;

/** Validates a report; throws a ValidationError listing every problem with its path. */
export function parseReport(input: unknown): Report {
  return parseWith(ReportSchema, input, 'Report');
}

export function safeParseReport(input: unknown): SafeParseResult<Report> {
  return safeParseWith(ReportSchema, input);
}

/**
 * Every page template × viewport the report actually visited: the top-level coverage, each run's
 * coverage, and the pages list; deduplicated and sorted. A bug on a page outside this set was not
 * looked at and must not be marked fixed.
 */
export function coveredPages(report: Pick<Report, 'coverage' | 'runs' | 'pages'>): CoverageEntry[] {
  const seen = new Map<string, CoverageEntry>();
  const add = (e: CoverageEntry) => seen.set(`${e.viewport} ${e.urlTemplate}`, { urlTemplate: e.urlTemplate, viewport: e.viewport });
  report.coverage.forEach(add);
  for (const run of report.runs) run.coverage.forEach(add);
  for (const page of report.pages) add({ urlTemplate: page.urlTemplate, viewport: page.viewport });
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
}

/** Whether any bug in the report is P0 or P1 (the CLI exits 1 then). */
export function hasBlockingBugs(report: Pick<Report, 'bugs'>): boolean {
  return report.bugs.some((b) => b.severity === 'P0' || b.severity === 'P1');
}
