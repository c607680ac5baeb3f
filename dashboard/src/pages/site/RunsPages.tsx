/**
 * History: every crawl run (trigger, duration, result), paginated by the server, and one run with
 * its crawl diff (new / came back / fixed / still there, pages added and removed), the score it
 * produced with the inputs behind it, its jobs and flow results.
 */
import { useEffect } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { fetchRun, fetchRuns, RUN_DIFF_LIMIT } from '../../data/queries.ts';
import type { BugListRow, RunRow } from '../../data/types.ts';
import { PAGE_SIZE } from '../../lib/bugFilters.ts';
import { count, dateTime, duration, plural, relativeTime, shortSha, TRIGGER_LABELS } from '../../lib/format.ts';
import { useDb } from '../../lib/supabase.tsx';
import { useResource } from '../../stores/resources.ts';
import { BugList } from '../../components/BugRow.tsx';
import { useSiteContext } from '../../components/SiteLayout.tsx';
import { Card, Delta, EmptyState, ErrorCard, PageHeader, Pagination, Skeleton, SkeletonCard, StatusPill } from '../../components/ui.tsx';

function TriggerText({ run }: { run: Pick<RunRow, 'trigger' | 'deploy_events'> }) {
  return (
    <span>
      {TRIGGER_LABELS[run.trigger] ?? run.trigger}
      {run.trigger === 'deploy' && run.deploy_events && <span className="metric text-muted"> {shortSha(run.deploy_events.commit_sha)}</span>}
    </span>
  );
}

export function RunsPage() {
  const { site } = useSiteContext();
  const db = useDb();
  const [params] = useSearchParams();
  const page = Math.max(1, Number.parseInt(params.get('p') ?? '1', 10) || 1);
  const runs = useResource(`runs:${site.id}:${page}`, () => fetchRuns(db, site.id, page));

  return (
    <div>
      <PageHeader title="History" subtitle="Every crawl, newest first." />
      {runs.status === 'error' && !runs.data ? (
        <ErrorCard message={runs.error ?? ''} onRetry={runs.reload} />
      ) : !runs.data ? (
        <SkeletonCard lines={8} label="Loading the history" />
      ) : runs.data.total === 0 ? (
        <div className="card">
          <EmptyState title="No crawls yet">The first scheduled crawl runs tonight; "Run now" on the Flows page starts one straight away.</EmptyState>
        </div>
      ) : (
        <Card as="div">
          <div className="relative overflow-x-auto">
            <table className="w-full min-w-[40rem] text-sm">
              <caption className="sr-only">Crawl runs</caption>
              <thead>
                <tr className="border-b border-line text-left text-xs text-muted">
                  <th scope="col" className="pb-2 font-normal">
                    Started
                  </th>
                  <th scope="col" className="pb-2 font-normal">
                    Trigger
                  </th>
                  <th scope="col" className="pb-2 font-normal">
                    Duration
                  </th>
                  <th scope="col" className="pb-2 font-normal">
                    Result
                  </th>
                  <th scope="col" className="pb-2 text-right font-normal">
                    Score
                  </th>
                  <th scope="col" className="pb-2 text-right font-normal">
                    New · fixed
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-line">
                {runs.data.rows.map((r) => (
                  <tr key={r.id}>
                    <td className="py-2.5 pr-3">
                      <Link className="link" to={`/sites/${site.id}/runs/${r.id}`}>
                        {dateTime(r.started_at ?? r.created_at)}
                      </Link>
                    </td>
                    <td className="py-2.5 pr-3">
                      <TriggerText run={r} />
                    </td>
                    <td className="metric py-2.5 pr-3 text-xs">{duration(r.started_at, r.finished_at)}</td>
                    <td className="py-2.5 pr-3">
                      <StatusPill status={r.status} />
                    </td>
                    <td className="metric py-2.5 text-right">{r.health_score ?? '—'}</td>
                    <td className="metric py-2.5 text-right text-xs">
                      {r.new_ids ? `+${r.new_ids.length + (r.regressed_ids?.length ?? 0)} · −${r.fixed_ids?.length ?? 0}` : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination page={page} pageSize={PAGE_SIZE} total={runs.data.total} hrefFor={(p) => `/sites/${site.id}/runs${p > 1 ? `?p=${p}` : ''}`} label="History pages" />
        </Card>
      )}
    </div>
  );
}

export function RunDetailPage() {
  const { site } = useSiteContext();
  const { runId = '' } = useParams();
  const db = useDb();
  const res = useResource(`run:${site.id}:${runId}`, () => fetchRun(db, site.id, runId));
  const inProgress = res.data?.run.status === 'queued' || res.data?.run.status === 'running';
  const { reload } = res;
  useEffect(() => {
    // Follow a crawl that is still going (e.g. right after "Run now"): its jobs, then its diff.
    if (!inProgress) return;
    const timer = setInterval(reload, 5000);
    return () => clearInterval(timer);
  }, [inProgress, reload]);

  if (res.status === 'error' && !res.data) return <ErrorCard message={res.error ?? ''} onRetry={res.reload} />;
  if (res.status !== 'ready' && !res.data) {
    return (
      <div className="space-y-4">
        <Skeleton className="h-8 w-1/2" />
        <SkeletonCard lines={6} label="Loading the run" />
      </div>
    );
  }
  if (!res.data) {
    return (
      <div className="card p-8 text-center">
        <h1 className="text-xl font-semibold">Run not found</h1>
        <Link className="link mt-4 inline-block" to={`/sites/${site.id}/runs`}>
          Back to the history
        </Link>
      </div>
    );
  }
  const { run, health, jobs, results, deploy, bugs } = res.data;
  const s = run.summary;
  const lookup = (ids: string[]) => ids.slice(0, RUN_DIFF_LIMIT).flatMap((id) => (bugs[id] ? [bugs[id]] : []));
  // Performance counts the metric comparisons with a baseline (n of core/health.ts: within it + regressed).
  const inputs = health?.inputs;
  const delta = s?.healthScore != null && s.previousHealthScore != null ? s.healthScore - s.previousHealthScore : null;

  return (
    <div className="space-y-4">
      <Link className="link text-sm" to={`/sites/${site.id}/runs`}>
        ← History
      </Link>
      <PageHeader
        title={
          <>
            {TRIGGER_LABELS[run.trigger]} crawl, {dateTime(run.started_at ?? run.created_at)}
          </>
        }
        subtitle={
          <span className="inline-flex flex-wrap items-center gap-2">
            <StatusPill status={run.status} /> <span>took {duration(run.started_at, run.finished_at)}</span>
            <span>· {run.viewports.join(', ')}</span>
            {deploy && (
              <span>
                · after deploy{' '}
                <Link className="link metric" to={`/sites/${site.id}/trends?deploy=${deploy.id}`}>
                  {shortSha(deploy.commit_sha)}
                </Link>
              </span>
            )}
          </span>
        }
      />
      {run.error && (
        <p className="card border-l-4 p-4 text-sm" style={{ borderLeftColor: '#EAB308' }}>
          {run.error}
        </p>
      )}
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
        <Card title="Score from this crawl" labelledBy="run-score">
          {health ? (
            <>
              <div className="flex items-end justify-between">
                <span className="metric text-5xl font-semibold leading-none" data-testid="run-score">
                  {health.score}
                </span>
                <Delta value={delta} />
              </div>
              <table className="mt-4 w-full text-sm">
                <caption className="sr-only">Score components and the inputs that produced them</caption>
                <tbody className="divide-y divide-line">
                  <ComponentRow label="Bugs" value={health.components?.bugs} detail={inputs?.bugs ? `${(['P0', 'P1', 'P2', 'P3'] as const).map((k) => `${k} ${inputs.bugs![k]}`).join(' · ')} active` : NOT_RECORDED} />
                  <ComponentRow label="Flows" value={health.components?.flows} detail={inputs?.flows ? `${inputs.flows.passed} of ${inputs.flows.total} passed` : NOT_RECORDED} />
                  <ComponentRow
                    label="Performance"
                    value={health.components?.performance}
                    detail={inputs?.performance ? `${inputs.performance.regressed} regressions, ${inputs.performance.withinBaseline + inputs.performance.regressed} measurements` : NOT_RECORDED}
                  />
                  <ComponentRow
                    label="Accessibility"
                    value={health.components?.accessibility}
                    detail={inputs?.accessibility ? (['critical', 'serious', 'moderate', 'minor'] as const).map((k) => `${k} ${inputs.accessibility![k]}`).join(' · ') : NOT_RECORDED}
                  />
                </tbody>
              </table>
              <p className="mt-3 text-xs text-muted">Formula {health.formula_version}: 40% bugs, 30% flows, 15% performance, 15% accessibility; at most 50 while a P0 is open.</p>
            </>
          ) : (
            <p className="text-sm text-muted">{run.status === 'completed' ? 'No score was stored for this crawl.' : `This crawl is ${run.status}; the score appears when it finishes.`}</p>
          )}
        </Card>
        <Card className="lg:col-span-2" title="What changed" labelledBy="run-diff">
          {!s ? (
            <p className="text-sm text-muted">The diff appears when the crawl finishes.</p>
          ) : (
            <div className="space-y-5">
              <ul className="grid grid-cols-2 gap-3 sm:grid-cols-4" aria-label="Diff counts">
                {(
                  [
                    ['New', s.new.length],
                    ['Came back', s.regressed.length],
                    ['Fixed', s.fixed.length],
                    ['Still there', s.persistent.length],
                  ] as const
                ).map(([label, n]) => (
                  <li key={label} className="rounded-[8px] border border-line p-3">
                    <span className="text-xs text-muted">{label}</span>
                    <span className="metric mt-1 block text-2xl font-semibold">{count(n)}</span>
                  </li>
                ))}
              </ul>
              <DiffList title="New" ids={s.new} bugs={lookup(s.new)} siteId={site.id} />
              <DiffList title="Came back" ids={s.regressed} bugs={lookup(s.regressed)} siteId={site.id} />
              <DiffList title="Fixed" ids={s.fixed} bugs={lookup(s.fixed)} siteId={site.id} />
              <DiffList title="Still there" ids={s.persistent} bugs={lookup(s.persistent)} siteId={site.id} collapsed />
              {(s.pagesAdded.length > 0 || s.pagesRemoved.length > 0) && (
                <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
                  <PageList title="Pages added" pages={s.pagesAdded} />
                  <PageList title="Pages removed" pages={s.pagesRemoved} />
                </div>
              )}
              {s.a11yAudits && s.a11yAudits.fresh + s.a11yAudits.reused > 0 && (
                <p className="text-sm text-muted" data-testid="run-a11y-audits">
                  {a11yAuditSentence(s.a11yAudits)}
                </p>
              )}
            </div>
          )}
        </Card>
      </div>
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
        <Card title="Flow results" labelledBy="run-results">
          {results.length === 0 ? (
            <p className="text-sm text-muted">No flow ran in this crawl.</p>
          ) : (
            <ul className="divide-y divide-line text-sm">
              {results.map((r) => (
                <li key={r.id} className="flex items-center justify-between gap-2 py-2">
                  <span className="min-w-0">
                    <Link className="link text-ink" to={`/sites/${site.id}/flows/${r.flow_id}`}>
                      {r.flows?.name ?? 'flow'}
                    </Link>{' '}
                    <span className="text-xs text-muted">· {r.viewport}</span>
                    {r.failed_step !== null && <span className="text-xs text-muted"> · failed at step {r.failed_step + 1}</span>}
                  </span>
                  <StatusPill status={r.status === 'passed' && r.healed_steps.length > 0 ? 'healed' : r.status} />
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title={`Jobs (${jobs.length})`} labelledBy="run-jobs">
          {jobs.length === 0 ? (
            <p className="text-sm text-muted">No jobs.</p>
          ) : (
            <ul className="divide-y divide-line text-sm">
              {jobs.map((j) => (
                <li key={j.id} className="py-2">
                  <div className="flex items-center justify-between gap-2">
                    <span>
                      {j.flows?.name ?? 'Page discovery'} <span className="text-xs text-muted">· {j.viewport}</span>
                    </span>
                    <span className="flex items-center gap-2">
                      <span className="metric text-xs text-muted">{duration(j.started_at, j.finished_at)}</span>
                      <StatusPill status={j.status} />
                    </span>
                  </div>
                  {j.last_error && <p className="metric mt-1 text-xs break-words text-muted">{j.last_error}</p>}
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <p className="text-xs text-muted">Finished {relativeTime(run.finished_at)}.</p>
    </div>
  );
}

const NOT_RECORDED = 'not recorded';

function ComponentRow({ label, value, detail }: { label: string; value: number | undefined; detail: string }) {
  return (
    <tr>
      <th scope="row" className="py-2 text-left font-normal">
        {label}
        <span className="block text-xs text-muted">{detail}</span>
      </th>
      <td className="metric py-2 text-right font-medium">{value ?? '—'}</td>
    </tr>
  );
}

function DiffList({ title, ids, bugs, siteId, collapsed = false }: { title: string; ids: string[]; bugs: BugListRow[]; siteId: string; collapsed?: boolean }) {
  if (ids.length === 0) return null;
  const body = (
    <>
      <BugList bugs={bugs} siteId={siteId} label={title} />
      {ids.length > bugs.length && <p className="mt-2 text-xs text-muted">and {count(ids.length - bugs.length)} more — see the bug list.</p>}
    </>
  );
  if (collapsed) {
    return (
      <details>
        <summary className="cursor-pointer text-sm font-semibold">
          {title} ({count(ids.length)})
        </summary>
        <div className="mt-2">{body}</div>
      </details>
    );
  }
  return (
    <div>
      <h3 className="mb-2 text-sm font-semibold">
        {title} ({count(ids.length)})
      </h3>
      {body}
    </div>
  );
}

function PageList({ title, pages }: { title: string; pages: string[] }) {
  return (
    <div>
      <h3 className="mb-1 text-sm font-semibold">{title}</h3>
      {pages.length === 0 ? (
        <p className="text-xs text-muted">none</p>
      ) : (
        <ul className="metric space-y-0.5 text-xs">
          {pages.map((p) => (
            <li key={p} className="break-all">
              {p}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * How the run's accessibility audits were made (docs/accessibility-audits.md): a page whose content,
 * styles and viewport had not changed kept its stored audit instead of being audited again.
 */
export function a11yAuditSentence(a: { fresh: number; reused: number; reusedSince: string | null }): string {
  const fresh = `Accessibility: ${plural(a.fresh, 'page')} audited in this crawl`;
  if (a.reused === 0) return `${fresh}.`;
  const since = a.reusedSince ? ` from ${dateTime(a.reusedSince)}` : '';
  return `${fresh}; ${plural(a.reused, 'unchanged page')} kept ${a.reused === 1 ? 'its' : 'their'} audit${since} (pages whose content, styles and viewport have not changed are audited again at least weekly).`;
}
