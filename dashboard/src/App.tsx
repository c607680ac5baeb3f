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
 * Trends (Recharts) and Settings are split into their own chunks.
 */
import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router';
import type { DashboardConfig } from './config.ts';
import { AppContextProvider, type Db } from './lib/supabase.tsx';
import { useSessionStore } from './stores/session.ts';
import { NotFoundPage, RequireAuth, Shell, Toasts } from './components/Shell.tsx';
import { SiteLayout } from './components/SiteLayout.tsx';
import { SkeletonCard } from './components/ui.tsx';
import { AcceptInvitePage, SignInPage, SignUpPage } from './pages/auth/AuthPages.tsx';
import { SitesPage } from './pages/SitesPage.tsx';
import { BugDetailPage } from './pages/site/BugDetailPage.tsx';
import { BugsPage } from './pages/site/BugsPage.tsx';
import { FlowDetailPage, FlowsPage } from './pages/site/FlowsPages.tsx';
import { HomePage } from './pages/site/HomePage.tsx';
import { RunDetailPage, RunsPage } from './pages/site/RunsPages.tsx';

const TrendsPage = lazy(() => import('./pages/site/TrendsPage.tsx').then((m) => ({ default: m.TrendsPage })));
const SettingsPage = lazy(() => import('./pages/site/SettingsPage.tsx').then((m) => ({ default: m.SettingsPage })));

function Lazy({ children }: { children: ReactNode }) {
  return <Suspense fallback={<SkeletonCard lines={6} label="Loading page" />}>{children}</Suspense>;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/signin" element={<SignInPage />} />
      <Route path="/signup" element={<SignUpPage />} />
      <Route path="/invite/:token" element={<AcceptInvitePage />} />
      <Route
        element={
          <RequireAuth>
            <Shell />
          </RequireAuth>
        }
      >
        <Route index element={<SitesPage />} />
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
          <Route path="bugs" element={<BugsPage />} />
          <Route path="bugs/:bugId" element={<BugDetailPage />} />
          <Route path="flows" element={<FlowsPage />} />
          <Route path="flows/:flowId" element={<FlowDetailPage />} />
          <Route path="runs" element={<RunsPage />} />
          <Route path="runs/:runId" element={<RunDetailPage />} />
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
