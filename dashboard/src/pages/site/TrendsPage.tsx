/**
 * Trends over 7, 30 or 90 days: the health score, active bugs by severity, and one page's load
 * metrics, with deploy markers on the time axis. A marker (or the deploy list under the charts,
 * for keyboards and small screens) opens the bugs that appeared after that deploy: a deep link,
 * /sites/:siteId/trends?deploy=<id>.
 */
import { lazy, Suspense, useEffect, useMemo, useRef } from 'react';
import { Link, useSearchParams } from 'react-router';
import { fetchDeployBugs, fetchPageMetrics, fetchTrends } from '../../data/queries.ts';
import { METRICS, VIEWPORTS, type Metric, type Viewport } from '../../data/types.ts';
import { PAGE_SIZE } from '../../lib/bugFilters.ts';
import { count, dateTime, METRIC_LABELS, shortSha } from '../../lib/format.ts';
import { useDb } from '../../lib/supabase.tsx';
import { useResource } from '../../stores/resources.ts';
import { BugList } from '../../components/BugRow.tsx';
import { useSiteContext } from '../../components/SiteLayout.tsx';
import { Card, cx, EmptyState, ErrorCard, inlineInputClass, PageHeader, Pagination, Skeleton, SkeletonCard } from '../../components/ui.tsx';

const ScoreChart = lazy(() => import('../../charts/TrendCharts.tsx').then((m) => ({ default: m.ScoreChart })));
const BugCountChart = lazy(() => import('../../charts/TrendCharts.tsx').then((m) => ({ default: m.BugCountChart })));
const MetricChart = lazy(() => import('../../charts/TrendCharts.tsx').then((m) => ({ default: m.MetricChart })));

export const RANGES = [7, 30, 90] as const;
const DAY = 86_400_000;

function ChartSkeleton() {
  return <Skeleton className="h-[240px] w-full" />;
}

export function TrendsPage() {
  const { site } = useSiteContext();
  const db = useDb();
  const [params, setParams] = useSearchParams();
  const rangeParam = Number(params.get('range'));
  const days = (RANGES as readonly number[]).includes(rangeParam) ? rangeParam : 30;
  const deployId = params.get('deploy');
  // Fixed per range choice so charts and queries agree on the window.
  const now = useMemo(() => Date.now(), [days]);
  const from = now - days * DAY;
  const trends = useResource(`trends:${site.id}:${days}`, () => fetchTrends(db, site.id, days, new Date(now)));

  const pages = trends.data?.pages ?? [];
  const pageId = params.get('page') && pages.some((p) => p.id === params.get('page')) ? params.get('page')! : (pages.find((p) => p.url_template === '/')?.id ?? pages[0]?.id ?? null);
  const viewport = (VIEWPORTS as readonly string[]).includes(params.get('viewport') ?? '') ? (params.get('viewport') as Viewport) : 'desktop';
  const metric = (METRICS as readonly string[]).includes(params.get('metric') ?? '') ? (params.get('metric') as Metric) : 'load_ms';
  const metrics = useResource(pageId ? `metrics:${pageId}:${viewport}:${days}` : null, () => fetchPageMetrics(db, pageId!, viewport, days, new Date(now)));

  function set(patch: Record<string, string | null>) {
    const next = new URLSearchParams(params);
    for (const [key, v] of Object.entries(patch)) {
      if (v === null) next.delete(key);
      else next.set(key, v);
    }
    // Choosing a deploy is navigation (back returns to the chart); tweaking a chart is not.
    setParams(next, { replace: !('deploy' in patch) });
  }

  const onDeploy = (id: string) => set({ deploy: id, dp: null });
  const common = { from, to: now, deploys: trends.data?.deploys ?? [], selectedDeploy: deployId, onDeploy };

  return (
    <div>
      <PageHeader
        title="Trends"
        subtitle="How the site changed, and what each deploy did to it."
        actions={
          <div role="group" aria-label="Time range" className="inline-flex rounded-[8px] border border-line bg-surface p-0.5">
            {RANGES.map((r) => (
              <Link
                key={r}
                to={`/sites/${site.id}/trends?range=${r}`}
                aria-current={r === days ? 'page' : undefined}
                className={cx('rounded-[6px] px-3 py-1.5 text-sm transition-colors duration-200 ease-out', r === days ? 'bg-ink text-white' : 'text-muted hover:text-ink')}
              >
                {r} days
              </Link>
            ))}
          </div>
        }
      />
      {trends.status === 'error' && !trends.data ? (
        <ErrorCard message={trends.error ?? ''} onRetry={trends.reload} />
      ) : !trends.data ? (
        <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
          <SkeletonCard lines={6} label="Loading trends" />
          <SkeletonCard lines={6} label="Loading trends" />
        </div>
      ) : trends.data.scores.length === 0 ? (
        <div className="card">
          <EmptyState title="No crawls in this period">Trends appear once a few crawls have finished. Try a longer range.</EmptyState>
        </div>
      ) : (
        <div className="space-y-4">
          {deployId && <DeployPanel siteId={site.id} deployId={deployId} onClose={() => set({ deploy: null, dp: null })} />}
          <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
            <Card title="Health score" labelledBy="t-score">
              <figure>
                <Suspense fallback={<ChartSkeleton />}>
                  <ScoreChart scores={trends.data.scores} {...common} />
                </Suspense>
                <figcaption className="sr-only">
                  Health score over {days} days, {trends.data.scores.length} {trends.data.scores.length === 1 ? 'crawl' : 'crawls'}, from {trends.data.scores[0]?.score} to {trends.data.scores.at(-1)?.score}.
                </figcaption>
              </figure>
            </Card>
            <Card title="Active bugs by severity" labelledBy="t-bugs">
              <figure>
                <Suspense fallback={<ChartSkeleton />}>
                  <BugCountChart scores={trends.data.scores} {...common} />
                </Suspense>
                <figcaption className="sr-only">Active bugs by severity at each crawl over {days} days.</figcaption>
              </figure>
            </Card>
          </div>
          <Card
            title="Page performance"
            labelledBy="t-perf"
            action={
              <div className="flex flex-wrap gap-2">
                <label className="sr-only" htmlFor="t-page">
                  Page
                </label>
                <select id="t-page" className={inlineInputClass} value={pageId ?? ''} onChange={(e) => set({ page: e.target.value })}>
                  {pages.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.url_template}
                    </option>
                  ))}
                </select>
                <label className="sr-only" htmlFor="t-viewport">
                  Viewport
                </label>
                <select id="t-viewport" className={inlineInputClass} value={viewport} onChange={(e) => set({ viewport: e.target.value })}>
                  {VIEWPORTS.map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
                <label className="sr-only" htmlFor="t-metric">
                  Metric
                </label>
                <select id="t-metric" className={inlineInputClass} value={metric} onChange={(e) => set({ metric: e.target.value })}>
                  {METRICS.map((m) => (
                    <option key={m} value={m}>
                      {METRIC_LABELS[m]}
                    </option>
                  ))}
                </select>
              </div>
            }
          >
            {!pageId ? (
              <EmptyState title="No pages measured yet" />
            ) : metrics.status === 'error' && !metrics.data ? (
              <ErrorCard message={metrics.error ?? ''} onRetry={metrics.reload} />
            ) : !metrics.data ? (
              <ChartSkeleton />
            ) : metrics.data.length === 0 ? (
              <EmptyState title="No measurements for this page and viewport in this period" />
            ) : (
              <figure>
                <Suspense fallback={<ChartSkeleton />}>
                  <MetricChart rows={metrics.data} metric={metric} {...common} />
                </Suspense>
                <figcaption className="sr-only">
                  {METRIC_LABELS[metric]} of {pages.find((p) => p.id === pageId)?.url_template} on {viewport} over {days} days.
                </figcaption>
              </figure>
            )}
          </Card>
          <Card title="Deploys in this period" labelledBy="t-deploys">
            {trends.data.deploys.length === 0 ? (
              <p className="text-sm text-muted">No deploys were reported. Connect your CI in Settings → Deploy webhook.</p>
            ) : (
              <ul className="flex flex-wrap gap-2" aria-label="Deploys">
                {[...trends.data.deploys].reverse().map((d) => (
                  <li key={d.id}>
                    <Link
                      to={`/sites/${site.id}/trends?range=${days}&deploy=${d.id}`}
                      aria-current={d.id === deployId ? 'true' : undefined}
                      className={cx(
                        'inline-flex min-h-9 items-center gap-2 rounded-[8px] border px-3 text-sm transition-colors duration-200 ease-out',
                        d.id === deployId ? 'border-accent bg-[#eef3fe]' : 'border-line bg-surface hover:bg-[#f5f5f3]',
                      )}
                    >
                      <span className="metric">{shortSha(d.commit_sha)}</span>
                      <span className="text-xs text-muted">{dateTime(d.received_at)}</span>
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      )}
    </div>
  );
}

function DeployPanel({ siteId, deployId, onClose }: { siteId: string; deployId: string; onClose: () => void }) {
  const db = useDb();
  const [params] = useSearchParams();
  const page = Math.max(1, Number.parseInt(params.get('dp') ?? '1', 10) || 1);
  const res = useResource(`deploy-bugs:${siteId}:${deployId}:${page}`, () => fetchDeployBugs(db, siteId, deployId, page));
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, [deployId]);
  const hrefFor = (p: number) => {
    const next = new URLSearchParams(params);
    if (p > 1) next.set('dp', String(p));
    else next.delete('dp');
    return `/sites/${siteId}/trends?${next.toString()}`;
  };
  const d = res.data?.deploy;
  return (
    <section className="card border-accent p-5 sm:p-6 fade-in" aria-labelledby="deploy-panel-title" data-testid="deploy-panel">
      <div className="mb-4 flex flex-wrap items-start justify-between gap-2">
        <div>
          <h2 id="deploy-panel-title" ref={heading} tabIndex={-1} className="text-base font-semibold outline-none">
            {d ? (
              <>
                Bugs that appeared after deploy <span className="metric">{shortSha(d.commit_sha)}</span>
              </>
            ) : (
              'Bugs that appeared after this deploy'
            )}
          </h2>
          {d && (
            <p className="text-xs text-muted">
              {dateTime(d.received_at)}
              {d.branch ? ` · ${d.branch}` : ''}
              {d.environment ? ` · ${d.environment}` : ''}
            </p>
          )}
        </div>
        <button type="button" onClick={onClose} className="text-sm text-muted hover:text-ink">
          Close
        </button>
      </div>
      {res.status === 'error' && !res.data ? (
        <ErrorCard message={res.error ?? ''} onRetry={res.reload} />
      ) : !res.data ? (
        <Skeleton className="h-16 w-full" />
      ) : res.data.deploy === null ? (
        <p className="text-sm text-muted">This deploy does not exist on this site.</p>
      ) : res.data.bugs.total === 0 ? (
        <EmptyState title="Nothing new after this deploy">No bug was first seen (or came back) in the crawls after it. A clean release.</EmptyState>
      ) : (
        <>
          <p className="mb-3 text-sm text-muted">
            <span className="metric">{count(res.data.bugs.total)}</span> {res.data.bugs.total === 1 ? 'bug' : 'bugs'} first seen (or back again) after it:
          </p>
          <BugList bugs={res.data.bugs.rows} siteId={siteId} label="Bugs after this deploy" />
          <Pagination page={page} pageSize={PAGE_SIZE} total={res.data.bugs.total} hrefFor={hrefFor} label="Deploy bug pages" />
        </>
      )}
    </section>
  );
}
