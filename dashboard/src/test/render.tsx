/**
 * Component-test harness: the real routes inside a MemoryRouter, a signed-in session, and a
 * `db` the test provides (usually unused, because the data modules are mocked with vi.mock).
 */
import { render, type RenderResult } from '@testing-library/react';
import type { User } from '@supabase/supabase-js';
import { MemoryRouter, useLocation } from 'react-router';
import { AppRoutes } from '../App.tsx';
import type { DashboardConfig } from '../config.ts';
import { AppContextProvider, type Db } from '../lib/supabase.tsx';
import { useBugActions } from '../stores/bugActions.ts';
import { useResourceStore } from '../stores/resources.ts';
import { useSessionStore } from '../stores/session.ts';
import { useToastStore } from '../stores/toasts.ts';

export const TEST_CONFIG: DashboardConfig = { supabaseUrl: 'http://127.0.0.1:54321', supabaseAnonKey: 'anon' };

export const TEST_USER = {
  id: '00000000-0000-4000-8000-000000000001',
  email: 'ada@example.com',
  user_metadata: { full_name: 'Ada Lovelace' },
  app_metadata: {},
  aud: 'authenticated',
  created_at: '2026-01-01T00:00:00Z',
} as unknown as User;

export function resetStores(): void {
  useResourceStore.getState().clear();
  useToastStore.setState({ toasts: [] });
  useBugActions.setState({ pending: {} });
  useSessionStore.setState({ status: 'signedIn', user: TEST_USER, session: null, auth: null });
}

let lastLocation = '';
function LocationProbe() {
  const loc = useLocation();
  lastLocation = `${loc.pathname}${loc.search}`;
  return null;
}

/** The current in-app URL (path + query) of the last renderApp. */
export function currentLocation(): string {
  return lastLocation;
}

export function renderApp(path: string, db: Db = {} as Db): RenderResult {
  return render(
    <AppContextProvider db={db} config={TEST_CONFIG}>
      <MemoryRouter initialEntries={[path]}>
        <AppRoutes />
        <LocationProbe />
      </MemoryRouter>
    </AppContextProvider>,
  );
}
