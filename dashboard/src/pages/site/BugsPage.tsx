/**
 * The bug list: filters and sort in the URL, filtered, sorted and paginated by the server.
 */
import { useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { fetchBugFacets, fetchBugs } from '../../data/queries.ts';
import { BUG_TYPES, SEVERITIES, VIEWPORTS, type Severity } from '../../data/types.ts';
import {
  bugListKey,
  PAGE_SIZE,
  parseBugFilters,
  serialiseBugFilters,
  SORT_LABELS,
  SORTS,
  STATUS_FILTER_LABELS,
  STATUS_FILTERS,
  type BugFilters,
} from '../../lib/bugFilters.ts';
import { count, TYPE_LABELS } from '../../lib/format.ts';
import { useDb } from '../../lib/supabase.tsx';
import { useResource } from '../../stores/resources.ts';
import { BugList } from '../../components/BugRow.tsx';
import { useSiteContext } from '../../components/SiteLayout.tsx';
import { Button, Card, cx, EmptyState, ErrorCard, inputClass, PageHeader, Pagination, SeverityDot, Skeleton } from '../../components/ui.tsx';

export function BugsPage() {
  const { site } = useSiteContext();
  const db = useDb();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => parseBugFilters(params), [params]);
  const key = bugListKey(site.id, filters);
  const list = useResource(key, () => fetchBugs(db, site.id, filters));
  const facets = useResource(`facets:${site.id}`, () => fetchBugFacets(db, site.id));
  const now = new Date();

  function update(patch: Partial<BugFilters>) {
    const next = { ...filters, ...patch, page: patch.page ?? 1 };
    setParams(serialiseBugFilters(next));
  }

  function toggleSeverity(s: Severity) {
    const has = filters.severity.includes(s);
    update({ severity: has ? filters.severity.filter((x) => x !== s) : [...filters.severity, s] });
  }

  const hrefFor = (page: number) => {
    const q = serialiseBugFilters({ ...filters, page }).toString();
    return `/sites/${site.id}/bugs${q ? `?${q}` : ''}`;
  };
  const filtered = serialiseBugFilters({ ...filters, page: 1, sort: 'severity' }).toString() !== '';

  return (
    <div>
      <PageHeader title="Bugs" subtitle={<span data-testid="bug-total">{list.data ? `${count(list.data.total)} ${list.data.total === 1 ? 'bug' : 'bugs'} match` : 'Loading…'}</span>} />
      <Card className="mb-4" as="div">
        <form role="search" aria-label="Filter bugs" onSubmit={(e) => e.preventDefault()} className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
          <div className="flex flex-col gap-1 sm:col-span-2 lg:col-span-4">
            <span id="severity-label" className="text-sm font-medium">
              Severity
            </span>
            <div role="group" aria-labelledby="severity-label" className="flex flex-wrap gap-2">
              {SEVERITIES.map((s) => {
                const on = filters.severity.includes(s);
                return (
                  <button
                    key={s}
                    type="button"
                    aria-pressed={on}
                    onClick={() => toggleSeverity(s)}
                    className={cx(
                      'metric inline-flex min-h-9 items-center gap-2 rounded-[8px] border px-3 text-sm transition-colors duration-200 ease-out',
                      on ? 'border-ink bg-ink text-white' : 'border-line bg-surface hover:bg-[#f5f5f3]',
                    )}
                  >
                    <SeverityDot severity={s} />
                    {s}
                  </button>
                );
              })}
            </div>
          </div>
          <Select id="f-status" label="Status" value={filters.status} onChange={(v) => update({ status: v as BugFilters['status'] })} options={STATUS_FILTERS.map((s) => [s, STATUS_FILTER_LABELS[s]])} />
          <Select id="f-type" label="Type" value={filters.type ?? ''} onChange={(v) => update({ type: (v || null) as BugFilters['type'] })} options={[['', 'All types'], ...BUG_TYPES.map((t) => [t, TYPE_LABELS[t] ?? t] as [string, string])]} />
          <Select
            id="f-page"
            label="Page"
            value={filters.path ?? ''}
            onChange={(v) => update({ path: v || null })}
            options={[['', 'All pages'], ...Array.from(new Set([...(facets.data?.pages ?? []), ...(filters.path ? [filters.path] : [])])).map((p) => [p, p] as [string, string])]}
          />
          <Select id="f-viewport" label="Viewport" value={filters.viewport ?? ''} onChange={(v) => update({ viewport: (v || null) as BugFilters['viewport'] })} options={[['', 'All viewports'], ...VIEWPORTS.map((v) => [v, v] as [string, string])]} />
          <Select
            id="f-flow"
            label="Flow"
            value={filters.flow ?? ''}
            onChange={(v) => update({ flow: v || null })}
            options={[['', 'Any flow or none'], ...(facets.data?.flows ?? []).map((f) => [f.id, f.name] as [string, string])]}
          />
          <Select id="f-sort" label="Sort" value={filters.sort} onChange={(v) => update({ sort: v as BugFilters['sort'] })} options={SORTS.map((s) => [s, SORT_LABELS[s]])} />
          {filtered && (
            <div className="flex items-end">
              <Button variant="ghost" onClick={() => setParams(new URLSearchParams())}>
                Clear filters
              </Button>
            </div>
          )}
        </form>
      </Card>

      <Card as="div" className={cx(list.refreshing && 'opacity-70 transition-opacity')}>
        {list.status === 'error' && !list.data ? (
          <ErrorCard message={list.error ?? ''} onRetry={list.reload} />
        ) : !list.data ? (
          <div role="status" aria-label="Loading bugs" className="space-y-4">
            {Array.from({ length: 6 }, (_, i) => (
              <div key={i} className="flex gap-3">
                <Skeleton className="h-4 w-8" />
                <div className="flex-1 space-y-2">
                  <Skeleton className="h-4 w-3/4" />
                  <Skeleton className="h-3 w-1/3" />
                </div>
              </div>
            ))}
          </div>
        ) : list.data.rows.length === 0 ? (
          <EmptyState title={filters.status === 'open' && !filtered ? 'No open bugs' : 'No bugs match these filters'}>
            {filters.status === 'open' && !filtered ? 'Nothing is broken that FlowLens can see.' : 'Try another status or clear the filters.'}
          </EmptyState>
        ) : (
          <>
            <BugList bugs={list.data.rows} siteId={site.id} now={now} label="Bugs" />
            <Pagination page={list.data.page} pageSize={PAGE_SIZE} total={list.data.total} hrefFor={hrefFor} label="Bug pages" />
          </>
        )}
      </Card>
    </div>
  );
}

function Select({ id, label, value, onChange, options }: { id: string; label: string; value: string; onChange: (v: string) => void; options: ReadonlyArray<readonly [string, string]> }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-sm font-medium">
        {label}
      </label>
      <select id={id} className={inputClass} value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}
