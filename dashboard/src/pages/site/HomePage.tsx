/**
 * Site home: the greeting, the health score with its change and 30-day sparkline, today's changes,
 * the active bugs and a performance snapshot against baseline. Every number links to the crawl run
 * that produced it (the score and its parts, the changes, each measurement).
 */
import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { fetchHome, HOME_ACTIVE_LIMIT, type HomeData, type PerfRow } from '../../data/queries.ts';
import type { BugListRow, Viewport } from '../../data/types.ts';
import { count, dateTime, displayName, greeting, metricValue, percentChange, relativeTime, TRIGGER_LABELS } from '../../lib/format.ts';
import { useDb } from '../../lib/supabase.tsx';
import { useResource } from '../../stores/resources.ts';
import { useSessionStore } from '../../stores/session.ts';
import { tokens } from '../../theme.ts';
import { BugList } from '../../components/BugRow.tsx';
import { useSiteContext } from '../../components/SiteLayout.tsx';
import { Sparkline } from '../../components/Sparkline.tsx';
import { Card, cx, Delta, EmptyState, ErrorCard, ScoreBar, SkeletonCard } from '../../components/ui.tsx';

export function HomePage() {
  const { site } = useSiteContext();
  const db = useDb();
  const user = useSessionStore((s) => s.user);
  const home = useResource(`home:${site.id}`, () => fetchHome(db, site.id));
  const now = useMemo(() => new Date(), []);
  const ready = home.status === 'ready';

  useEffect(() => {
    // The benchmark's time-to-interactive marker: the home has its data and is painted.
    if (ready && typeof performance !== 'undefined' && performance.getEntriesByName('flowlens:home-ready').length === 0) performance.mark('flowlens:home-ready');
  }, [ready]);

  return (
    <div data-testid="site-home" data-ready={ready ? 'true' : 'false'}>
      <div className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight">
          {greeting(now)}, {displayName(user)}
        </h1>
        <p className="mt-1 text-sm text-muted">
          Here is how {site.name} is doing
          {home.data?.currentRun && home.data.currentRun.status !== 'completed' && home.data.currentRun.status !== 'failed' && (
            <>
              {' '}
              · a {TRIGGER_LABELS[home.data.currentRun.trigger]?.toLowerCase()} crawl is{' '}
              <Link className="link" to={`/sites/${site.id}/runs/${home.data.currentRun.id}`}>
                {home.data.currentRun.status} now
              </Link>
            </>
          )}
          .
        </p>
      </div>
      {home.status === 'error' && !home.data ? (
        <ErrorCard message={home.error ?? ''} onRetry={home.reload} />
      ) : !home.data ? (
        <HomeSkeleton />
      ) : home.data.latest === null ? (
        <NoCrawlYet siteId={site.id} />
      ) : (
        <HomeContent data={home.data} siteId={site.id} now={now} />
      )}
    </div>
  );
}

function HomeSkeleton() {
  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
      <SkeletonCard lines={4} label="Loading the health score" />
      <SkeletonCard lines={4} className="lg:col-span-2" label="Loading today's changes" />
      <SkeletonCard lines={6} className="lg:col-span-2" label="Loading active bugs" />
      <SkeletonCard lines={6} label="Loading performance" />
    </div>
  );
}

function NoCrawlYet({ siteId }: { siteId: string }) {
  return (
    <div className="card">
      <EmptyState
        title="No crawl has finished yet"
        action={
          <Link className="link" to={`/sites/${siteId}/flows`}>
            See flows and run a crawl now →
          </Link>
        }
      >
        Record a flow with the Chrome extension; the nightly crawl replays it and your health score appears here the morning after.
      </EmptyState>
    </div>
  );
}

function HomeContent({ data, siteId, now }: { data: HomeData; siteId: string; now: Date }) {
  const { latest, previous, scoreRun } = data;
  if (!latest) return null;
  const delta = previous ? latest.score - previous.score : null;
  const runHref = `/sites/${siteId}/runs/${latest.run_id}`;
  const spark = data.sparkline.map((p) => ({ t: new Date(p.computed_at).getTime(), value: p.score }));
  const c = latest.components;

  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
      <Card title="Health score" labelledBy="score-title">
        <div className="flex items-end justify-between gap-4">
          <Link to={runHref} className="group rounded" aria-label={`Health score ${latest.score} out of 100, from the crawl of ${dateTime(latest.computed_at)}`} data-testid="health-score">
            <span className="metric block text-6xl font-semibold leading-none tracking-tight text-ink group-hover:text-accent">{latest.score}</span>
          </Link>
          <div className="pb-1 text-right">
            <Delta value={delta} className="text-base" />
            {previous && (
              <p className="text-xs text-muted">
                from{' '}
                <Link className="link" to={`/sites/${siteId}/runs/${previous.run_id}`}>
                  {previous.score}
                </Link>
              </p>
            )}
          </div>
        </div>
        <div className="mt-3">
          <ScoreBar score={latest.score} />
        </div>
        <div className="mt-4">
          <Sparkline points={spark} label={`Health score over the last 30 days: from ${spark[0]?.value ?? '—'} to ${latest.score}`} />
          <p className="mt-1 text-xs text-muted">
            Last 30 days ·{' '}
            <Link className="link" to={`/sites/${siteId}/trends`}>
              trends
            </Link>
          </p>
        </div>
        <dl className="mt-4 grid grid-cols-2 gap-x-4 gap-y-2 text-sm">
          {(
            [
              ['Bugs', c?.bugs],
              ['Flows', c?.flows],
              ['Performance', c?.performance],
              ['Accessibility', c?.accessibility],
            ] as const
          ).map(([label, v]) => (
            <div key={label} className="flex items-baseline justify-between gap-2">
              <dt className="text-muted">{label}</dt>
              <dd>
                <Link className="metric link text-ink" to={runHref}>
                  {v ?? '—'}
                </Link>
              </dd>
            </div>
          ))}
        </dl>
        <p className="mt-4 text-xs text-muted">
          From the{' '}
          <Link className="link" to={runHref}>
            {TRIGGER_LABELS[scoreRun?.trigger ?? 'schedule']?.toLowerCase()} crawl of {dateTime(latest.computed_at)}
          </Link>
          .
        </p>
      </Card>

      <TodaysChanges data={data} siteId={siteId} now={now} />

      <Card
        className="lg:col-span-2"
        title={
          <>
            Active bugs <span className="metric ml-1 text-sm font-normal text-muted">{count(data.active.total)}</span>
          </>
        }
        labelledBy="active-title"
        action={
          data.active.total > 0 && (
            <Link className="link text-sm" to={`/sites/${siteId}/bugs`}>
              {data.active.total > HOME_ACTIVE_LIMIT ? `See all ${count(data.active.total)}` : 'Open the bug list'} →
            </Link>
          )
        }
      >
        {data.active.rows.length === 0 ? (
          <EmptyState title="No open bugs">Nothing is broken that FlowLens can see. Enjoy the quiet.</EmptyState>
        ) : (
          <BugList bugs={data.active.rows} siteId={siteId} now={now} showStatus label="Active bugs" />
        )}
      </Card>

      <PerformanceSnapshot rows={data.perf} siteId={siteId} />
    </div>
  );
}

function TodaysChanges({ data, siteId, now }: { data: HomeData; siteId: string; now: Date }) {
  const run = data.scoreRun;
  if (!run) return null;
  const finished = run.finished_at ? new Date(run.finished_at) : null;
  const isToday = finished !== null && finished.toDateString() === now.toDateString();
  const runHref = `/sites/${siteId}/runs/${run.id}`;
  const groups: Array<{ key: string; label: string; total: number; bugs: BugListRow[]; colour: string; showStatus: boolean }> = [
    { key: 'new', label: 'New bugs', total: run.new_ids?.length ?? 0, bugs: data.changes.fresh, colour: tokens.critical, showStatus: false },
    { key: 'regressed', label: 'Came back', total: run.regressed_ids?.length ?? 0, bugs: data.changes.regressed, colour: tokens.critical, showStatus: false },
    { key: 'fixed', label: 'Fixed', total: run.fixed_ids?.length ?? 0, bugs: data.changes.fixed, colour: tokens.success, showStatus: false },
    { key: 'perf', label: 'Performance alerts', total: data.changes.perfAlerts.length, bugs: data.changes.perfAlerts, colour: tokens.warning, showStatus: false },
  ];
  const nothing = groups.every((g) => g.total === 0);
  return (
    <Card
      className="lg:col-span-2"
      title={isToday ? "Today's changes" : 'Changes in the latest crawl'}
      labelledBy="changes-title"
      action={
        <Link className="link text-sm" to={runHref}>
          {finished ? relativeTime(finished.toISOString(), now) : 'latest crawl'} · see the crawl →
        </Link>
      }
    >
      {nothing ? (
        <EmptyState title="Nothing changed">The latest crawl found the same bugs as the one before, and nothing new.</EmptyState>
      ) : (
        <div className="space-y-5">
          <ul className="grid grid-cols-2 gap-3 sm:grid-cols-4" aria-label="Change counts">
            {groups.map((g) => (
              <li key={g.key} className="rounded-[8px] border border-line p-3">
                <Link to={runHref} className="block rounded">
                  <span className="flex items-center gap-1.5 text-xs text-muted">
                    <span aria-hidden="true" className="inline-block h-2 w-2 rounded-full" style={{ background: g.colour }} />
                    {g.label}
                  </span>
                  <span className="metric mt-1 block text-2xl font-semibold">{count(Math.max(0, g.total))}</span>
                </Link>
              </li>
            ))}
          </ul>
          {groups
            .filter((g) => g.bugs.length > 0)
            .map((g) => (
              <div key={g.key}>
                <h3 className="mb-2 text-sm font-semibold">{g.label}</h3>
                <BugList bugs={g.bugs.slice(0, 5)} siteId={siteId} now={now} showStatus={g.showStatus} label={g.label} />
              </div>
            ))}
        </div>
      )}
    </Card>
  );
}

function PerformanceSnapshot({ rows, siteId }: { rows: PerfRow[]; siteId: string }) {
  const viewports = useMemo(() => Array.from(new Set(rows.map((r) => r.viewport))) as Viewport[], [rows]);
  const [viewport, setViewport] = useState<Viewport>(viewports.includes('desktop') ? 'desktop' : (viewports[0] ?? 'desktop'));
  const shown = rows.filter((r) => r.viewport === viewport);
  return (
    <Card title="Performance" labelledBy="perf-title">
      {rows.length === 0 ? (
        <EmptyState title="No measurements yet">Page load times appear after the first crawl that visits your pages.</EmptyState>
      ) : (
        <>
          <div role="group" aria-label="Viewport" className="mb-3 inline-flex rounded-[8px] border border-line p-0.5">
            {viewports.map((v) => (
              <button
                key={v}
                type="button"
                aria-pressed={v === viewport}
                onClick={() => setViewport(v)}
                className={cx('rounded-[6px] px-2.5 py-1 text-xs capitalize transition-colors duration-200 ease-out', v === viewport ? 'bg-ink text-white' : 'text-muted hover:text-ink')}
              >
                {v}
              </button>
            ))}
          </div>
          <table className="w-full text-sm">
            <caption className="sr-only">Load time per page on {viewport}, against its baseline</caption>
            <thead>
              <tr className="text-left text-xs text-muted">
                <th scope="col" className="pb-2 font-normal">
                  Page
                </th>
                <th scope="col" className="pb-2 text-right font-normal">
                  Load
                </th>
                <th scope="col" className="pb-2 text-right font-normal">
                  vs usual
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-line">
              {shown.map((r) => {
                const b = r.baselineLoad;
                const slow = b !== null && r.loadMs !== null && b.samples >= 5 && r.loadMs > b.mean + 2 * b.stddev;
                return (
                  <tr key={`${r.pageId}-${r.viewport}`}>
                    <td className="metric max-w-[9rem] truncate py-2 pr-2 text-xs" title={r.urlTemplate}>
                      {r.urlTemplate}
                    </td>
                    <td className="py-2 text-right">
                      <Link className="metric link text-ink" to={`/sites/${siteId}/runs/${r.runId}`} title="Measured in this crawl">
                        {metricValue('load_ms', r.loadMs)}
                      </Link>
                    </td>
                    <td className="py-2 pl-2 text-right">
                      <span className={cx('metric inline-flex items-center gap-1 text-xs', slow ? 'font-semibold text-[#991b1b]' : 'text-muted')}>
                        {slow && <span aria-hidden="true" className="inline-block h-2 w-2 rounded-full" style={{ background: tokens.warning }} />}
                        {b && b.samples >= 2 && r.loadMs !== null ? percentChange(r.loadMs, b.mean) : '—'}
                        {slow && <span className="sr-only">slower than usual</span>}
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="mt-3 text-xs text-muted">
            "Usual" is the mean of the last {rows[0]?.baselineLoad?.samples ?? 30} crawls; flagged when more than two standard deviations slower.{' '}
            <Link className="link" to={`/sites/${siteId}/trends`}>
              Trends
            </Link>
          </p>
        </>
      )}
    </Card>
  );
}
