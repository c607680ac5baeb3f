/**
 * The side panel's state (Zustand). The recording itself lives in storage.session, written only by
 * the background; the panel mirrors it (validated on read) and sends every change as a message.
 * Errors arrive as sentences (lib/errors.ts) and are shown as they are.
 */
import { create } from 'zustand';
import { browser } from 'wxt/browser';
import { sendMessage } from '../../lib/messaging.ts';
import type { EditRequest, FlowSummary, OrgSummary, PickKind, Result, SiteSummary } from '../../lib/protocol.ts';
import { emptyState, parseRecorderState, STATE_KEY, type RecorderState } from '../../lib/state.ts';
import { download } from './download.ts';
import { findTargetTab, originOfUrl, type TargetTab } from './tab.ts';

export { originOfUrl, type TargetTab };

interface PanelState {
  phase: 'loading' | 'signedOut' | 'ready';
  email: string;
  backendUrl: string | null;
  tab: TargetTab | null;
  sites: SiteSummary[];
  orgs: OrgSummary[];
  siteId: string | null;
  recorder: RecorderState;
  flows: FlowSummary[];
  error: string | null;
  info: string | null;
  busy: boolean;
  /** Whether the extension may run on the tab's origin (optional host permission); null when unknown or not a web page. */
  hostAccess: boolean | null;
  /** Names of the credentials stored for a site (never values); null until loaded for it. */
  storedSecrets: { siteId: string; names: string[] } | null;
}

interface PanelActions {
  init(): Promise<void>;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  setBackend(url: string, anonKey: string): Promise<boolean>;
  refreshTab(): Promise<void>;
  loadSites(): Promise<void>;
  selectSite(id: string): void;
  addSite(organizationId: string, name: string): Promise<void>;
  record(): Promise<void>;
  stop(): Promise<void>;
  discard(): Promise<void>;
  edit(edit: EditRequest): Promise<boolean>;
  /** Starts (kind) or cancels (null) picking an element on the page for a check. */
  pick(kind: PickKind | null): Promise<void>;
  save(): Promise<void>;
  loadFlows(): Promise<void>;
  openFlow(id: string): Promise<void>;
  exportFlow(format: 'flowlens' | 'chrome'): Promise<void>;
  /** Downloads a saved flow as a Playwright test (core's generator, in the background). */
  exportPlaywright(flowId: string): Promise<void>;
  importFile(file: File): Promise<void>;
  setError(error: string | null): void;
  setInfo(info: string | null): void;
  /** Re-reads whether the tab's origin is granted (after a grant, a removal, a tab change). */
  checkHostAccess(): Promise<void>;
  loadStoredSecrets(): Promise<void>;
  /** Sends the value to the background once; it is kept nowhere here. */
  storeSecret(name: string, value: string): Promise<boolean>;
  /** After the user granted the tab's origin: the overlay registered and shown in `tabId` now (false: the background did not answer). */
  enableOverlay(tabId: number | undefined): Promise<boolean>;
  /** Starts the guided walkthrough of a saved flow in `tabId`, else a new tab (issue 9); the error sentence, or null. */
  startWalkthrough(flowId: string, tabId: number | undefined): Promise<string | null>;
}

const GENERIC = 'Something went wrong. Try again; if it keeps happening, reload the extension.';

/**
 * Unwraps a Result; a failure (or a dead background) becomes the panel's error line. `quiet` calls
 * (edits of the draft) do not mark the panel busy: an edit sent when a field loses focus must not
 * disable the button whose press took the focus away, or that press is lost (issue 19: "Save drops
 * the first click").
 */
async function call<T>(set: (p: Partial<PanelState>) => void, request: () => Promise<Result<T>>, quiet = false): Promise<T | undefined> {
  if (!quiet) set({ busy: true, error: null });
  else set({ error: null });
  try {
    const r = await request();
    if (r.ok) return r.data;
    // An expired or revoked session: back to the sign-in form, with the sentence saying why.
    set(/Sign in again|You are signed out/.test(r.error) ? { error: r.error, phase: 'signedOut' } : { error: r.error });
    return undefined;
  } catch {
    set({ error: GENERIC });
    return undefined;
  } finally {
    if (!quiet) set({ busy: false });
  }
}

/** Edits still on their way to the background; Save and Export wait for them (the name typed just before the click). */
let pendingEdits: Promise<unknown> = Promise.resolve();

export const usePanel = create<PanelState & PanelActions>()((set, get) => ({
  phase: 'loading',
  email: '',
  backendUrl: null,
  tab: null,
  sites: [],
  orgs: [],
  siteId: null,
  recorder: emptyState(),
  flows: [],
  error: null,
  info: null,
  busy: false,
  hostAccess: null,
  storedSecrets: null,

  async init() {
    const raw = (await browser.storage.session.get(STATE_KEY))[STATE_KEY];
    set({ recorder: parseRecorderState(raw) });
    browser.storage.session.onChanged.addListener((changes) => {
      const change = changes[STATE_KEY];
      if (change) set({ recorder: parseRecorderState(change.newValue) });
    });
    const backend = await call(set, () => sendMessage('backend.get'));
    set({ backendUrl: backend?.url ?? null });
    await get().refreshTab();
    const session = backend?.url ? await call(set, () => sendMessage('auth.session')) : null;
    if (session) {
      set({ phase: 'ready', email: session.email });
      await get().loadSites();
    } else {
      set({ phase: 'signedOut' });
    }
  },

  async signIn(email, password) {
    const r = await call(set, () => sendMessage('auth.signIn', { email, password }));
    if (!r) return;
    set({ phase: 'ready', email: r.email });
    await get().loadSites();
  },

  async signOut() {
    await call(set, () => sendMessage('auth.signOut'));
    set({ phase: 'signedOut', email: '', sites: [], flows: [], siteId: null });
  },

  async setBackend(url, anonKey) {
    const r = await call(set, () => sendMessage('backend.set', { url, anonKey }));
    if (r === undefined) return false;
    set({ backendUrl: url.trim().replace(/\/+$/, ''), info: 'Backend saved. Sign in with your account there.' });
    return true;
  },

  async refreshTab() {
    const tab = await findTargetTab();
    const previous = get().tab;
    set({ tab });
    await get().checkHostAccess();
    if (get().phase === 'ready' && originOfUrl(previous?.url ?? '') !== originOfUrl(tab?.url ?? '')) await get().loadSites();
  },

  async loadSites() {
    const { tab, recorder } = get();
    if (!tab || !originOfUrl(tab.url)) {
      set({ sites: [], siteId: recorder.siteId, flows: [] });
      return;
    }
    const r = await call(set, () => sendMessage('sites.forUrl', { url: tab.url }));
    if (!r) return;
    const keep = r.sites.find((s) => s.id === recorder.siteId) ?? r.sites[0];
    set({ sites: r.sites, orgs: r.orgs, siteId: keep?.id ?? null });
    if (keep) await get().loadFlows();
    else set({ flows: [] });
  },

  selectSite(id) {
    set({ siteId: id });
    void get().loadFlows();
  },

  async addSite(organizationId, name) {
    const tab = get().tab;
    if (!tab) return;
    const site = await call(set, () => sendMessage('sites.add', { organizationId, url: tab.url, name }));
    if (!site) return;
    set({ sites: [...get().sites, site], siteId: site.id, flows: [], info: `Added ${site.name}.` });
  },

  async record() {
    const { tab, siteId } = get();
    if (!tab || !siteId) return;
    await call(set, () => sendMessage('recorder.start', { tabId: tab.id, siteId, url: tab.url }));
  },

  async stop() {
    await call(set, () => sendMessage('recorder.stop'));
  },

  async discard() {
    await call(set, () => sendMessage('recorder.discard'));
  },

  async edit(edit) {
    const sent = call(set, () => sendMessage('recorder.edit', edit), true);
    pendingEdits = pendingEdits.then(() => sent);
    return (await sent) !== undefined;
  },

  async pick(kind) {
    await call(set, () => sendMessage('recorder.pick', { kind }), true);
  },

  async save() {
    await pendingEdits;
    const r = await call(set, () => sendMessage('flows.save'));
    if (r) await get().loadFlows();
  },

  async loadFlows() {
    const siteId = get().siteId;
    if (!siteId) return;
    const flows = await call(set, () => sendMessage('flows.list', { siteId }));
    if (flows) set({ flows });
  },

  async openFlow(id) {
    const siteId = get().siteId;
    if (!siteId) return;
    await call(set, () => sendMessage('flows.open', { flowId: id, siteId }));
  },

  async exportFlow(format) {
    await pendingEdits;
    const r = await call(set, () => sendMessage('flows.export', { format }));
    if (r) download(r.filename, r.json, 'application/json');
  },

  async exportPlaywright(flowId) {
    const r = await call(set, () => sendMessage('flows.exportPlaywright', { flowId }));
    if (r) download(r.filename, r.code, 'text/plain');
  },

  async importFile(file) {
    const { siteId, tab } = get();
    const origin = originOfUrl(tab?.url ?? '');
    if (!siteId || !origin) {
      set({ error: 'Pick the site the recording belongs to first.' });
      return;
    }
    if (file.size > 5_000_000) {
      set({ error: 'That file is too large for a recording (over 5 MB).' });
      return;
    }
    const text = await file.text();
    const r = await call(set, () => sendMessage('flows.import', { text, siteId, origin }));
    if (r) set({ info: r.warnings.length > 0 ? `Imported with notes: ${r.warnings.join(' ')}` : 'Imported. Review the steps, then Save.' });
  },

  setError(error) {
    set({ error, info: null });
  },

  setInfo(info) {
    set({ info, error: null });
  },

  async checkHostAccess() {
    const origin = originOfUrl(get().tab?.url ?? '');
    const hostAccess = origin ? await browser.permissions.contains({ origins: [`${origin}/*`] }).catch(() => false) : null;
    if (originOfUrl(get().tab?.url ?? '') === origin) set({ hostAccess });
  },

  async loadStoredSecrets() {
    const siteId = get().recorder.siteId ?? get().siteId;
    if (!siteId) return;
    const r = await call(set, () => sendMessage('credentials.list', { siteId }));
    if (r) set({ storedSecrets: { siteId, names: r.names } });
  },

  async storeSecret(name, value) {
    const siteId = get().recorder.siteId ?? get().siteId;
    if (!siteId) return false;
    const r = await call(set, () => sendMessage('credentials.store', { siteId, name, value }));
    if (!r) return false;
    const prev = get().storedSecrets;
    const names = prev?.siteId === siteId ? prev.names : [];
    set({ storedSecrets: { siteId, names: [...new Set([...names, r.name])] }, info: `Stored ${r.name} for replays.` });
    return true;
  },

  async enableOverlay(tabId) {
    const r = await sendMessage('overlay.enable', tabId === undefined ? {} : { tabId }).catch(() => null);
    return r?.ok === true;
  },

  async startWalkthrough(flowId, tabId) {
    const r = await sendMessage('walkthrough.start', { flowId, ...(tabId === undefined ? {} : { tabId }) }).catch((): Result<unknown> => ({ ok: false, error: 'FlowLens could not start the walkthrough. Reload the page and try again.' }));
    return r.ok ? null : r.error;
  },
}));
