/**
 * Bug list filters live in the URL (deep links: emails and colleagues can share a filtered list),
 * are parsed here into one object, and become PostgREST filters here too, so the list is filtered,
 * sorted and paginated by the server.
 *
 * "Status" mixes the lifecycle (new/active/regressed/fixed) with the two ways an owner silences a
 * bug (snoozed, false positive), because that is how people ask: "what is open", "what did I snooze".
 *   open            new, active or regressed; not snoozed now; not a false positive (the default):
 *                   asked of SQL, the computed field bugs.is_open (private.bug_is_open at the
 *                   database's now(), the rule the health score, the overlay and the alerts use)
 *   new|active|regressed         that lifecycle status and open (bugs.is_open, as above)
 *   fixed           fixed; not snoozed now (the browser's clock); not a false positive
 *   snoozed         snoozed until a future time; not a false positive
 *   false_positive  marked false positive (whatever the lifecycle says)
 *   all             everything
 */
import { OPEN_BUG_STATUSES } from '@flowlens/core/bug';
import { BUG_STATUSES, BUG_TYPES, SEVERITIES, VIEWPORTS, type BugType, type Severity, type Viewport } from '../data/types.ts';

export const STATUS_FILTERS = ['open', 'new', 'active', 'regressed', 'fixed', 'snoozed', 'false_positive', 'all'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];
export const SORTS = ['severity', 'newest', 'oldest'] as const;
export type BugSort = (typeof SORTS)[number];

export const STATUS_FILTER_LABELS: Record<StatusFilter, string> = {
  open: 'Open',
  new: 'New',
  active: 'Active',
  regressed: 'Regressed',
  fixed: 'Fixed',
  snoozed: 'Snoozed',
  false_positive: 'False positive',
  all: 'All',
};

export const SORT_LABELS: Record<BugSort, string> = {
  severity: 'Most severe first',
  newest: 'Newest first',
  oldest: 'Oldest first',
};

export const PAGE_SIZE = 25;

export interface BugFilters {
  severity: Severity[];
  status: StatusFilter;
  type: BugType | null;
  path: string | null;
  viewport: Viewport | null;
  flow: string | null;
  sort: BugSort;
  /** 1-based page number. */
  page: number;
}

export const DEFAULT_FILTERS: BugFilters = {
  severity: [],
  status: 'open',
  type: null,
  path: null,
  viewport: null,
  flow: null,
  sort: 'severity',
  page: 1,
};

function oneOf<T extends string>(values: readonly T[], v: string | null): T | null {
  return v !== null && (values as readonly string[]).includes(v) ? (v as T) : null;
}

export function parseBugFilters(params: URLSearchParams): BugFilters {
  const severity = (params.get('severity') ?? '')
    .split(',')
    .map((s) => oneOf(SEVERITIES, s))
    .filter((s): s is Severity => s !== null);
  const page = Number.parseInt(params.get('p') ?? '1', 10);
  const flow = params.get('flow');
  return {
    severity: SEVERITIES.filter((s) => severity.includes(s)),
    status: oneOf(STATUS_FILTERS, params.get('status')) ?? DEFAULT_FILTERS.status,
    type: oneOf(BUG_TYPES, params.get('type')),
    path: params.get('path') || null,
    viewport: oneOf(VIEWPORTS, params.get('viewport')),
    flow: flow && /^[0-9a-f-]{36}$/i.test(flow) ? flow : null,
    sort: oneOf(SORTS, params.get('sort')) ?? DEFAULT_FILTERS.sort,
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

/** The URL form of the filters; defaults are left out so plain links stay plain. */
export function serialiseBugFilters(f: BugFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.severity.length) p.set('severity', f.severity.join(','));
  if (f.status !== DEFAULT_FILTERS.status) p.set('status', f.status);
  if (f.type) p.set('type', f.type);
  if (f.path) p.set('path', f.path);
  if (f.viewport) p.set('viewport', f.viewport);
  if (f.flow) p.set('flow', f.flow);
  if (f.sort !== DEFAULT_FILTERS.sort) p.set('sort', f.sort);
  if (f.page > 1) p.set('p', String(f.page));
  return p;
}

/** A stable cache key for one filtered page of one site's bugs. */
export function bugListKey(siteId: string, f: BugFilters): string {
  return `bugs:${siteId}:${serialiseBugFilters(f).toString()}`;
}

/** The slice of a PostgREST filter builder these filters use (supabase-js' builder has it). */
export interface FilterBuilder<Q> {
  eq(column: string, value: unknown): Q;
  in(column: string, values: readonly unknown[]): Q;
  or(filters: string): Q;
  gt(column: string, value: unknown): Q;
  contains(column: string, value: unknown): Q;
  order(column: string, options?: { ascending?: boolean; nullsFirst?: boolean }): Q;
}

/** Open, as SQL defines it (public.is_open(bugs), a PostgREST computed field: `is_open=eq.true`). */
export function openFilter<Q extends FilterBuilder<Q>>(query: Q): Q {
  return query.eq('is_open', true);
}

/** Not snoozed at `now`: never snoozed, or the snooze has run out. */
export function notSnoozedFilter(nowIso: string): string {
  return `snoozed_until.is.null,snoozed_until.lte."${nowIso}"`;
}

export function applyBugFilters<Q extends FilterBuilder<Q>>(query: Q, f: BugFilters, now: Date): Q {
  const nowIso = now.toISOString();
  let q = query;
  if (f.severity.length) q = q.in('severity', f.severity);
  switch (f.status) {
    case 'open':
      q = openFilter(q);
      break;
    case 'snoozed':
      q = q.gt('snoozed_until', nowIso).eq('false_positive', false);
      break;
    case 'false_positive':
      q = q.eq('false_positive', true);
      break;
    case 'all':
      break;
    default:
      if ((OPEN_BUG_STATUSES as readonly string[]).includes(f.status)) {
        // An open lifecycle status, counted as "open" counts it (the same SQL rule and clock).
        q = openFilter(q.eq('status', f.status));
      } else if ((BUG_STATUSES as readonly string[]).includes(f.status)) {
        // fixed: not open by definition; silenced ones stay under their own filters.
        q = q.eq('status', f.status).eq('false_positive', false).or(notSnoozedFilter(nowIso));
      }
  }
  if (f.type) q = q.eq('type', f.type);
  if (f.path) q = q.eq('url_template', f.path);
  if (f.viewport) q = q.contains('viewports', [f.viewport]);
  if (f.flow) q = q.eq('flow_id', f.flow);
  switch (f.sort) {
    case 'severity':
      // Enum order is P0 < P1 < P2 < P3; within a severity the most recent breakage first.
      q = q.order('severity', { ascending: true }).order('first_seen_at', { ascending: false });
      break;
    case 'newest':
      q = q.order('first_seen_at', { ascending: false });
      break;
    case 'oldest':
      q = q.order('first_seen_at', { ascending: true });
      break;
  }
  // A unique last key keeps pages stable when many bugs share a timestamp.
  return q.order('id', { ascending: true });
}

export function pageRange(page: number, size = PAGE_SIZE): [number, number] {
  const from = (Math.max(1, page) - 1) * size;
  return [from, from + size - 1];
}
