/**
 * The one supabase-js client of the app, made from the anon key and the user's session: every
 * read and write goes through PostgREST/Storage under row-level security. Components reach it
 * through context, so component tests can hand in a fake.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { createContext, useContext, type ReactNode } from 'react';
import type { DashboardConfig } from '../config.ts';
import type { Database } from '../data/database.types.ts';

/** Typed by the generated schema (database.types.ts): table, column, embedded-select and RPC types are checked. */
export type Db = SupabaseClient<Database>;

export function createBrowserClient(config: DashboardConfig): Db {
  return createClient<Database>(config.supabaseUrl, config.supabaseAnonKey, {
    auth: { persistSession: true, autoRefreshToken: true, detectSessionInUrl: false, storageKey: 'flowlens-auth' },
  });
}

interface AppContextValue {
  db: Db;
  config: DashboardConfig;
}

const AppContext = createContext<AppContextValue | null>(null);

export function AppContextProvider({ db, config, children }: AppContextValue & { children: ReactNode }) {
  return <AppContext.Provider value={{ db, config }}>{children}</AppContext.Provider>;
}

function useAppContext(): AppContextValue {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('AppContextProvider is missing above this component.');
  return ctx;
}

export function useDb(): Db {
  return useAppContext().db;
}

export function useConfig(): DashboardConfig {
  return useAppContext().config;
}
