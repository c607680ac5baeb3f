/**
 * All sites: each with its health score and change, open P0/P1 count, and the last crawl. A new
 * user gets a friendly start: create the organisation, add the site, install the extension.
 */
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { createOrganization, createSite } from '../data/mutations.ts';
import { fetchOverview, SITES_PAGE_SIZE, type OrgWithRole, type SiteCard } from '../data/queries.ts';
import { errorMessage } from '../lib/errors.ts';
import { count, relativeTime, TRIGGER_LABELS } from '../lib/format.ts';
import { useDb } from '../lib/supabase.tsx';
import { useResource, useResourceStore } from '../stores/resources.ts';
import { useSessionStore } from '../stores/session.ts';
import { toast } from '../stores/toasts.ts';
import { Button, Card, Delta, EmptyState, ErrorCard, Field, inputClass, PageHeader, Pagination, ScoreBar, Skeleton, StatusPill, useDocumentTitle } from '../components/ui.tsx';

export function SitesPage() {
  const db = useDb();
  const user = useSessionStore((s) => s.user);
  const [params] = useSearchParams();
  const page = Math.max(1, Number.parseInt(params.get('p') ?? '1', 10) || 1);
  const overview = useResource(`overview:${page}`, () => fetchOverview(db, user?.id ?? '', page));
  useDocumentTitle('Your sites');

  if (overview.status === 'error' && !overview.data) return <ErrorCard message={overview.error ?? ''} onRetry={overview.reload} />;
  if (!overview.data) return <SitesSkeleton />;

  const { orgs, sites } = overview.data;
  if (orgs.length === 0) return <Welcome />;

  const adminOrgs = orgs.filter((o) => o.role !== 'member');
  const byOrg = new Map<string, SiteCard[]>();
  for (const s of sites.rows) byOrg.set(s.organization_id, [...(byOrg.get(s.organization_id) ?? []), s]);

  return (
    <div>
      <PageHeader title="Your sites" subtitle={`${count(sites.total)} ${sites.total === 1 ? 'site' : 'sites'} across ${orgs.length} ${orgs.length === 1 ? 'organisation' : 'organisations'}`} />
      {sites.total === 0 ? (
        <GetStarted orgs={adminOrgs} />
      ) : (
        <div className="space-y-8">
          {orgs
            .filter((o) => byOrg.has(o.id))
            .map((org) => (
              <section key={org.id} aria-labelledby={`org-${org.id}`}>
                <h2 id={`org-${org.id}`} className="mb-3 text-sm font-semibold uppercase tracking-wide text-muted">
                  {org.name}
                </h2>
                <ul className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3">
                  {byOrg.get(org.id)!.map((s) => (
                    <li key={s.id}>
                      <SiteCardView site={s} />
                    </li>
                  ))}
                </ul>
              </section>
            ))}
          <Pagination page={sites.page} pageSize={SITES_PAGE_SIZE} total={sites.total} hrefFor={(p) => (p === 1 ? '/' : `/?p=${p}`)} label="Sites pages" />
          {adminOrgs.length > 0 && (
            <Card title="Add another site" labelledBy="add-site-title">
              <AddSiteForm orgs={adminOrgs} />
            </Card>
          )}
          <Card title="Create another organisation" labelledBy="new-org-title">
            <CreateOrgForm compact />
          </Card>
        </div>
      )}
    </div>
  );
}

function SiteCardView({ site }: { site: SiteCard }) {
  const latest = site.scores[0] ?? null;
  const previous = site.scores[1] ?? null;
  const delta = latest && previous ? latest.score - previous.score : null;
  const run = site.lastRun;
  return (
    <article className="card relative flex h-full flex-col gap-4 p-5 transition-shadow duration-200 ease-out hover:shadow-[0_2px_12px_rgba(0,0,0,0.06)]">
      <div className="min-w-0">
        <h3 className="truncate text-base font-semibold">
          <Link to={`/sites/${site.id}`} className="after:absolute after:inset-0 after:rounded-[8px] focus-visible:outline-none">
            {site.name}
          </Link>
        </h3>
        <p className="metric truncate text-xs text-muted">{site.base_url}</p>
      </div>
      <div className="flex items-end justify-between gap-3">
        <div>
          <p className="text-xs text-muted">Health</p>
          <p className="metric text-4xl font-semibold leading-none" aria-label={latest ? `Health score ${latest.score} out of 100` : 'No health score yet'}>
            {latest ? latest.score : '—'}
          </p>
        </div>
        {latest && <Delta value={delta} />}
      </div>
      {latest && <ScoreBar score={latest.score} />}
      <dl className="grid grid-cols-2 gap-2 text-sm">
        <div>
          <dt className="text-xs text-muted">Open P0/P1</dt>
          <dd className="metric font-medium">{count(site.openUrgent)}</dd>
        </div>
        <div>
          <dt className="text-xs text-muted">Last crawl</dt>
          <dd className="flex flex-wrap items-center gap-1">
            {run ? (
              <>
                <span>{relativeTime(run.finished_at ?? run.created_at)}</span>
                <StatusPill status={run.status} />
                <span className="sr-only">{TRIGGER_LABELS[run.trigger]}</span>
              </>
            ) : (
              <span className="text-muted">not yet</span>
            )}
          </dd>
        </div>
      </dl>
    </article>
  );
}

function SitesSkeleton() {
  return (
    <div role="status" aria-label="Loading sites">
      <Skeleton className="mb-6 h-8 w-48" />
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3">
        {[0, 1, 2].map((i) => (
          <div key={i} className="card space-y-4 p-5">
            <Skeleton className="h-5 w-40" />
            <Skeleton className="h-10 w-16" />
            <Skeleton className="h-3 w-full" />
          </div>
        ))}
      </div>
    </div>
  );
}

function Welcome() {
  return (
    <div className="mx-auto max-w-2xl">
      <PageHeader title="Welcome to FlowLens" subtitle="Three steps and your site is watched every night." />
      <Card>
        <ol className="space-y-5">
          <li>
            <p className="font-semibold">1. Create your organisation</p>
            <p className="mb-3 text-sm text-muted">Your team, your sites and who hears about them live here.</p>
            <CreateOrgForm />
          </li>
          <li className="text-muted">
            <p className="font-semibold">2. Add your site</p>
            <p className="text-sm">Its address, and where FlowLens may go.</p>
          </li>
          <li className="text-muted">
            <p className="font-semibold">3. Record your first flow with the Chrome extension</p>
            <p className="text-sm">Sign-up, login, checkout: whatever must never break.</p>
          </li>
        </ol>
      </Card>
    </div>
  );
}

function GetStarted({ orgs }: { orgs: OrgWithRole[] }) {
  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-2">
      <Card title="Add your first site" labelledBy="first-site-title">
        {orgs.length > 0 ? (
          <AddSiteForm orgs={orgs} />
        ) : (
          <EmptyState title="No sites yet">Ask an owner or admin of your organisation to add a site; you will see it here.</EmptyState>
        )}
      </Card>
      <Card title="Then install the extension" labelledBy="extension-title">
        <ol className="list-decimal space-y-2 pl-5 text-sm">
          <li>
            Build it: <code className="metric rounded bg-[#f4f4f2] px-1">npm run build:extension</code>
          </li>
          <li>
            In Chrome open <code className="metric rounded bg-[#f4f4f2] px-1">chrome://extensions</code>, turn on Developer mode, choose <em>Load unpacked</em> and
            pick <code className="metric rounded bg-[#f4f4f2] px-1">.output/chrome-mv3</code>.
          </li>
          <li>Sign in to the extension with this account, open your site and press Record.</li>
          <li>Walk through the flow, name the steps, save. Tonight FlowLens replays it on desktop, tablet and mobile.</li>
        </ol>
      </Card>
    </div>
  );
}

function CreateOrgForm({ compact = false }: { compact?: boolean }) {
  const db = useDb();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const org = await createOrganization(db, name);
      toast.success(`Created ${org.name}.`);
      setName('');
      useResourceStore.getState().invalidate('overview');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="flex flex-col gap-3 sm:flex-row sm:items-end">
      <div className="flex-1">
        <Field label="Organisation name" htmlFor={compact ? 'org-name-more' : 'org-name'}>
          <input id={compact ? 'org-name-more' : 'org-name'} className={inputClass} value={name} onChange={(e) => setName(e.target.value)} placeholder="Acme Inc." required />
        </Field>
      </div>
      <Button type="submit" variant={compact ? 'secondary' : 'primary'} busy={busy} disabled={!name.trim()}>
        Create organisation
      </Button>
      {error && (
        <p role="alert" className="text-sm text-[#991b1b] sm:basis-full">
          {error}
        </p>
      )}
    </form>
  );
}

function AddSiteForm({ orgs }: { orgs: OrgWithRole[] }) {
  const db = useDb();
  const navigate = useNavigate();
  const [orgId, setOrgId] = useState(orgs[0]?.id ?? '');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('https://');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const site = await createSite(db, { organizationId: orgId, name, baseUrl: url });
      useResourceStore.getState().invalidate('overview');
      toast.success(`Added ${site.name}. Next: record a flow with the extension.`);
      navigate(`/sites/${site.id}`);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-3">
      {orgs.length > 1 && (
        <Field label="Organisation" htmlFor="site-org">
          <select id="site-org" className={inputClass} value={orgId} onChange={(e) => setOrgId(e.target.value)}>
            {orgs.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <Field label="Site name" htmlFor="site-name">
        <input id="site-name" className={inputClass} value={name} onChange={(e) => setName(e.target.value)} placeholder="Shop" required />
      </Field>
      <Field label="Site URL" htmlFor="site-url" hint="The address the crawler starts from, e.g. https://shop.example.com">
        <input id="site-url" className={inputClass} type="url" value={url} onChange={(e) => setUrl(e.target.value)} required />
      </Field>
      {error && (
        <p role="alert" className="text-sm text-[#991b1b]">
          {error}
        </p>
      )}
      <Button type="submit" variant="primary" busy={busy} disabled={!name.trim() || url.length < 10 || !orgId}>
        Add site
      </Button>
    </form>
  );
}
