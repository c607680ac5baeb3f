/**
 * Bug vocabulary shared by the crawler (which finds bugs), the database (enums public.bug_type and
 * public.bug_severity use exactly these strings), the dashboard and the emails.
 */

export const BUG_TYPES = [
  'flow_broken',
  'js_error',
  'console_error',
  'request_failed',
  'broken_link',
  'a11y',
  'perf_regression',
  'layout_overflow',
  'page_changed',
] as const;
export type BugType = (typeof BUG_TYPES)[number];

/** P0 is the most severe. */
export const SEVERITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A bug's lifecycle (enum public.bug_status). */
export const BUG_STATUSES = ['new', 'active', 'fixed', 'regressed'] as const;
export type BugStatus = (typeof BUG_STATUSES)[number];

/**
 * The lifecycle statuses of a bug that is still open. "Open" also means not marked a false
 * positive and not snoozed at that moment; in SQL that whole rule is private.bug_is_open.
 */
export const OPEN_BUG_STATUSES = ['new', 'active', 'regressed'] as const satisfies readonly BugStatus[];

/** axe-core impact levels, most severe first. */
export const A11Y_IMPACTS = ['critical', 'serious', 'moderate', 'minor'] as const;
export type A11yImpact = (typeof A11Y_IMPACTS)[number];

/** Page metrics, named as in the report (page_baselines.metric uses the snake_case equivalents). */
export const PERF_METRICS = ['ttfbMs', 'fcpMs', 'lcpMs', 'cls', 'loadMs'] as const;
export type PerfMetric = (typeof PERF_METRICS)[number];

/** The database column / baseline name of a report metric (`lcpMs` → `lcp_ms`). */
export function perfMetricColumn(metric: PerfMetric): string {
  return metric.replace(/Ms$/, '_ms');
}

export function isBugType(value: unknown): value is BugType {
  return typeof value === 'string' && (BUG_TYPES as readonly string[]).includes(value);
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

/** 0 for P0 … 3 for P3: lower is more severe. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** Sort comparator, most severe first: `bugs.sort((a, b) => compareSeverity(a.severity, b.severity))`. */
export function compareSeverity(a: Severity, b: Severity): number {
  return severityRank(a) - severityRank(b);
}

/** Whether `severity` is `threshold` or more severe (`isAtLeast('P0', 'P1') === true`). */
export function isAtLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) <= severityRank(threshold);
}

/** The most severe of the given severities, or null for none. */
export function mostSevere(severities: Iterable<Severity>): Severity | null {
  let best: Severity | null = null;
  for (const s of severities) if (best === null || severityRank(s) < severityRank(best)) best = s;
  return best;
}

/** Counts per severity, every key present. */
export function countBySeverity(items: Iterable<{ severity: Severity }>): Record<Severity, number> {
  const counts: Record<Severity, number> = { P0: 0, P1: 0, P2: 0, P3: 0 };
  for (const item of items) counts[item.severity]++;
  return counts;
}
