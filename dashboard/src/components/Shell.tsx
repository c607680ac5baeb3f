/** The signed-in frame: skip link, header with the way home and sign-out, the page, toasts. */
import type { ReactNode } from 'react';
import { Link, Navigate, Outlet, useLocation } from 'react-router';
import { useSessionStore } from '../stores/session.ts';
import { useToastStore } from '../stores/toasts.ts';
import { tokens } from '../theme.ts';
import { Logo } from './Logo.tsx';
import { Button, cx, Skeleton } from './ui.tsx';

export function RequireAuth({ children }: { children: ReactNode }) {
  const status = useSessionStore((s) => s.status);
  const location = useLocation();
  if (status === 'loading') {
    return (
      <div className="mx-auto max-w-6xl px-4 py-8" role="status" aria-label="Loading">
        <Skeleton className="mb-8 h-8 w-40" />
        <Skeleton className="mb-4 h-32 w-full" />
        <Skeleton className="h-32 w-full" />
      </div>
    );
  }
  if (status === 'signedOut') {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={next === '/' ? '/signin' : `/signin?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}

export function Shell() {
  const user = useSessionStore((s) => s.user);
  const signOut = useSessionStore((s) => s.signOut);
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:fixed focus:left-3 focus:top-3 focus:z-50 focus:rounded-[8px] focus:bg-surface focus:px-3 focus:py-2 focus:shadow">
        Skip to content
      </a>
      <header className="border-b border-line bg-surface">
        <div className="mx-auto flex h-14 max-w-6xl items-center justify-between gap-3 px-4 sm:px-6">
          <Link to="/" aria-label="FlowLens, all sites" className="rounded">
            <Logo />
          </Link>
          <div className="flex min-w-0 items-center gap-3">
            <span className="hidden truncate text-sm text-muted sm:inline" title={user?.email ?? ''}>
              {user?.email}
            </span>
            <Button variant="ghost" onClick={() => void signOut()}>
              Sign out
            </Button>
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-6xl px-4 py-6 outline-none sm:px-6 sm:py-8">
        <Outlet />
      </main>
      <Toasts />
    </div>
  );
}

export function Toasts() {
  const toasts = useToastStore((s) => s.toasts);
  const dismiss = useToastStore((s) => s.dismiss);
  return (
    <div aria-live="polite" className="pointer-events-none fixed inset-x-0 bottom-4 z-50 flex flex-col items-center gap-2 px-4">
      {toasts.map((t) => (
        <div
          key={t.id}
          role={t.tone === 'error' ? 'alert' : 'status'}
          className={cx('card pointer-events-auto flex max-w-md items-start gap-3 border-l-4 px-4 py-3 text-sm shadow-sm fade-in')}
          style={{ borderLeftColor: t.tone === 'error' ? tokens.critical : t.tone === 'success' ? tokens.success : tokens.accent }}
        >
          <span className="flex-1">{t.text}</span>
          <button type="button" className="text-muted hover:text-ink" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

export function NotFoundPage() {
  return (
    <div className="card p-8 text-center">
      <h1 className="text-xl font-semibold">Nothing here</h1>
      <p className="mt-2 text-sm text-muted">This page does not exist, or it belongs to an organisation you are not a member of.</p>
      <Link className="link mt-4 inline-block" to="/">
        Go to all sites
      </Link>
    </div>
  );
}
