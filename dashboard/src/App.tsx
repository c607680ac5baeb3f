/**
 * Routes. Every page, bug and run has its own URL (emails link straight to them):
 *   /signin  /signup  /invite/:token
 *   /                                   all sites
 *   /sites/:siteId                      site home
 *   /sites/:siteId/trends[?range=&deploy=]
 *   /sites/:siteId/bugs[?severity=&status=&type=&path=&viewport=&flow=&sort=&p=]
 *   /sites/:siteId/bugs/:bugId
 *   /sites/:siteId/flows  /sites/:siteId/flows/:flowId
 *   /sites/:siteId/runs   /sites/:siteId/runs/:runId
 *   /sites/:siteId/settings
 * Every page but the site home is its own chunk (Recharts only loads with Trends).
 */
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router';
import type { DashboardConfig } from './config.ts';
import { AppContextProvider, type Db } from './lib/supabase.tsx';
import { useSessionStore } from './stores/session.ts';
import { NotFoundPage, RequireAuth, Shell, Toasts } from './components/Shell.tsx';
import { SiteLayout } from './components/SiteLayout.tsx';
import { SkeletonCard } from './components/ui.tsx';
import { HomePage } from './pages/site/HomePage.tsx';

// Only the shell and the site home are in the initial bundle (the page the morning emails open,
// budget: interactive within 1 s); every other page is its own chunk, fetched when first visited
// and warmed up once the browser is idle.
const loadAuth = () => import('./pages/auth/AuthPages.tsx');
const loadSites = () => import('./pages/SitesPage.tsx');
const loadBugs = () => import('./pages/site/BugsPage.tsx');
const loadBug = () => import('./pages/site/BugDetailPage.tsx');
const loadFlows = () => import('./pages/site/FlowsPages.tsx');
const loadRuns = () => import('./pages/site/RunsPages.tsx');
const loadTrends = () => import('./pages/site/TrendsPage.tsx');
const loadSettings = () => import('./pages/site/SettingsPage.tsx');
const SignInPage = lazy(() => loadAuth().then((m) => ({ default: m.SignInPage })));
const SignUpPage = lazy(() => loadAuth().then((m) => ({ default: m.SignUpPage })));
const AcceptInvitePage = lazy(() => loadAuth().then((m) => ({ default: m.AcceptInvitePage })));
const SitesPage = lazy(() => loadSites().then((m) => ({ default: m.SitesPage })));
const BugsPage = lazy(() => loadBugs().then((m) => ({ default: m.BugsPage })));
const BugDetailPage = lazy(() => loadBug().then((m) => ({ default: m.BugDetailPage })));
const FlowsPage = lazy(() => loadFlows().then((m) => ({ default: m.FlowsPage })));
const FlowDetailPage = lazy(() => loadFlows().then((m) => ({ default: m.FlowDetailPage })));
const RunsPage = lazy(() => loadRuns().then((m) => ({ default: m.RunsPage })));
const RunDetailPage = lazy(() => loadRuns().then((m) => ({ default: m.RunDetailPage })));
const TrendsPage = lazy(() => loadTrends().then((m) => ({ default: m.TrendsPage })));
const SettingsPage = lazy(() => loadSettings().then((m) => ({ default: m.SettingsPage })));

/** Fetches the page chunks (not Recharts) in the background once the first page has settled. */
function useWarmChunks() {
  useEffect(() => {
    const warm = () => void Promise.all([loadSites(), loadBugs(), loadBug(), loadFlows(), loadRuns(), loadSettings(), loadTrends()]).catch(() => {});
    // Safari has no requestIdleCallback.
    if (typeof window.requestIdleCallback !== 'function') {
      const t = window.setTimeout(warm, 3000);
      return () => window.clearTimeout(t);
    }
    const id = window.requestIdleCallback(warm, { timeout: 5000 });
    return () => window.cancelIdleCallback(id);
  }, []);
}

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<SkeletonCard lines={6} label="Loading page" />}>{children}</Suspense>;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/signin" element={<Lazy><SignInPage /></Lazy>} />
      <Route path="/signup" element={<Lazy><SignUpPage /></Lazy>} />
      <Route path="/invite/:token" element={<Lazy><AcceptInvitePage /></Lazy>} />
      <Route
        element={
          <RequireAuth>
            <Shell />
          </RequireAuth>
        }
      >
        <Route index element={<Lazy><SitesPage /></Lazy>} />
        <Route path="sites/:siteId" element={<SiteLayout />}>
          <Route index element={<HomePage />} />
          <Route
            path="trends"
            element={
              <Lazy>
                <TrendsPage />
              </Lazy>
            }
          />
          <Route path="bugs" element={<Lazy><BugsPage /></Lazy>} />
          <Route path="bugs/:bugId" element={<Lazy><BugDetailPage /></Lazy>} />
          <Route path="flows" element={<Lazy><FlowsPage /></Lazy>} />
          <Route path="flows/:flowId" element={<Lazy><FlowDetailPage /></Lazy>} />
          <Route path="runs" element={<Lazy><RunsPage /></Lazy>} />
          <Route path="runs/:runId" element={<Lazy><RunDetailPage /></Lazy>} />
          <Route
            path="settings"
            element={
              <Lazy>
                <SettingsPage />
              </Lazy>
            }
          />
        </Route>
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

/** Follows the session and sets page titles; the router and providers live around it. */
export function App({ db, config }: { db: Db; config: DashboardConfig }) {
  useEffect(() => useSessionStore.getState().start(db.auth), [db]);
  useWarmChunks();
  return (
    <AppContextProvider db={db} config={config}>
      <BrowserRouter>
        <AppRoutes />
        <AuthToasts />
      </BrowserRouter>
    </AppContextProvider>
  );
}

/** Toasts outside the signed-in shell (sign-in pages) come from here. */
function AuthToasts() {
  const status = useSessionStore((s) => s.status);
  return status === 'signedIn' ? null : <Toasts />;
}
