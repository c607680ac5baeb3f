/**
 * Flows: the list (critical flag, last result per viewport, healed selectors waiting for review)
 * and one flow (its steps with labels and screenshots, proposals to accept or reject, recent
 * results). "Run now" crawls the whole site.
 */
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { decideProposal } from '../../data/mutations.ts';
import { fetchFlow, fetchFlowExport, fetchFlows, latestPerViewport, missingSecretsOf, signedScreenshotUrls, type FlowDetail } from '../../data/queries.ts';
import { VIEWPORTS, type FlowResult, type SelectorProposal } from '../../data/types.ts';
import { PAGE_SIZE } from '../../lib/bugFilters.ts';
import { errorMessage } from '../../lib/errors.ts';
import { dateTime, relativeTime, selectorText } from '../../lib/format.ts';
import { useDb } from '../../lib/supabase.tsx';
import { useResource, useResourceStore } from '../../stores/resources.ts';
import { toast } from '../../stores/toasts.ts';
import { RunNow } from '../../components/RunNow.tsx';
import { useSiteContext } from '../../components/SiteLayout.tsx';
import { Button, Card, EmptyState, ErrorCard, PageHeader, Pagination, Skeleton, SkeletonCard, StatusPill } from '../../components/ui.tsx';

/** Missing configuration, said with its fix (issue 13): which secrets, and where owners store them. */
function NeedsSetup({ siteId, secrets }: { siteId: string; secrets: string[] }) {
  return (
    <>
      Needs setup: store {secrets.join(', ')} under{' '}
      <Link className="link" to={`/sites/${siteId}/settings#credentials`}>
        Settings → Credentials
      </Link>
      . Until then the flow is not run and is left out of the health score (not a bug of the site).
    </>
  );
}

function ResultCell({ result, siteId }: { result: FlowResult | undefined; siteId: string }) {
  if (!result) return <span className="text-xs text-muted">not run</span>;
  const status = result.status === 'passed' && result.healed_steps.length > 0 ? 'healed' : result.status;
  const text = (
    <>
      <StatusPill status={status} />
      <span className="sr-only"> {relativeTime(result.finished_at)}</span>
    </>
  );
  return result.run_id ? (
    <Link to={`/sites/${siteId}/runs/${result.run_id}`} title={`${result.viewport}: ${status}, ${dateTime(result.finished_at)}`} className="rounded">
      {text}
    </Link>
  ) : (
    <span title={`walkthrough, ${dateTime(result.finished_at)}`}>{text}</span>
  );
}

export function FlowsPage() {
  const { site } = useSiteContext();
  const db = useDb();
  const [params] = useSearchParams();
  const page = Math.max(1, Number.parseInt(params.get('p') ?? '1', 10) || 1);
  const flows = useResource(`flows:${site.id}:${page}`, () => fetchFlows(db, site.id, page));

  return (
    <div>
      <PageHeader title="Flows" subtitle="The journeys FlowLens replays on every crawl." actions={<RunNow siteId={site.id} label="Run all flows now" />} />
      {flows.status === 'error' && !flows.data ? (
        <ErrorCard message={flows.error ?? ''} onRetry={flows.reload} />
      ) : !flows.data ? (
        <SkeletonCard lines={5} label="Loading flows" />
      ) : flows.data.total === 0 ? (
        <div className="card">
          <EmptyState title="No flows recorded yet">
            Open {site.base_url} in Chrome with the FlowLens extension, press Record, and walk through sign-up, login or checkout. Saved flows appear here and run on the next crawl.
          </EmptyState>
        </div>
      ) : (
        <Card as="div">
          <div className="relative overflow-x-auto">
            <table className="w-full min-w-[36rem] text-sm">
              <caption className="sr-only">Flows with their last result on each viewport</caption>
              <thead>
                <tr className="border-b border-line text-left text-xs text-muted">
                  <th scope="col" className="pb-2 font-normal">
                    Flow
                  </th>
                  {VIEWPORTS.map((v) => (
                    <th key={v} scope="col" className="pb-2 font-normal capitalize">
                      {v}
                    </th>
                  ))}
                  <th scope="col" className="pb-2 font-normal">
                    Review
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-line">
                {flows.data.rows.map((f) => (
                  <tr key={f.id}>
                    <td className="py-3 pr-3">
                      <Link className="link font-medium text-ink no-underline hover:underline" to={`/sites/${site.id}/flows/${f.id}`}>
                        {f.name}
                      </Link>
                      {f.critical && <span className="ml-2 rounded-full border border-[#f1c4c4] px-2 py-0.5 text-[11px] font-medium text-[#991b1b]">critical</span>}
                      <p className="metric truncate text-xs text-muted">{f.start_url}</p>
                      {missingSecretsOf(f.latest).length > 0 && (
                        <p className="mt-1 text-xs text-[#854d0e]" data-testid="flow-needs-setup">
                          <NeedsSetup siteId={site.id} secrets={missingSecretsOf(f.latest)} />
                        </p>
                      )}
                    </td>
                    {VIEWPORTS.map((v) => (
                      <td key={v} className="py-3 pr-3">
                        <ResultCell result={f.latest[v]} siteId={site.id} />
                      </td>
                    ))}
                    <td className="py-3 text-xs">
                      {f.pendingProposals > 0 ? (
                        <Link className="link" to={`/sites/${site.id}/flows/${f.id}#healed`}>
                          {f.pendingProposals} healed {f.pendingProposals === 1 ? 'selector' : 'selectors'}
                        </Link>
                      ) : (
                        <span className="text-muted">—</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination page={page} pageSize={PAGE_SIZE} total={flows.data.total} hrefFor={(p) => `/sites/${site.id}/flows${p > 1 ? `?p=${p}` : ''}`} label="Flow pages" />
        </Card>
      )}
    </div>
  );
}

export function FlowDetailPage() {
  const { site } = useSiteContext();
  const { flowId = '' } = useParams();
  const db = useDb();
  const flow = useResource(`flow:${site.id}:${flowId}`, () => fetchFlow(db, site.id, flowId));
  const paths = (flow.data?.steps ?? []).flatMap((s) => (s.screenshot_path ? [s.screenshot_path] : []));
  const shots = useResource(paths.length ? `shots:${flowId}:${paths.join('|')}` : null, () => signedScreenshotUrls(db, paths));

  if (flow.status === 'error' && !flow.data) return <ErrorCard message={flow.error ?? ''} onRetry={flow.reload} />;
  if (flow.status !== 'ready' && !flow.data) {
    return (
      <div className="space-y-4">
        <Skeleton className="h-8 w-1/2" />
        <SkeletonCard lines={6} label="Loading the flow" />
      </div>
    );
  }
  if (!flow.data) {
    return (
      <div className="card p-8 text-center">
        <h1 className="text-xl font-semibold">Flow not found</h1>
        <Link className="link mt-4 inline-block" to={`/sites/${site.id}/flows`}>
          Back to the flows
        </Link>
      </div>
    );
  }
  const { flow: f, steps, proposals, results } = flow.data;
  const latest = latestPerViewport(results);
  const pending = proposals.filter((p) => p.status === 'pending');
  const setup = missingSecretsOf(latest);

  return (
    <div className="space-y-4">
      <div>
        <Link className="link text-sm" to={`/sites/${site.id}/flows`}>
          ← All flows
        </Link>
      </div>
      <PageHeader
        title={
          <>
            {f.name}
            {f.critical && <span className="ml-3 align-middle rounded-full border border-[#f1c4c4] px-2 py-0.5 text-xs font-medium text-[#991b1b]">critical</span>}
          </>
        }
        subtitle={
          <span className="metric">
            {f.start_url} · version {f.version}
          </span>
        }
        actions={
          <>
            <DownloadPlaywright siteId={site.id} flowId={f.id} />
            <RunNow siteId={site.id} />
          </>
        }
      />
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
        <div className="space-y-4 lg:col-span-2">
          {setup.length > 0 && (
            <div role="status" className="rounded-md border border-[#f5d88a] bg-[#fef8e7] p-3 text-sm text-[#854d0e]" data-testid="flow-needs-setup">
              <NeedsSetup siteId={site.id} secrets={setup} />
            </div>
          )}
          {pending.length > 0 && <Proposals proposals={pending} flowDetail={flow.data} siteId={site.id} />}
          <Card title={`Steps (${steps.length})`} labelledBy="steps-title">
            <ol className="space-y-4">
              {steps.map((s) => {
                const shot = s.screenshot_path ? shots.data?.[s.screenshot_path] : undefined;
                return (
                  <li key={s.id} className="flex gap-4" id={`step-${s.position + 1}`}>
                    <span className="metric flex h-7 w-7 shrink-0 items-center justify-center rounded-full border border-line text-xs">{s.position + 1}</span>
                    <div className="min-w-0 flex-1">
                      <p className="font-medium break-words">{s.label || s.action}</p>
                      {s.instruction && <p className="text-sm text-muted break-words">{s.instruction}</p>}
                      <p className="metric mt-1 text-xs text-muted">
                        {s.action}
                        {Array.isArray(s.data.selectors) && s.data.selectors.length > 0 ? ` · ${selectorText(s.data.selectors[0])}` : ''}
                      </p>
                      {s.screenshot_path &&
                        (shot ? (
                          <img src={shot} alt={`Step ${s.position + 1}: ${s.label || s.action}`} className="mt-2 max-h-48 w-auto max-w-full rounded-[8px] border border-line" loading="lazy" />
                        ) : shots.status === 'ready' ? null : (
                          <Skeleton className="mt-2 h-32 w-56" />
                        ))}
                    </div>
                  </li>
                );
              })}
            </ol>
          </Card>
        </div>
        <div className="space-y-4">
          <Card title="Last result" labelledBy="last-title">
            <dl className="space-y-2 text-sm">
              {VIEWPORTS.map((v) => (
                <div key={v} className="flex items-center justify-between">
                  <dt className="capitalize text-muted">{v}</dt>
                  <dd>
                    <ResultCell result={latest[v]} siteId={site.id} />
                  </dd>
                </div>
              ))}
            </dl>
          </Card>
          <Card title="Recent results" labelledBy="recent-title">
            {results.length === 0 ? (
              <p className="text-sm text-muted">This flow has not run yet.</p>
            ) : (
              <ul className="space-y-2 text-sm">
                {results.slice(0, 15).map((r) => (
                  <li key={r.id} className="flex items-center justify-between gap-2">
                    <span className="text-xs">
                      {r.run_id ? (
                        <Link className="link" to={`/sites/${site.id}/runs/${r.run_id}`}>
                          {dateTime(r.finished_at)}
                        </Link>
                      ) : (
                        dateTime(r.finished_at)
                      )}{' '}
                      <span className="text-muted">· {r.viewport}</span>
                      {r.failed_step !== null && <span className="text-muted"> · failed at step {r.failed_step + 1}</span>}
                    </span>
                    <StatusPill status={r.status === 'passed' && r.healed_steps.length > 0 ? 'healed' : r.status} />
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      </div>
    </div>
  );
}

/** Saves `text` as a file through a temporary object URL (the browser's download, no server round trip). */
function saveText(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * "Download as Playwright test" (issue 17): the stored flow through core's one generator, the same
 * code as `flowlens export --format playwright` and the side panel. Loaded on demand, so the
 * generator is not part of the dashboard's first load.
 */
function DownloadPlaywright({ siteId, flowId }: { siteId: string; flowId: string }) {
  const db = useDb();
  const [busy, setBusy] = useState(false);
  async function download() {
    setBusy(true);
    try {
      const [rows, { generatePlaywrightTestFromRows }] = await Promise.all([fetchFlowExport(db, siteId, flowId), import('@flowlens/core/playwright-export')]);
      if (!rows) throw new Error('This flow is gone: it may have been deleted. Reload the page.');
      const spec = generatePlaywrightTestFromRows(rows, { generator: 'the FlowLens dashboard' });
      saveText(spec.filename, spec.code);
      toast.success(`Downloaded ${spec.filename}. Run it with npx playwright test ${spec.filename}.`);
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Button busy={busy} onClick={() => void download()} data-testid="download-playwright">
      Download as Playwright test
    </Button>
  );
}

function Proposals({ proposals, flowDetail, siteId }: { proposals: SelectorProposal[]; flowDetail: FlowDetail; siteId: string }) {
  const db = useDb();
  const [busy, setBusy] = useState<string | null>(null);
  const stepById = new Map(flowDetail.steps.map((s) => [s.id, s]));

  async function decide(p: SelectorProposal, accept: boolean) {
    setBusy(p.id);
    try {
      await decideProposal(db, p.id, accept);
      toast.success(accept ? 'Accepted: the healed selector now comes first for this step.' : 'Rejected: FlowLens will not propose it again.');
      useResourceStore.getState().invalidate((k) => k.startsWith(`flow:${siteId}:${p.flow_id}`) || k.startsWith(`flows:${siteId}`));
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section id="healed" className="card border-[#f3d98a] p-5 sm:p-6" aria-labelledby="healed-title">
      <h2 id="healed-title" className="text-base font-semibold">
        Healed selectors to review
      </h2>
      <p className="mb-4 text-sm text-muted">The page changed and the crawler found the element another way. Accept to make that the first choice from now on.</p>
      <ul className="space-y-4">
        {proposals.map((p) => {
          const step = stepById.get(p.step_id);
          return (
            <li key={p.id} className="rounded-[8px] border border-line p-4" data-testid="proposal">
              <p className="text-sm font-medium">
                Step {step ? step.position + 1 : '?'}: {step?.label || step?.action || 'unknown step'}
              </p>
              <dl className="metric mt-2 grid gap-1 text-xs">
                <div className="flex gap-2">
                  <dt className="w-12 shrink-0 text-muted">was</dt>
                  <dd className="break-all line-through decoration-[#991b1b]/50">{selectorText(p.from_selector)}</dd>
                </div>
                <div className="flex gap-2">
                  <dt className="w-12 shrink-0 text-muted">now</dt>
                  <dd className="break-all">{selectorText(p.to_selector)}</dd>
                </div>
                <div className="flex gap-2">
                  <dt className="w-12 shrink-0 text-muted">sure</dt>
                  <dd>{Math.round(p.confidence * 100)}%</dd>
                </div>
              </dl>
              <div className="mt-3 flex gap-2">
                <Button variant="primary" busy={busy === p.id} disabled={busy !== null} onClick={() => void decide(p, true)}>
                  Accept
                </Button>
                <Button variant="secondary" disabled={busy !== null} onClick={() => void decide(p, false)}>
                  Reject
                </Button>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
