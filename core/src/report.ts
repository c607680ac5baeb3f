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
 *   evidence.reproSteps, fingerprintParts (what the fingerprint hashed; stored on the bug row)
 * - runs[].needsSetup (errored runs only: the secrets the site has not stored)
 */
import { z } from 'zod';
import { A11Y_IMPACTS, BUG_TYPES, SEVERITIES, type PerfMetric } from './bug.ts';
import { FINGERPRINT_PART_NAMES, type FingerprintPart } from './fingerprint.ts';
import { SelectorSchema, STEP_ACTIONS } from './flow.ts';
import { parseWith, safeParseWith, type SafeParseResult } from './validation.ts';
import { VIEWPORT_NAMES } from './viewport.ts';

export const REPORT_SCHEMA_VERSION = 1;

/**
 * Bounds on everything a report carries. Most of a report is written by the crawled page (titles,
 * console text, URLs, axe output, timings), and pages may be hostile (issue 12): the crawler cuts
 * what it read to these sizes (boundReport) and the schema refuses anything beyond them, so no
 * page can make a report too large to store or a number too large to cast.
 */
export const REPORT_LIMITS = {
  /** Characters. */
  text: { title: 500, message: 4000, error: 2000, url: 2048, urlTemplate: 1024, selector: 1000, label: 500, name: 200, consoleLine: 500, html: 2000, short: 200 },
  /** Items. */
  items: { secrets: 50, runs: 200, steps: 1000, pages: 2000, bugs: 2000, links: 500, coverage: 5000, consoleLines: 20, reproSteps: 200 },
  /** Milliseconds for durations and page timings (an hour); layout shift is unitless. */
  maxMillis: 3_600_000,
  maxDurationMs: 86_400_000,
  maxCls: 1000,
  maxCount: 10_000_000,
} as const;

const L = REPORT_LIMITS;
const Viewport = z.enum(VIEWPORT_NAMES);
const IsoDate = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), { error: 'must be an ISO 8601 date-time, e.g. 2026-11-22T02:00:00Z' });
const Millis = z.number().min(0).max(L.maxDurationMs);
const text = (max: number) => z.string().max(max);
const Count = z.number().int().min(0).max(L.maxCount);

export const STEP_STATUSES = ['passed', 'healed', 'failed', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];
export const RUN_STATUSES = ['passed', 'failed', 'errored'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** flow_results.status: a report's run status, or needs_setup (the run said what secrets it lacked). */
export const FLOW_RESULT_STATUSES = [...RUN_STATUSES, 'needs_setup'] as const;
export type FlowResultStatus = (typeof FLOW_RESULT_STATUSES)[number];

export const CoverageEntrySchema = z.object({ urlTemplate: text(L.text.urlTemplate).min(1), viewport: Viewport });
export type CoverageEntry = z.output<typeof CoverageEntrySchema>;

/** A selector as reported: the same syntax as a flow's, and no longer than a selector may be. */
const ReportSelectorSchema = SelectorSchema.refine((sel) => sel.value.length <= L.text.selector, { error: `must be at most ${L.text.selector} characters`, path: ['value'] });

export const StepResultSchema = z.object({
  index: z.number().int().min(0).max(L.items.steps),
  action: z.enum(STEP_ACTIONS),
  label: text(L.text.label).optional(),
  /** passed; healed (found by healing, see `healing`); failed; skipped (not reached, or optional and failed). */
  status: z.enum(STEP_STATUSES),
  durationMs: Millis,
  selectorUsed: ReportSelectorSchema.optional(),
  healing: z
    .object({
      confidence: z.number().min(0).max(1),
      /** The recorded selector that no longer worked (the best-ranked one), null when the step had none. */
      from: ReportSelectorSchema.nullable(),
      /** A fresh selector for the element healing chose. */
      to: ReportSelectorSchema,
    })
    .optional(),
  error: text(L.text.error).optional(),
  /** Failed on an earlier attempt, passed on a retry. */
  flaky: z.boolean().optional(),
  attempts: z.number().int().min(1).max(100).optional(),
});
export type StepResult = z.output<typeof StepResultSchema>;

export const RunResultSchema = z
  .object({
    /** Flow name (as in the flow file or the database). */
    flow: text(L.text.name).min(1),
    flowId: text(L.text.short).optional(),
    viewport: Viewport,
    /** passed; failed (a step failed: the site is broken); errored (FlowLens could not run it: bad input, crash, missing secret). */
    status: z.enum(RUN_STATUSES),
    startedAt: IsoDate.optional(),
    durationMs: Millis.optional(),
    /** How many times the flow was run (a failure is re-run to confirm it). */
    attempts: z.number().int().min(1).max(100).default(1),
    /** Passed only after a failed attempt. */
    flaky: z.boolean().optional(),
    /** For failed runs: the failure reproduced on a re-run. */
    confirmed: z.boolean().optional(),
    error: text(L.text.error).optional(),
    /**
     * Errored runs only: the flow was not run because the site has not stored these secrets
     * (missing configuration, not a bug of the site). The flow is shown as "needs setup".
     */
    needsSetup: z.object({ secrets: z.array(text(L.text.name).min(1)).min(1).max(L.items.secrets) }).optional(),
    steps: z.array(StepResultSchema).max(L.items.steps),
    /** Page templates × viewport this run visited. */
    coverage: z.array(CoverageEntrySchema).max(L.items.coverage).default([]),
  })
  .check((ctx) => {
    if (ctx.value.confirmed !== undefined && ctx.value.status === 'passed') {
      ctx.issues.push({ code: 'custom', input: ctx.value.confirmed, path: ['confirmed'], message: 'only applies to failed or errored runs' });
    }
    if (ctx.value.needsSetup !== undefined && ctx.value.status !== 'errored') {
      ctx.issues.push({ code: 'custom', input: ctx.value.needsSetup, path: ['needsSetup'], message: 'only applies to errored runs' });
    }
  });
export type RunResult = z.output<typeof RunResultSchema>;

const nullableMetric = z.number().min(0).max(L.maxMillis).nullable();
/** Each metric is null when the browser did not report it (e.g. no LCP on a page that never painted). */
export const PageMetricsSchema = z.object({
  ttfbMs: nullableMetric,
  fcpMs: nullableMetric,
  lcpMs: nullableMetric,
  cls: z.number().min(0).max(L.maxCls).nullable() as typeof nullableMetric,
  loadMs: nullableMetric,
  // The keys must be exactly the PERF_METRICS names: fingerprints and baselines are keyed by them.
} satisfies Record<PerfMetric, typeof nullableMetric>);
export type PageMetrics = z.output<typeof PageMetricsSchema>;

export const PageFingerprintSchema = z.object({
  elements: Count,
  forms: Count,
  ctas: Count,
  images: Count,
  /** Hash of the page's structural outline (tags and landmarks), for page_changed detection. */
  structureHash: text(L.text.short),
});
export type PageFingerprint = z.output<typeof PageFingerprintSchema>;

/**
 * Accessibility audits are reused on unchanged pages (docs/accessibility-audits.md). An audit is
 * stored per site × URL template × viewport with a key: a hash of everything axe reads (the
 * document with its open shadow roots, every style sheet, images' sizes, loaded fonts, the
 * viewport) and of the axe build and rules. A page whose key equals its stored audit's is not
 * audited again; its findings are rebuilt from the stored nodes. An audit older than
 * `maxAgeDays`, a deploy-triggered run, or a partial audit (axe timed out) is never reused, and an
 * audit of more than `nodes` nodes is not stored (that page is audited every time).
 */
export const A11Y_AUDIT_LIMITS = { nodes: 500, maxAgeDays: 7 } as const;

/** One node axe flagged, as stored for reuse: a11y findings are rebuilt from exactly these fields. */
export const A11yAuditNodeSchema = z.object({
  ruleId: text(L.text.short).min(1),
  impact: z.enum(A11Y_IMPACTS).nullable(),
  help: text(L.text.title),
  helpUrl: text(L.text.url),
  /** CSS selector of the node, shadow steps joined with ` >>> `. */
  target: text(L.text.selector),
  html: text(L.text.html),
  /** The node sits in a header, footer or nav (one bug for the site, not one per page). */
  siteWide: z.boolean(),
});
export type A11yAuditNode = z.output<typeof A11yAuditNodeSchema>;

/** 64 lowercase hex digits (SHA-256). */
export const A11yAuditKeySchema = z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be 64 lowercase hex digits (SHA-256)' });

/**
 * What a page's accessibility audit was: fresh (its nodes, to store for the next crawl), or reused
 * (the stored audit of `auditedAt` had the same key; its findings are in the report as usual).
 */
export const PageA11yAuditSchema = z.discriminatedUnion('reused', [
  z.object({ reused: z.literal(false), key: A11yAuditKeySchema, incomplete: Count, nodes: z.array(A11yAuditNodeSchema).max(A11Y_AUDIT_LIMITS.nodes) }),
  z.object({ reused: z.literal(true), key: A11yAuditKeySchema, auditedAt: IsoDate }),
]);
export type PageA11yAudit = z.output<typeof PageA11yAuditSchema>;

export const PageResultSchema = z.object({
  url: text(L.text.url).min(1),
  urlTemplate: text(L.text.urlTemplate).min(1),
  viewport: Viewport,
  title: text(L.text.title).optional(),
  /** HTTP status of the document. */
  status: z.number().int().min(0).max(999).optional(),
  metrics: PageMetricsSchema,
  fingerprint: PageFingerprintSchema,
  /** Same-origin URL templates this page links to: the edges of the site graph. */
  links: z.array(text(L.text.urlTemplate)).max(L.items.links).default([]),
  /** Absent when axe did not run in full here (off, page too big, timed out) or flagged too many nodes to store. */
  a11yAudit: PageA11yAuditSchema.optional(),
});
export type PageResult = z.output<typeof PageResultSchema>;

export const AxeEvidenceSchema = z.object({
  ruleId: text(L.text.short).min(1),
  impact: z.enum(A11Y_IMPACTS).nullable(),
  help: text(L.text.title).optional(),
  helpUrl: text(L.text.url),
  /** CSS selector of the node, shadow steps joined with ` >>> `. */
  target: text(L.text.selector),
  html: text(L.text.html).optional(),
  /**
   * axe hit its time limit on this page and was re-run without the color-contrast rule: the page's
   * accessibility check is partial. (axe's `incomplete` results are never reported as bugs.)
   */
  partial: z.boolean().optional(),
});
export type AxeEvidence = z.output<typeof AxeEvidenceSchema>;

export const RequestEvidenceSchema = z.object({
  url: text(L.text.url).min(1),
  method: text(20).min(1),
  status: z.number().int().min(0).max(999).optional(),
  /** Network failure text, e.g. net::ERR_CONNECTION_REFUSED. */
  failure: text(L.text.short).optional(),
  resourceType: text(40).optional(),
});
export type RequestEvidence = z.output<typeof RequestEvidenceSchema>;

export const EvidenceSchema = z.object({
  /** Path of the screenshot (storage path, or a file path for the CLI). */
  screenshot: text(L.text.url).optional(),
  console: z.array(text(L.text.consoleLine)).max(L.items.consoleLines).optional(),
  request: RequestEvidenceSchema.optional(),
  axe: AxeEvidenceSchema.optional(),
  reproSteps: z.array(text(L.text.label)).max(L.items.reproSteps).optional(),
});
export type Evidence = z.output<typeof EvidenceSchema>;

/**
 * Evidence as stored (bug_occurrences.evidence, read back by the dashboard): each part is kept when
 * it reads with its schema and dropped when it does not, so one unreadable part (a row written by an
 * older crawler) does not hide the rest. Anything that is not an object reads as no evidence.
 */
export function readStoredEvidence(value: unknown): Evidence {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const raw = value as Record<string, unknown>;
  const out: Evidence = {};
  for (const key of Object.keys(EvidenceSchema.shape) as (keyof Evidence)[]) {
    if (raw[key] === undefined) continue;
    const part = EvidenceSchema.shape[key].safeParse(raw[key]);
    if (part.success && part.data !== undefined) Object.assign(out, { [key]: part.data });
  }
  return out;
}

/** One part of what a bug's fingerprint hashed (core computeFingerprint), as reported and stored on the bug. */
export const FingerprintPartSchema = z.object({
  name: z.enum(FINGERPRINT_PART_NAMES),
  value: text(L.text.message),
  contributes: z.boolean(),
  reason: text(L.text.short),
}) satisfies z.ZodType<FingerprintPart>;

/** bugs.fingerprint_parts as stored: null for bugs first seen before the parts were stored, or when unreadable. */
export function readStoredFingerprintParts(value: unknown): FingerprintPart[] | null {
  const parsed = z.array(FingerprintPartSchema).max(8).safeParse(value);
  return parsed.success ? parsed.data : null;
}

export const ReportBugSchema = z.object({
  fingerprint: z.string().regex(/^v\d+:[0-9a-f]{32}$/, { error: 'must be a fingerprint from core computeFingerprint (v<version>:<32 hex>)' }),
  fingerprintVersion: z.number().int().min(1).max(1000),
  /** What the fingerprint hashed, part by part, so a grouping can be explained from the bug row. */
  fingerprintParts: z.array(FingerprintPartSchema).max(8).optional(),
  type: z.enum(BUG_TYPES),
  severity: z.enum(SEVERITIES),
  title: text(L.text.title).min(1),
  pageUrl: text(L.text.url).min(1),
  /** The page key ('*' for site-wide bugs). */
  urlTemplate: text(L.text.urlTemplate).min(1),
  viewport: Viewport,
  /** Where on the page (formatSelector output, or a CSS selector), for the overlay pin. */
  selector: text(L.text.selector).optional(),
  message: text(L.text.message).optional(),
  flowName: text(L.text.name).optional(),
  flowId: text(L.text.short).optional(),
  stepIndex: z.number().int().min(0).max(L.items.steps).optional(),
  evidence: EvidenceSchema.default({}),
});
export type ReportBug = z.output<typeof ReportBugSchema>;

export const ReportSchema = z.object({
  version: z.literal(REPORT_SCHEMA_VERSION, {
    error: (iss) => (iss.input === undefined ? 'is required' : `is ${JSON.stringify(iss.input)}; this FlowLens reads report version ${REPORT_SCHEMA_VERSION}`),
  }),
  startedAt: IsoDate,
  finishedAt: IsoDate,
  baseUrl: text(L.text.url).min(1),
  /** What produced it, e.g. { name: 'flowlens-check', version: '0.1.0' }. */
  tool: z.object({ name: text(L.text.short), version: text(L.text.short) }).optional(),
  runs: z.array(RunResultSchema).max(L.items.runs),
  pages: z.array(PageResultSchema).max(L.items.pages),
  bugs: z.array(ReportBugSchema).max(L.items.bugs),
  /** Pages visited outside flows (discovery), page template × viewport. */
  coverage: z.array(CoverageEntrySchema).max(L.items.coverage).default([]),
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

// ---------------------------------------------------------------------------------------------
// Bounding what pages wrote

/** Cuts a string to `max` characters, marking the cut so nobody mistakes it for the whole. */
export function capText(value: string, max: number): string {
  if (value.length <= max) return value;
  return `${value.slice(0, Math.max(0, max - 1))}…`;
}

const capOpt = (v: string | undefined, max: number) => (v === undefined ? undefined : capText(v, max));

/** A page timing: finite, not negative and below the cap, else null (not measured, not believed). */
function boundMetric(v: number | null | undefined, max: number): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max ? v : null;
}

function boundCount(v: number): number {
  return Number.isFinite(v) ? Math.min(Math.max(Math.round(v), 0), L.maxCount) : 0;
}

function boundSelector<T extends { value: string } | null | undefined>(sel: T): T {
  return (sel ? { ...sel, value: capText(sel.value, L.text.selector) } : sel) as T;
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The report cut to REPORT_LIMITS: strings shortened, lists truncated, timings that are not finite
 * or out of range dropped to null. What the crawler read from a page goes through this before
 * anyone stores or prints it; `parseReport` afterwards proves the result fits the contract.
 */
export function boundReport(report: Report): Report {
  const T = L.text;
  const I = L.items;
  return {
    ...report,
    baseUrl: capText(report.baseUrl, T.url),
    runs: report.runs.slice(0, I.runs).map((run) =>
      withoutUndefined({
        ...run,
        flow: capText(run.flow, T.name),
        error: capOpt(run.error, T.error),
        needsSetup: run.needsSetup ? { secrets: run.needsSetup.secrets.slice(0, I.secrets).map((n) => capText(n, T.name)) } : undefined,
        durationMs: run.durationMs === undefined ? undefined : Math.min(Math.max(run.durationMs, 0), L.maxDurationMs),
        steps: run.steps.slice(0, I.steps).map((step) =>
          withoutUndefined({
            ...step,
            label: capOpt(step.label, T.label),
            error: capOpt(step.error, T.error),
            durationMs: Math.min(Math.max(step.durationMs, 0), L.maxDurationMs),
            selectorUsed: boundSelector(step.selectorUsed),
            healing: step.healing ? { ...step.healing, from: boundSelector(step.healing.from), to: boundSelector(step.healing.to) } : undefined,
          }),
        ),
        coverage: run.coverage.slice(0, I.coverage).map((c) => ({ ...c, urlTemplate: capText(c.urlTemplate, T.urlTemplate) })),
      }),
    ),
    pages: report.pages.slice(0, I.pages).map((page) =>
      withoutUndefined({
        ...page,
        url: capText(page.url, T.url),
        urlTemplate: capText(page.urlTemplate, T.urlTemplate),
        title: capOpt(page.title, T.title),
        metrics: {
          ttfbMs: boundMetric(page.metrics.ttfbMs, L.maxMillis),
          fcpMs: boundMetric(page.metrics.fcpMs, L.maxMillis),
          lcpMs: boundMetric(page.metrics.lcpMs, L.maxMillis),
          cls: boundMetric(page.metrics.cls, L.maxCls),
          loadMs: boundMetric(page.metrics.loadMs, L.maxMillis),
        },
        fingerprint: {
          elements: boundCount(page.fingerprint.elements),
          forms: boundCount(page.fingerprint.forms),
          ctas: boundCount(page.fingerprint.ctas),
          images: boundCount(page.fingerprint.images),
          structureHash: capText(page.fingerprint.structureHash, T.short),
        },
        links: page.links.slice(0, I.links).map((l) => capText(l, T.urlTemplate)),
        a11yAudit:
          page.a11yAudit && !page.a11yAudit.reused
            ? {
                ...page.a11yAudit,
                nodes: page.a11yAudit.nodes.slice(0, A11Y_AUDIT_LIMITS.nodes).map((n) => ({
                  ...n,
                  ruleId: capText(n.ruleId, T.short),
                  help: capText(n.help, T.title),
                  helpUrl: capText(n.helpUrl, T.url),
                  target: capText(n.target, T.selector),
                  html: capText(n.html, T.html),
                })),
              }
            : page.a11yAudit,
      }),
    ),
    bugs: report.bugs.slice(0, I.bugs).map((bug) =>
      withoutUndefined({
        ...bug,
        title: capText(bug.title, T.title),
        pageUrl: capText(bug.pageUrl, T.url),
        urlTemplate: capText(bug.urlTemplate, T.urlTemplate),
        selector: capOpt(bug.selector, T.selector),
        message: capOpt(bug.message, T.message),
        flowName: capOpt(bug.flowName, T.name),
        fingerprintParts: bug.fingerprintParts?.slice(0, 8).map((p) => ({ ...p, value: capText(p.value, T.message), reason: capText(p.reason, T.short) })),
        evidence: withoutUndefined({
          screenshot: capOpt(bug.evidence.screenshot, T.url),
          console: bug.evidence.console?.slice(-I.consoleLines).map((line) => capText(line, T.consoleLine)),
          request: bug.evidence.request
            ? withoutUndefined({
                ...bug.evidence.request,
                url: capText(bug.evidence.request.url, T.url),
                method: capText(bug.evidence.request.method, 20),
                failure: capOpt(bug.evidence.request.failure, T.short),
                resourceType: capOpt(bug.evidence.request.resourceType, 40),
              })
            : undefined,
          axe: bug.evidence.axe
            ? withoutUndefined({
                ...bug.evidence.axe,
                ruleId: capText(bug.evidence.axe.ruleId, T.short),
                help: capOpt(bug.evidence.axe.help, T.title),
                helpUrl: capText(bug.evidence.axe.helpUrl, T.url),
                target: capText(bug.evidence.axe.target, T.selector),
                html: capOpt(bug.evidence.axe.html, T.html),
              })
            : undefined,
          reproSteps: bug.evidence.reproSteps?.slice(0, I.reproSteps).map((line) => capText(line, T.label)),
        }),
      }),
    ),
    coverage: report.coverage.slice(0, I.coverage).map((c) => ({ ...c, urlTemplate: capText(c.urlTemplate, T.urlTemplate) })),
  };
}
