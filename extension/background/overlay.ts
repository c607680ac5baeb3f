/**
 * Background side of the in-page overlay (issue 7): which sites are monitored, bugs for a page, bug
 * actions. See docs/overlay.md for the whole design and the contracts with the recorder.
 *
 * Nothing runs on sites the user does not monitor: the overlay content script is registered at run
 * time (browser.scripting.registerContentScripts) only for the origins of the signed-in user's
 * sites for which the user has granted host access. The registration is recomputed when the
 * session changes, when host permissions are granted or removed, at start-up, and on request
 * (`overlay.sync`, e.g. after a site was added).
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { browser } from 'wxt/browser';
import { onMessage, sendToTab } from '../lib/messaging.ts';
import { noRequest, overlayBug, overlayGetHidden, overlayPage, overlayScreenshot, overlaySetHidden, overlaySnooze } from '../lib/protocol-schemas.ts';
import { matchPatternFor, pageTemplate, siteForUrl, siteOrigins, toOverlayBug, type PageBugRow, type SiteRow, type StepLocator } from '../overlay/bugs.ts';
import type { OverlayBug, PageState } from '../overlay/protocol.ts';
import { currentUser, signedIn, type SignedIn } from './backend-access.ts';

export const OVERLAY_SCRIPT_ID = 'flowlens-overlay';
/** The built content script (WXT entrypoint extension/entrypoints/overlay.content.ts, registration: runtime). */
export const OVERLAY_SCRIPT_FILE = 'content-scripts/overlay.js';
/** The overlay UI, injected by the background only into frames whose loader found something to show. */
export const OVERLAY_UI_FILE = 'content-scripts/overlay-ui.js';
/** Per-site hide toggle: { [siteId]: true } in browser.storage.local. */
export const HIDDEN_KEY = 'flowlens.overlay.hidden';
/** The recorder's state in browser.storage.session (extension/lib/state.ts): `{ recording, tabId, … }`. */
export const RECORDER_KEY = 'flowlens.recorder';
/** supabase-js's storage key for the session (extension/lib/backend.ts). */
export const AUTH_KEY = 'flowlens.auth';

const SITES_TTL_MS = 60_000;
const BUGS_TTL_MS = 30_000;
const DASHBOARD_URL = (import.meta.env.WXT_DASHBOARD_URL as string | undefined) || 'http://127.0.0.1:5173';

let sitesCache: { at: number; userId: string; sites: SiteRow[] } | null = null;
const bugsCache = new Map<string, { at: number; bugs: OverlayBug[] }>();

async function loadSites(db: SupabaseClient, userId: string, force = false): Promise<SiteRow[]> {
  if (!force && sitesCache && sitesCache.userId === userId && Date.now() - sitesCache.at < SITES_TTL_MS) return sitesCache.sites;
  const { data, error } = await db.from('sites').select('id, name, base_url, allowed_origins').order('created_at');
  if (error) throw new Error(error.message);
  sitesCache = { at: Date.now(), userId, sites: (data ?? []) as SiteRow[] };
  return sitesCache.sites;
}

async function hiddenSites(): Promise<Record<string, boolean>> {
  const v = (await browser.storage.local.get(HIDDEN_KEY))[HIDDEN_KEY];
  return v && typeof v === 'object' ? (v as Record<string, boolean>) : {};
}

/** Hidden while recording: in the recorded tab, or everywhere when the recorder did not say which tab. */
async function recordingIn(tabId: number | undefined): Promise<boolean> {
  try {
    const raw = (await browser.storage.session.get(RECORDER_KEY))[RECORDER_KEY] as { recording?: unknown; tabId?: unknown } | undefined;
    if (!raw || raw.recording !== true) return false;
    return typeof raw.tabId !== 'number' || raw.tabId === tabId;
  } catch {
    return false;
  }
}

/** The recorded steps behind flow_broken bugs, so their pins can use every ranked selector and heal. */
async function stepLocators(db: SupabaseClient, rows: PageBugRow[]): Promise<Map<string, StepLocator>> {
  const out = new Map<string, StepLocator>();
  const wanted = rows.filter((r) => r.flow_id && r.step_index !== null);
  if (wanted.length === 0) return out;
  const flowIds = [...new Set(wanted.map((r) => r.flow_id!))];
  const { data } = await db.from('flow_steps').select('flow_id, position, data').in('flow_id', flowIds);
  for (const s of (data ?? []) as { flow_id: string; position: number; data: { selectors?: unknown; element?: unknown } }[]) {
    const selectors = Array.isArray(s.data.selectors) ? (s.data.selectors as { kind: string; value: string }[]) : [];
    out.set(`${s.flow_id}:${s.position}`, { selectors, element: s.data.element });
  }
  const byBug = new Map<string, StepLocator>();
  for (const r of wanted) {
    const step = out.get(`${r.flow_id}:${r.step_index}`);
    if (step) byBug.set(r.id, step);
  }
  return byBug;
}

export async function pageState(url: string, tabId: number | undefined, force = false): Promise<PageState> {
  const session = await currentUser();
  if (!session) return { status: 'signed-out', bugs: [] };
  const sites = await loadSites(session.db, session.userId, force);
  const site = siteForUrl(sites, url);
  if (!site) return { status: 'not-monitored', bugs: [] };
  const base = { site: { id: site.id, name: site.name }, template: pageTemplate(site, url) };
  if ((await hiddenSites())[site.id]) return { status: 'hidden', ...base, bugs: [] };
  if (await recordingIn(tabId)) return { status: 'recording', ...base, bugs: [] };
  const key = `${session.userId}|${site.id}|${base.template}`;
  const cached = bugsCache.get(key);
  if (!force && cached && Date.now() - cached.at < BUGS_TTL_MS) return { status: 'ok', ...base, bugs: cached.bugs };
  const { data, error } = await session.db.rpc('page_bugs', { target_site: site.id, page_template: base.template });
  if (error) return { status: 'error', ...base, bugs: [], error: error.message };
  const rows = (data ?? []) as PageBugRow[];
  const steps = await stepLocators(session.db, rows);
  const bugs = rows.map((r) => toOverlayBug(r, site.id, DASHBOARD_URL, steps.get(r.id)));
  bugsCache.set(key, { at: Date.now(), bugs });
  return { status: 'ok', ...base, bugs };
}

async function updateBug(bugId: string, patch: { snoozed_until?: string; false_positive?: boolean }): Promise<void> {
  const session = await signedIn();
  // Members may only change these two columns (column grants + RLS); the audit trigger records who.
  const { data, error } = await session.db.from('bugs').update(patch).eq('id', bugId).select('id');
  if (error) throw new Error(error.message);
  if (!data || data.length === 0) throw new Error('That bug is not yours to change.');
  bugsCache.clear();
}

async function signedScreenshotUrl(siteId: string, path: string): Promise<string | null> {
  const session = await currentUser();
  // Only objects under the site's own folder (the storage policies check the same prefix).
  if (!session || !path.startsWith(`${siteId}/`)) return null;
  const { data, error } = await session.db.storage.from('screenshots').createSignedUrl(path, 300);
  if (error || !data) return null;
  return data.signedUrl;
}

/**
 * Makes the registered overlay content script cover exactly the monitored, granted origins.
 *
 * Only a definite answer changes it: signed out (or no backend) unregisters, a site list read
 * without error sets it. A failed read (the network is not up yet when the browser starts, a token
 * refresh in flight) keeps the registration as it was: dropping it there left the first page loads
 * of a browser start without a badge until the next sync (issue 19).
 */
export async function syncOverlayRegistration(): Promise<string[]> {
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [OVERLAY_SCRIPT_ID] }).catch(() => []);
  const before = [...(existing[0]?.matches ?? [])].sort();
  let matches: string[] = [];
  let session: SignedIn | null;
  try {
    session = await currentUser();
  } catch (e) {
    console.warn('FlowLens overlay: could not read the session; keeping the registration', e instanceof Error ? e.message : e);
    return before;
  }
  if (session) {
    let sites: SiteRow[];
    try {
      sites = await loadSites(session.db, session.userId, true);
    } catch (e) {
      console.warn('FlowLens overlay: could not load the sites; keeping the registration', e instanceof Error ? e.message : e);
      return before;
    }
    const origins = [...new Set(sites.flatMap(siteOrigins))];
    for (const o of origins) {
      const pattern = matchPatternFor(o);
      if (await browser.permissions.contains({ origins: [pattern] }).catch(() => false)) matches.push(pattern);
    }
    matches = matches.sort();
  }
  if (matches.length === 0) {
    if (existing.length > 0) await browser.scripting.unregisterContentScripts({ ids: [OVERLAY_SCRIPT_ID] });
    return matches;
  }
  const script = { id: OVERLAY_SCRIPT_ID, js: [OVERLAY_SCRIPT_FILE], matches, runAt: 'document_idle' as const, allFrames: false, persistAcrossSessions: true };
  if (existing.length > 0) {
    if (JSON.stringify(before) !== JSON.stringify(matches)) await browser.scripting.updateContentScripts([script]);
  } else {
    await browser.scripting.registerContentScripts([script]);
  }
  return matches;
}

/** Whether `url` is covered by one of the registered match patterns (`<origin>/*`). */
function coveredBy(matches: readonly string[], url: string | undefined): boolean {
  if (!url) return false;
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    return false;
  }
  return matches.includes(matchPatternFor(origin));
}

/**
 * Runs the loader in a page now, without waiting for its next load. A registered content script
 * only reaches documents loaded after the registration: the tab open while the user signs in or
 * grants access, and a page loaded at browser start before Chrome restored the persisted
 * registration (about 1 start in 7, issue 19), would show nothing. A page whose loader already
 * runs is left alone (a second instance would replace it: WXT invalidates the older one).
 */
async function runLoaderIn(tabId: number): Promise<void> {
  try {
    const [probe] = await browser.scripting.executeScript({
      target: { tabId, frameIds: [0] },
      func: () => (globalThis as { __flowlensOverlay?: boolean }).__flowlensOverlay === true,
    });
    if (probe?.result === true) return;
    await browser.scripting.executeScript({ target: { tabId, frameIds: [0] }, files: [OVERLAY_SCRIPT_FILE as never] });
  } catch {
    // A tab that closed, navigated away or is not ours to script: its next load asks again.
  }
}

/** After a sync: the loader in every open tab of a covered origin (new grant, sign-in, browser start). */
async function runLoaderInOpenTabs(matches: readonly string[]): Promise<void> {
  if (matches.length === 0) return;
  const tabs = await browser.tabs.query({}).catch(() => []);
  for (const t of tabs) if (t.id !== undefined && coveredBy(matches, t.url)) await runLoaderIn(t.id);
}

let syncing: Promise<unknown> = Promise.resolve();
let syncTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleSync(): void {
  clearTimeout(syncTimer);
  syncTimer = setTimeout(() => {
    syncing = syncing
      .then(async () => runLoaderInOpenTabs(await syncOverlayRegistration()))
      .catch((e: unknown) => console.warn('FlowLens overlay: registration failed', e));
  }, 100);
}

/** Tells every tab's overlay to ask again (recording started/stopped, hide toggle, new session). */
async function broadcastRefresh(): Promise<void> {
  bugsCache.clear();
  const tabs = await browser.tabs.query({});
  for (const t of tabs) if (t.id !== undefined) sendToTab(t.id, 'overlay.refresh').catch(() => undefined);
}

export function registerOverlayHandlers(): void {
  // From the overlay's loader and UI (content scripts); extension pages may ask these too (docs/overlay.md).
  // Only loadUi needs the sender's own tab and frame.
  onMessage('overlay.page', { from: 'any', schema: overlayPage }, (data, sender) => pageState(data.url, sender.tab?.id, data.force === true));
  onMessage('overlay.loadUi', { from: 'content', schema: noRequest }, async (_, sender) => {
    // Only into the frame that asked, and only a tab the loader runs in (a monitored, granted origin).
    await browser.scripting.executeScript({ target: { tabId: sender.tab!.id!, frameIds: [sender.frameId ?? 0] }, files: [OVERLAY_UI_FILE as never] });
    return true as const;
  });
  onMessage('overlay.snooze', { from: 'any', schema: overlaySnooze }, async (data) => {
    const days = Math.min(90, Math.max(1, Math.round(data.days || 7)));
    await updateBug(data.bugId, { snoozed_until: new Date(Date.now() + days * 86_400_000).toISOString() });
    return true as const;
  });
  onMessage('overlay.falsePositive', { from: 'any', schema: overlayBug }, async (data) => {
    await updateBug(data.bugId, { false_positive: true });
    return true as const;
  });
  onMessage('overlay.setHidden', { from: 'any', schema: overlaySetHidden }, async (data) => {
    const hidden = await hiddenSites();
    if (data.hidden) hidden[data.siteId] = true;
    else delete hidden[data.siteId];
    await browser.storage.local.set({ [HIDDEN_KEY]: hidden });
    return true as const;
  });
  onMessage('overlay.getHidden', { from: 'any', schema: overlayGetHidden }, async (data) => (await hiddenSites())[data.siteId] === true);
  onMessage('overlay.screenshot', { from: 'any', schema: overlayScreenshot }, (data) => signedScreenshotUrl(data.siteId, data.path));
  // From the side panel.
  onMessage('overlay.sync', { from: 'extension' }, () => syncOverlayRegistration());
  onMessage('overlay.enable', { from: 'extension' }, async (data) => {
    // The side panel's "Show bugs on this site", right after the user granted the origin: register,
    // then show the overlay in the panel's tab without waiting for a reload.
    const matches = await syncOverlayRegistration();
    const tab = typeof data.tabId === 'number' ? await browser.tabs.get(data.tabId).catch(() => null) : null;
    const shown = !!tab?.id && coveredBy(matches, tab.url);
    if (shown) await runLoaderIn(tab.id!);
    return shown;
  });
  // Every finished page load of a covered origin also gets the loader (a no-op where the registered
  // script already ran): Chrome restores persisted registrations asynchronously at browser start.
  browser.tabs.onUpdated.addListener((tabId, info, tab) => {
    if (info.status !== 'complete' || !tab.url || !/^https?:/.test(tab.url)) return;
    void browser.scripting
      .getRegisteredContentScripts({ ids: [OVERLAY_SCRIPT_ID] })
      .then((s) => (coveredBy(s[0]?.matches ?? [], tab.url) ? runLoaderIn(tabId) : undefined))
      .catch(() => undefined);
  });
  browser.runtime.onInstalled.addListener(scheduleSync);
  browser.runtime.onStartup.addListener(scheduleSync);
  browser.permissions.onAdded.addListener(scheduleSync);
  browser.permissions.onRemoved.addListener(scheduleSync);
  browser.storage.onChanged.addListener((changes, area) => {
    if (area === 'local' && AUTH_KEY in changes) {
      // Sign-in, sign-out or another user: sites and bugs change. (Token refreshes also land here;
      // the sync is cheap and idempotent.)
      sitesCache = null;
      scheduleSync();
      void broadcastRefresh();
    }
    if ((area === 'session' && RECORDER_KEY in changes) || (area === 'local' && HIDDEN_KEY in changes)) {
      const before = (changes[RECORDER_KEY]?.oldValue as { recording?: boolean } | undefined)?.recording;
      const after = (changes[RECORDER_KEY]?.newValue as { recording?: boolean } | undefined)?.recording;
      if (area === 'session' && before === after) return;
      void broadcastRefresh();
    }
  });
  scheduleSync();
}
