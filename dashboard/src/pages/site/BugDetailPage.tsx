/**
 * One bug, from the human title down to raw evidence: screenshot (signed URL from the private
 * bucket), reproduction steps, console lines, the failing request, the axe rule, and the timeline
 * of occurrences across runs and viewports. Actions: snooze until a date, false positive, reopen,
 * copy as a Markdown issue. Everything a crawled page wrote is rendered as text.
 */
import { useMemo, useState, type ReactNode } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { fetchAudit, fetchBug, fetchOccurrences, OCCURRENCE_PAGE_SIZE, signedScreenshotUrl, type BugDetail } from '../../data/queries.ts';
import type { Occurrence } from '../../data/types.ts';
import { dateTime, relativeTime, safeHref, shortSha, TYPE_LABELS } from '../../lib/format.ts';
import { bugToMarkdown } from '../../lib/markdown.ts';
import { useDb } from '../../lib/supabase.tsx';
import { bugKey, useBugActions } from '../../stores/bugActions.ts';
import { useResource } from '../../stores/resources.ts';
import { BugAlerts } from './BugAlerts.tsx';
import { toast } from '../../stores/toasts.ts';
import { useSiteContext } from '../../components/SiteLayout.tsx';
import { BugStatusPills, Button, Card, cx, EmptyState, ErrorCard, Field, inputClass, Pagination, SeverityBadge, Skeleton, SkeletonCard, ViewportTags } from '../../components/ui.tsx';

/** Local midnight at the start of `yyyy-mm-dd`: the bug comes back on that day. */
export function snoozeDate(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(d.getTime()) ? null : d;
}

export function dateInputValue(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * The steps to show: the crawler's own list from the occurrence (it numbers them "1. …"; the list
 * is an <ol>, so the numbers are dropped), else the bug's flow up to the failing step. A bug seen
 * during a flow but not at a particular step (a JS error on a page the flow passed through) gets
 * the whole flow, and `wholeFlow` says so, so the heading does not claim more than we know.
 */
export function reproStepsFor(detail: BugDetail, occurrence: Occurrence | null): string[] {
  return reproFor(detail, occurrence).steps;
}

export function reproFor(detail: BugDetail, occurrence: Occurrence | null): { steps: string[]; wholeFlow: boolean } {
  const fromEvidence = occurrence?.evidence?.reproSteps;
  if (Array.isArray(fromEvidence) && fromEvidence.length) return { steps: fromEvidence.map((s) => String(s).replace(/^\s*\d+[.)]\s+/, '')), wholeFlow: false };
  const { bug, flowSteps } = detail;
  if (!flowSteps.length) return { steps: [], wholeFlow: false };
  const upTo = bug.step_index ?? flowSteps.length - 1;
  return { steps: flowSteps.filter((s) => s.position <= upTo).map((s) => s.label || s.action), wholeFlow: bug.step_index === null || bug.step_index === undefined };
}

export function BugDetailPage() {
  const { site } = useSiteContext();
  const { bugId = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const db = useDb();
  const occPage = Math.max(1, Number.parseInt(params.get('occ') ?? '1', 10) || 1);
  const detail = useResource(bugKey(site.id, bugId), () => fetchBug(db, site.id, bugId));
  const occurrences = useResource(`occ:${bugId}:${occPage}`, () => fetchOccurrences(db, bugId, occPage));
  const selectedId = params.get('o');
  const selected = occurrences.data?.rows.find((o) => o.id === selectedId) ?? occurrences.data?.rows[0] ?? null;

  if (detail.status === 'error' && !detail.data) return <ErrorCard message={detail.error ?? ''} onRetry={detail.reload} />;
  if (!detail.data && detail.status !== 'ready') {
    return (
      <div className="space-y-4">
        <Skeleton className="h-8 w-2/3" />
        <SkeletonCard lines={3} label="Loading the bug" />
        <SkeletonCard lines={6} label="Loading evidence" />
      </div>
    );
  }
  if (!detail.data) {
    return (
      <div className="card p-8 text-center">
        <h1 className="text-xl font-semibold">Bug not found</h1>
        <p className="mt-2 text-sm text-muted">It may belong to another site, or to an organisation you are not a member of.</p>
        <Link className="link mt-4 inline-block" to={`/sites/${site.id}/bugs`}>
          Back to the bugs
        </Link>
      </div>
    );
  }

  const d = detail.data;
  const { bug } = d;
  const { steps: repro, wholeFlow } = reproFor(d, selected);
  const pageHref = safeHref(bug.page_url);

  return (
    <div className="space-y-4">
      <div>
        <Link className="link text-sm" to={`/sites/${site.id}/bugs`}>
          ← All bugs
        </Link>
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <SeverityBadge severity={bug.severity} />
          <BugStatusPills bug={bug} />
          <span className="text-xs text-muted">{TYPE_LABELS[bug.type] ?? bug.type}</span>
        </div>
        <h1 className="mt-2 text-2xl font-semibold tracking-tight break-words" data-testid="bug-title">
          {bug.title}
        </h1>
      </div>

      <div className="grid grid-cols-1 gap-4 lg:grid-cols-3">
        <div className="space-y-4 lg:col-span-2">
          <Card title="What happened" labelledBy="what-title">
            <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-2">
              <Item label="Page">
                {pageHref ? (
                  <a className="link metric break-all" href={pageHref} target="_blank" rel="noopener noreferrer nofollow">
                    {bug.page_url}
                  </a>
                ) : (
                  <span className="metric break-all">{bug.page_url ?? bug.url_template}</span>
                )}
              </Item>
              <Item label="Page template">
                <span className="metric break-all">{bug.url_template}</span>
              </Item>
              <Item label="Viewports">
                <ViewportTags viewports={bug.viewports} />
              </Item>
              <Item label="Flow">
                {d.flow ? (
                  <Link className="link" to={`/sites/${site.id}/flows/${d.flow.id}`}>
                    {d.flow.name}
                    {bug.step_index !== null ? `, step ${bug.step_index + 1}` : ''}
                  </Link>
                ) : (
                  <span className="text-muted">found outside a flow</span>
                )}
              </Item>
              <Item label="First seen">
                {bug.first_run_id ? (
                  <Link className="link" to={`/sites/${site.id}/runs/${bug.first_run_id}`}>
                    {dateTime(bug.first_seen_at)}
                  </Link>
                ) : (
                  dateTime(bug.first_seen_at)
                )}
              </Item>
              <Item label="Last seen">
                {bug.last_run_id ? (
                  <Link className="link" to={`/sites/${site.id}/runs/${bug.last_run_id}`}>
                    {dateTime(bug.last_seen_at)}
                  </Link>
                ) : (
                  dateTime(bug.last_seen_at)
                )}
              </Item>
              {bug.fixed_at && <Item label="Fixed">{dateTime(bug.fixed_at)}</Item>}
              {bug.times_regressed > 0 && <Item label="Came back">{bug.times_regressed === 1 ? 'once' : `${bug.times_regressed} times`}</Item>}
              {d.deploy && (
                <Item label="Appeared after deploy">
                  <Link className="link metric" to={`/sites/${site.id}/trends?deploy=${d.deploy.id}`}>
                    {shortSha(d.deploy.commit_sha)}
                  </Link>{' '}
                  <span className="text-muted">({relativeTime(d.deploy.received_at, new Date(bug.first_seen_at)).replace(' ago', ' before')})</span>
                </Item>
              )}
              {bug.selector && (
                <Item label="Element">
                  <code className="metric break-all text-xs">{bug.selector}</code>
                </Item>
              )}
            </dl>
            {bug.message && (
              <div className="mt-4">
                <h3 className="mb-1 text-sm font-semibold">Message</h3>
                <pre className="metric max-h-64 overflow-auto rounded-[8px] bg-[#f4f4f2] p-3 text-xs whitespace-pre-wrap break-words" data-testid="bug-message">
                  {bug.message}
                </pre>
              </div>
            )}
            <Grouping bug={bug} />
          </Card>

          <Evidence occurrence={selected} loading={!occurrences.data} repro={repro} reproHeading={wholeFlow && d.flow ? `Steps of the “${d.flow.name}” flow it was seen during` : 'Steps to reproduce'} />
        </div>

        <div className="space-y-4">
          <Actions detail={d} siteName={site.name} siteBaseUrl={site.base_url} occurrence={selected} repro={repro} />
          <Timeline
            occurrences={occurrences.data?.rows ?? null}
            total={occurrences.data?.total ?? 0}
            page={occPage}
            selectedId={selected?.id ?? null}
            siteId={site.id}
            bugId={bug.id}
            onSelect={(id) => {
              const next = new URLSearchParams(params);
              next.set('o', id);
              setParams(next, { replace: true });
            }}
            params={params}
          />
          <BugAlerts bugId={bug.id} />
          <Activity bugId={bug.id} organizationId={site.organization_id} />
        </div>
      </div>
    </div>
  );
}

/** Why sightings are one bug: the parts its fingerprint hashed, as the crawler reported them. */
function Grouping({ bug }: { bug: BugDetail['bug'] }) {
  const parts = Array.isArray(bug.fingerprint_parts) ? bug.fingerprint_parts : [];
  if (parts.length === 0) return null;
  return (
    <details className="mt-4 text-sm" data-testid="bug-grouping">
      <summary className="cursor-pointer font-semibold">Why these sightings are one bug</summary>
      <p className="mt-1 text-muted">
        Every sighting with the same fingerprint (<span className="metric">{bug.fingerprint}</span>) is this bug. It is made of:
      </p>
      <ul className="mt-2 space-y-1">
        {parts.map((p) => (
          <li key={`${p.name}:${p.value}`}>
            <span className="font-medium">{p.name}</span> <span className="metric break-all">{String(p.value)}</span>{' '}
            <span className="text-muted">— {p.contributes ? 'counts' : 'ignored'}: {String(p.reason)}</span>
          </li>
        ))}
      </ul>
    </details>
  );
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="mt-0.5">{children}</dd>
    </div>
  );
}

function Evidence({ occurrence, loading, repro, reproHeading }: { occurrence: Occurrence | null; loading: boolean; repro: string[]; reproHeading: string }) {
  const db = useDb();
  const path = occurrence?.evidence?.screenshot ?? null;
  const shot = useResource(path ? `shot:${path}` : null, () => signedScreenshotUrl(db, path!));
  if (loading) return <SkeletonCard lines={6} label="Loading evidence" />;
  const ev = occurrence?.evidence ?? {};
  const axeHelp = safeHref(ev.axe?.helpUrl);
  const hasAny = path || repro.length || ev.console?.length || ev.request || ev.axe;
  return (
    <Card
      title="Evidence"
      labelledBy="evidence-title"
      action={occurrence && <span className="text-xs text-muted">{`${occurrence.viewport} · ${dateTime(occurrence.seen_at)}`}</span>}
    >
      {!hasAny && <EmptyState title="No evidence stored">The crawler recorded this bug without a screenshot or logs.</EmptyState>}
      <div className="space-y-5">
        {path && (
          <figure>
            {shot.data ? (
              <a href={shot.data} target="_blank" rel="noopener noreferrer">
                <img src={shot.data} alt={`Screenshot on ${occurrence?.viewport ?? 'the viewport'} when the bug was seen`} className="max-h-[28rem] w-auto max-w-full rounded-[8px] border border-line" data-testid="bug-screenshot" />
              </a>
            ) : shot.status === 'ready' ? (
              <p className="text-sm text-muted">The screenshot is no longer available.</p>
            ) : (
              <Skeleton className="h-56 w-full" />
            )}
            <figcaption className="mt-1 text-xs text-muted">Screenshot (a signed link, valid for an hour)</figcaption>
          </figure>
        )}
        {repro.length > 0 && (
          <section aria-labelledby="repro-title">
            <h3 id="repro-title" className="mb-2 text-sm font-semibold">
              {reproHeading}
            </h3>
            <ol className="list-decimal space-y-1 pl-5 text-sm" data-testid="repro-steps">
              {repro.map((s, i) => (
                <li key={i} className="break-words">
                  {s}
                </li>
              ))}
            </ol>
          </section>
        )}
        {ev.console && ev.console.length > 0 && (
          <section aria-labelledby="console-title">
            <h3 id="console-title" className="mb-2 text-sm font-semibold">
              Console
            </h3>
            <pre className="metric max-h-64 overflow-auto rounded-[8px] bg-[#1a1a1a] p-3 text-xs text-[#f5f5f3] whitespace-pre-wrap break-words" data-testid="console-lines">
              {ev.console.join('\n')}
            </pre>
          </section>
        )}
        {ev.request && (
          <section aria-labelledby="request-title">
            <h3 id="request-title" className="mb-2 text-sm font-semibold">
              Failing request
            </h3>
            <p className="metric rounded-[8px] bg-[#f4f4f2] p-3 text-xs break-all" data-testid="failing-request">
              <span className="font-semibold">{ev.request.method}</span> {ev.request.url}
              {ev.request.status !== undefined && <span> → {ev.request.status}</span>}
              {ev.request.failure && <span> ({ev.request.failure})</span>}
            </p>
          </section>
        )}
        {ev.axe && (
          <section aria-labelledby="axe-title">
            <h3 id="axe-title" className="mb-2 text-sm font-semibold">
              Accessibility rule
            </h3>
            <p className="text-sm">
              <code className="metric">{ev.axe.ruleId}</code>
              {ev.axe.impact && <span className="text-muted"> · {ev.axe.impact}</span>}
              {axeHelp && (
                <>
                  {' '}
                  ·{' '}
                  <a className="link" href={axeHelp} target="_blank" rel="noopener noreferrer">
                    How to fix (axe help)
                  </a>
                </>
              )}
            </p>
            {ev.axe.target && <p className="metric mt-1 text-xs break-all text-muted">{ev.axe.target}</p>}
            {ev.axe.html && <pre className="metric mt-2 overflow-auto rounded-[8px] bg-[#f4f4f2] p-3 text-xs whitespace-pre-wrap break-all">{ev.axe.html}</pre>}
          </section>
        )}
      </div>
    </Card>
  );
}

/**
 * "Reproduce in my browser": a link to the bug's site carrying a hash the extension recognises
 * (docs/walkthrough.md); the extension walks the user through the flow up to the failing step.
 */
export function reproduceUrl(siteBaseUrl: string, bugId: string): string | null {
  try {
    const url = new URL(siteBaseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    url.hash = `flowlens-walkthrough=bug:${bugId}`;
    return url.toString();
  } catch {
    return null;
  }
}

function Actions({ detail, siteName, siteBaseUrl, occurrence, repro }: { detail: BugDetail; siteName: string; siteBaseUrl: string; occurrence: Occurrence | null; repro: string[] }) {
  const db = useDb();
  const { bug } = detail;
  const pending = useBugActions((s) => s.pending[bug.id]);
  const snooze = useBugActions((s) => s.snooze);
  const markFp = useBugActions((s) => s.markFalsePositive);
  const reopen = useBugActions((s) => s.reopen);
  const tomorrow = useMemo(() => {
    const t = new Date();
    t.setDate(t.getDate() + 1);
    return t;
  }, []);
  const [until, setUntil] = useState(() => {
    const t = new Date();
    t.setDate(t.getDate() + 7);
    return dateInputValue(t);
  });
  const [confirmFp, setConfirmFp] = useState(false);
  const [markdown, setMarkdown] = useState<string | null>(null);
  const snoozedNow = bug.snoozed_until !== null && new Date(bug.snoozed_until) > new Date();
  const silenced = snoozedNow || bug.false_positive;
  const untilDate = snoozeDate(until);
  const validUntil = untilDate !== null && untilDate >= new Date(tomorrow.getFullYear(), tomorrow.getMonth(), tomorrow.getDate());

  async function copyMarkdown() {
    const shotPath = occurrence?.evidence?.screenshot;
    const shot = shotPath ? await signedScreenshotUrl(db, shotPath) : null;
    const text = bugToMarkdown({ bug, occurrence, reproSteps: repro, bugUrl: window.location.href.split('?')[0]!, screenshotUrl: shot, siteName });
    setMarkdown(text);
    try {
      await navigator.clipboard.writeText(text);
      toast.success('Copied the bug as a Markdown issue.');
    } catch {
      toast.info('Your browser blocked the clipboard: the Markdown is below, select it and copy.');
    }
  }

  return (
    <Card title="Actions" labelledBy="actions-title">
      <div className="space-y-4">
        {snoozedNow && (
          <p className="rounded-[8px] bg-[#f4f4f2] p-3 text-sm" data-testid="snoozed-note">
            Snoozed until <strong>{new Date(bug.snoozed_until!).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' })}</strong>. It does not count
            against the score or send alerts until then.
          </p>
        )}
        {bug.false_positive && (
          <p className="rounded-[8px] bg-[#f4f4f2] p-3 text-sm" data-testid="fp-note">
            Marked as a false positive{bug.false_positive_at ? ` on ${new Date(bug.false_positive_at).toLocaleDateString('en-GB')}` : ''}. FlowLens remembers this for its fingerprint and will not raise it again.
          </p>
        )}
        <form
          className="flex flex-col gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (untilDate && validUntil) void snooze(db, bug, untilDate);
          }}
        >
          <Field label="Snooze until" htmlFor="snooze-until" hint="It comes back on that day if it is still there.">
            <input id="snooze-until" type="date" className={inputClass} min={dateInputValue(tomorrow)} value={until} onChange={(e) => setUntil(e.target.value)} />
          </Field>
          <Button type="submit" busy={pending === 'snooze'} disabled={!validUntil || pending !== undefined}>
            {snoozedNow ? 'Change snooze' : 'Snooze'}
          </Button>
        </form>
        {!bug.false_positive &&
          (confirmFp ? (
            <div className="rounded-[8px] border border-line p-3" role="group" aria-label="Confirm false positive">
              <p className="text-sm">This is remembered for good: the same finding will never be raised again on this site. Continue?</p>
              <div className="mt-2 flex gap-2">
                <Button
                  variant="danger"
                  busy={pending === 'false_positive'}
                  onClick={async () => {
                    if (await markFp(db, bug)) setConfirmFp(false);
                  }}
                >
                  Yes, it is a false positive
                </Button>
                <Button variant="ghost" onClick={() => setConfirmFp(false)}>
                  Cancel
                </Button>
              </div>
            </div>
          ) : (
            <Button variant="secondary" className="w-full" onClick={() => setConfirmFp(true)} disabled={pending !== undefined}>
              Mark as false positive
            </Button>
          ))}
        {silenced && (
          <Button variant="secondary" className="w-full" busy={pending === 'reopen'} disabled={pending !== undefined} onClick={() => void reopen(db, bug)}>
            Reopen
          </Button>
        )}
        {bug.type === 'flow_broken' && bug.flow_id && reproduceUrl(siteBaseUrl, bug.id) && (
          <div>
            <a
              className="inline-flex w-full items-center justify-center rounded-[8px] border border-line px-3 py-2 text-sm font-medium text-accent transition duration-200 ease-out hover:bg-[#f4f4f2] focus-visible:outline-2 focus-visible:outline-accent"
              href={reproduceUrl(siteBaseUrl, bug.id)!}
              target="_blank"
              rel="noopener noreferrer"
              data-testid="reproduce-link"
            >
              Reproduce in my browser
            </a>
            <p className="mt-1 text-xs text-muted">Needs the FlowLens extension, signed in, with access to this site. It walks you to the step that failed.</p>
          </div>
        )}
        <Button variant="ghost" className="w-full border-line" onClick={() => void copyMarkdown()}>
          Copy as Markdown issue
        </Button>
        {markdown && (
          <div>
            <label htmlFor="markdown-out" className="text-xs text-muted">
              Markdown
            </label>
            <textarea id="markdown-out" readOnly className={cx(inputClass, 'metric h-40 text-xs')} value={markdown} onFocus={(e) => e.currentTarget.select()} />
          </div>
        )}
      </div>
    </Card>
  );
}

function Timeline({
  occurrences,
  total,
  page,
  selectedId,
  siteId,
  bugId,
  onSelect,
  params,
}: {
  occurrences: Occurrence[] | null;
  total: number;
  page: number;
  selectedId: string | null;
  siteId: string;
  bugId: string;
  onSelect: (id: string) => void;
  params: URLSearchParams;
}) {
  const hrefFor = (p: number) => {
    const next = new URLSearchParams(params);
    next.delete('o');
    if (p > 1) next.set('occ', String(p));
    else next.delete('occ');
    const q = next.toString();
    return `/sites/${siteId}/bugs/${bugId}${q ? `?${q}` : ''}`;
  };
  return (
    <Card title="Seen in" labelledBy="timeline-title">
      {!occurrences ? (
        <div className="space-y-2" role="status" aria-label="Loading occurrences">
          <Skeleton className="h-4 w-full" />
          <Skeleton className="h-4 w-5/6" />
          <Skeleton className="h-4 w-4/6" />
        </div>
      ) : occurrences.length === 0 ? (
        <p className="text-sm text-muted">No occurrences recorded.</p>
      ) : (
        <>
          <ol className="relative space-y-1 border-l border-line pl-4" aria-label="Occurrences, newest first">
            {occurrences.map((o) => (
              <li key={o.id} className="relative">
                <span aria-hidden="true" className={cx('absolute -left-[21px] top-2.5 h-2 w-2 rounded-full', o.id === selectedId ? 'bg-accent' : 'bg-[#cfcfcc]')} />
                <div className={cx('flex items-center justify-between gap-2 rounded-[6px] px-2 py-1 text-sm', o.id === selectedId && 'bg-[#eef3fe]')}>
                  <button type="button" className="min-w-0 text-left hover:underline" aria-pressed={o.id === selectedId} onClick={() => onSelect(o.id)}>
                    <span className="metric text-xs">{dateTime(o.seen_at)}</span> <span className="text-xs text-muted">· {o.viewport}</span>
                  </button>
                  <Link className="link shrink-0 text-xs" to={`/sites/${siteId}/runs/${o.run_id}`}>
                    run
                  </Link>
                </div>
              </li>
            ))}
          </ol>
          <Pagination page={page} pageSize={OCCURRENCE_PAGE_SIZE} total={total} hrefFor={hrefFor} label="Occurrence pages" />
        </>
      )}
    </Card>
  );
}

const ACTION_TEXT: Record<string, string> = {
  snooze: 'snoozed it',
  unsnooze: 'ended the snooze',
  mark_false_positive: 'marked it as a false positive',
  unmark_false_positive: 'unmarked the false positive',
  reopen: 'reopened it',
};

function Activity({ bugId, organizationId }: { bugId: string; organizationId: string }) {
  const db = useDb();
  const audit = useResource(`audit:${bugId}`, () => fetchAudit(db, bugId, organizationId));
  return (
    <Card title="Activity" labelledBy="activity-title">
      {!audit.data ? (
        <Skeleton className="h-4 w-3/4" />
      ) : audit.data.entries.length === 0 ? (
        <p className="text-sm text-muted">Nobody has acted on this bug yet.</p>
      ) : (
        <ul className="space-y-2 text-sm" data-testid="audit-trail">
          {audit.data.entries.map((e) => (
            <li key={e.id}>
              <span className="font-medium">{(e.actor_id && audit.data!.people[e.actor_id]) || 'Someone'}</span> {ACTION_TEXT[e.action] ?? e.action}
              {e.action === 'snooze' && typeof e.details.to === 'string' ? ` until ${new Date(e.details.to).toLocaleDateString('en-GB')}` : ''}{' '}
              <span className="text-xs text-muted">{relativeTime(e.created_at)}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
