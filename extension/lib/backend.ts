/**
 * The extension's one connection to the FlowLens backend (Supabase: gateway URL + anon key), used
 * only from the background service worker. Content scripts and the side panel never hold a token:
 * they ask the background through messages.
 *
 * Where the backend is: build-time defaults (WXT_SUPABASE_URL / WXT_SUPABASE_ANON_KEY), which the
 * user can override on the sign-in screen (stored in browser.storage.local, validated on read). The
 * anon key is public by design; the service-role key must never be here.
 *
 * The session is persisted by supabase-js through an adapter over browser.storage.local, so it
 * survives a sleeping service worker and browser restarts.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { z } from 'zod';
import { browser } from 'wxt/browser';

export const BackendConfig = z.object({
  url: z.string().url(),
  anonKey: z.string().min(20),
});
export type BackendConfig = z.infer<typeof BackendConfig>;

const CONFIG_KEY = 'flowlens.backend';

export async function readBackendConfig(): Promise<BackendConfig | null> {
  const stored = (await browser.storage.local.get(CONFIG_KEY))[CONFIG_KEY];
  const parsed = BackendConfig.safeParse(stored);
  if (parsed.success) return parsed.data;
  const fromBuild = BackendConfig.safeParse({ url: import.meta.env.WXT_SUPABASE_URL, anonKey: import.meta.env.WXT_SUPABASE_ANON_KEY });
  return fromBuild.success ? fromBuild.data : null;
}

export async function writeBackendConfig(config: BackendConfig): Promise<void> {
  await browser.storage.local.set({ [CONFIG_KEY]: BackendConfig.parse(config) });
  client = null;
}

const chromeStorage = {
  getItem: async (key: string) => {
    const v = (await browser.storage.local.get(key))[key];
    return typeof v === 'string' ? v : null;
  },
  setItem: async (key: string, value: string) => browser.storage.local.set({ [key]: value }),
  removeItem: async (key: string) => browser.storage.local.remove(key),
};

let client: { config: BackendConfig; db: SupabaseClient } | null = null;

/** The supabase-js client for the configured backend, or null when none is configured yet. */
export async function getBackend(): Promise<SupabaseClient | null> {
  const config = await readBackendConfig();
  if (!config) return null;
  if (client && client.config.url === config.url && client.config.anonKey === config.anonKey) return client.db;
  const db = createClient(config.url, config.anonKey, {
    auth: { storage: chromeStorage, storageKey: 'flowlens.auth', persistSession: true, autoRefreshToken: true, detectSessionInUrl: false },
  });
  client = { config, db };
  return db;
}
