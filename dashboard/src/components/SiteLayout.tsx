/**
 * Everything under /sites/:siteId: loads the site once (RLS decides whether the user may see it),
 * shows its name and the section tabs, and hands the site to the pages through outlet context.
 */
import { useEffect } from 'react';
import { Link, NavLink, Outlet, useLocation, useOutletContext, useParams } from 'react-router';
import { fetchHome, fetchSite, type SiteWithRole } from '../data/queries.ts';
import { useDb } from '../lib/supabase.tsx';
import { useResource, useResourceStore } from '../stores/resources.ts';
import { useSessionStore } from '../stores/session.ts';
import { cx, ErrorCard, Skeleton, useDocumentTitle } from './ui.tsx';

export interface SiteContextValue extends SiteWithRole {
  isAdmin: boolean;
}

export function useSiteContext(): SiteContextValue {
  return useOutletContext<SiteContextValue>();
}

export const SITE_TABS = [
  { to: '', label: 'Home', end: true },
  { to: 'trends', label: 'Trends' },
  { to: 'bugs', label: 'Bugs' },
  { to: 'flows', label: 'Flows' },
  { to: 'runs', label: 'History' },
  { to: 'settings', label: 'Settings' },
] as const;

export function SiteLayout() {
  const { siteId = '' } = useParams();
  const db = useDb();
  const userId = useSessionStore((s) => s.user?.id ?? '');
  const site = useResource(`site:${siteId}`, () => fetchSite(db, siteId, userId));
  const { pathname } = useLocation();
  const onHome = pathname.replace(/\/+$/, '') === `/sites/${siteId}`;
  const section = pathname.split('/')[3] ?? '';
  const detail = pathname.split('/')[4];
  const sectionLabel = SITE_TABS.find((t) => t.to === section)?.label ?? 'Home';
  useDocumentTitle(detail ? ({ bugs: 'Bug', flows: 'Flow', runs: 'Crawl' } as Record<string, string>)[section] : sectionLabel, site.data?.site.name ?? (site.status === 'ready' ? 'Not found' : null));
  useEffect(() => {
    // The home's data does not depend on the site row: start loading it alongside, not after.
    // (RLS returns nothing for a site the user cannot see, and the page then says "not found".)
    const store = useResourceStore.getState();
    if (onHome && /^[0-9a-f-]{36}$/i.test(siteId) && !store.entries[`home:${siteId}`]) void store.load(`home:${siteId}`, () => fetchHome(db, siteId));
  }, [onHome, siteId, db]);

  if (site.status === 'error' && !site.data) return <ErrorCard message={site.error ?? ''} onRetry={site.reload} />;
  if (site.status === 'ready' && site.data === null) {
    return (
      <div className="card p-8 text-center">
        <h1 className="text-xl font-semibold">Site not found</h1>
        <p className="mt-2 text-sm text-muted">This site does not exist, or it belongs to an organisation you are not a member of.</p>
        <Link className="link mt-4 inline-block" to="/">
          Go to all sites
        </Link>
      </div>
    );
  }

  const ctx: SiteContextValue | null = site.data ? { ...site.data, isAdmin: site.data.role === 'owner' || site.data.role === 'admin' } : null;

  return (
    <div>
      <div className="mb-5">
        <nav aria-label="Breadcrumb" className="text-sm text-muted">
          <Link className="link" to="/">
            All sites
          </Link>
          <span aria-hidden="true"> / </span>
          {ctx ? <span>{ctx.organizationName}</span> : <Skeleton className="inline-block h-3 w-24 align-middle" />}
        </nav>
        <div className="mt-1 flex flex-wrap items-baseline gap-x-3 gap-y-1">
          {ctx ? (
            <>
              <p className="text-lg font-semibold tracking-tight">{ctx.site.name}</p>
              <span className="metric truncate text-xs text-muted">{ctx.site.base_url}</span>
            </>
          ) : (
            <Skeleton className="h-6 w-56" />
          )}
        </div>
      </div>
      <nav aria-label="Site sections" className="-mx-4 mb-6 overflow-x-auto border-b border-line px-4 sm:mx-0 sm:px-0">
        <ul className="flex min-w-max gap-1">
          {SITE_TABS.map((t) => (
            <li key={t.label}>
              <NavLink
                to={t.to === '' ? `/sites/${siteId}` : `/sites/${siteId}/${t.to}`}
                end={'end' in t ? t.end : false}
                className={({ isActive }) =>
                  cx(
                    '-mb-px inline-flex min-h-10 items-center border-b-2 px-3 text-sm font-medium transition-colors duration-200 ease-out',
                    isActive ? 'border-accent text-ink' : 'border-transparent text-muted hover:text-ink',
                  )
                }
              >
                {t.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      {ctx ? (
        <Outlet context={ctx} />
      ) : (
        <div className="space-y-4" role="status" aria-label="Loading site">
          <Skeleton className="h-40 w-full" />
          <Skeleton className="h-40 w-full" />
        </div>
      )}
    </div>
  );
}
