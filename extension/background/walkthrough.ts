/**
 * Background side of the guided walkthrough (issue 9). See docs/walkthrough.md.
 *
 * - Start (side panel "Walk through", overlay "Reproduce in my browser", or the dashboard's link: a
 *   page of a monitored site with `#flowlens-walkthrough=bug:<id>`): loads the flow (and the bug)
 *   with the user's session (RLS decides), stores the state in browser.storage.session and opens
 *   the flow's start page.
 * - Nothing runs on pages unless a walkthrough is active: the content script is injected with
 *   scripting.executeScript into the walkthrough's tab only, on each page load of that tab.
 * - The content script reports progress; every change goes through one queue (no lost updates when
 *   a completion and the next page's "where are we" cross), and the state is validated with zod on
 *   each read, so a service worker woken from sleep carries on where it was.
 * - The outcome (completed with healed steps, or failed at a step) is stored once in flow_results
 *   (source 'walkthrough', the viewport it ran on); the RLS insert policy limits it to members of
 *   the flow's organisation and to the user's own rows.
 */
import type { SupabaseClient } from '@supabase/supabase-js';
import { browser } from 'wxt/browser';
import { flowFromRows, type StepRow } from '@flowlens/core/flow-rows';
import { fromExtensionPage, onMessage, sendToTab, type Rule, type Sender } from '../lib/messaging.ts';
import type { DataOf, MessageName, RequestOf } from '../lib/protocol.ts';
import { walkAdvance, walkFail, walkIndex, walkResize, walkScreenshot, walkStart, walkState, walkStop } from '../lib/protocol-schemas.ts';
import { siteOrigins, type SiteRow } from '../overlay/bugs.ts';
import { parseWalkHash, WALK_KEY, WALK_SCRIPT_FILE, type WalkState } from '../walkthrough/protocol.ts';
import { signedIn, type SignedIn } from './backend-access.ts';
import { advanceState, bugFromRows, outcomeRow, parseWalkState, toWalkStep, viewportOf } from '../walkthrough/state.ts';

export async function readWalk(): Promise<WalkState | null> {
  try {
    return parseWalkState((await browser.storage.session.get(WALK_KEY))[WALK_KEY]);
  } catch {
    return null;
  }
}

async function writeWalk(state: WalkState | null): Promise<void> {
  if (state) await browser.storage.session.set({ [WALK_KEY]: state });
  else await browser.storage.session.remove(WALK_KEY);
}

let queue: Promise<unknown> = Promise.resolve();
/** Runs state changes one at a time. */
function serial<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn, fn);
  queue = run.catch(() => undefined);
  return run;
}

function notify(tabId: number): void {
  sendToTab(tabId, 'walkthrough.changed').catch(() => undefined);
}

async function inject(tabId: number): Promise<void> {
  await browser.scripting.executeScript({ target: { tabId }, files: [WALK_SCRIPT_FILE as never] }).catch((e: unknown) => {
    console.warn('FlowLens walkthrough: cannot run on this page', e);
  });
}

/** Stores the outcome once, when there is one to store (completed, or failed at a step). */
async function recordOutcome(state: WalkState): Promise<WalkState> {
  if (state.recorded) return state;
  let session: SignedIn;
  try {
    session = await signedIn();
  } catch {
    return state;
  }
  const row = outcomeRow(state, session.userId);
  if (!row) return state;
  const { error } = await session.db.from('flow_results').insert(row);
  if (error) {
    console.warn('FlowLens walkthrough: the outcome was not stored', error.message);
    return state;
  }
  return { ...state, recorded: true };
}

interface FlowRow {
  id: string;
  site_id: string;
  name: string;
  start_url: string;
  critical: boolean;
  schema_version: number;
  version: number;
}

async function loadSite(db: SupabaseClient, siteId: string): Promise<SiteRow | null> {
  const { data } = await db.from('sites').select('id, name, base_url, allowed_origins').eq('id', siteId).maybeSingle();
  return (data as SiteRow | null) ?? null;
}

/** Builds the state for a flow (and optionally a flow_broken bug), readable by this user or refused. */
async function buildState(db: SupabaseClient, ids: { flowId?: string; bugId?: string }, tabId: number): Promise<{ state: WalkState; site: SiteRow | null }> {
  let flowId = ids.flowId;
  type BugRow = { id: string; title: string; type: string; message: string | null; flow_id: string | null; step_index: number | null; page_url: string | null; viewports: unknown };
  let bugRow: BugRow | null = null;
  let evidence: Record<string, unknown> | null = null;
  if (ids.bugId) {
    const { data, error } = await db.from('bugs').select('id, title, type, message, flow_id, step_index, page_url, viewports').eq('id', ids.bugId).maybeSingle();
    if (error) throw new Error(error.message);
    if (!data) throw new Error('That bug is not one of yours (or it no longer exists).');
    bugRow = data as BugRow;
    if (!bugRow.flow_id) throw new Error('This bug does not come from a recorded flow, so there is nothing to walk through.');
    flowId = bugRow.flow_id;
    const occ = await db.from('bug_occurrences').select('evidence, seen_at').eq('bug_id', ids.bugId).order('seen_at', { ascending: false }).limit(1);
    evidence = ((occ.data ?? [])[0] as { evidence?: Record<string, unknown> } | undefined)?.evidence ?? null;
  }
  if (!flowId) throw new Error('Which flow?');
  const { data: flowData, error: flowError } = await db.from('flows').select('id, site_id, name, start_url, critical, schema_version, version').eq('id', flowId).maybeSingle();
  if (flowError) throw new Error(flowError.message);
  if (!flowData) throw new Error('That flow is not one of yours (or it no longer exists).');
  const flowRow = flowData as FlowRow;
  const { data: stepData, error: stepError } = await db
    .from('flow_steps')
    .select('id, position, action, data, label, label_source, label_confidence, instruction, screenshot_path')
    .eq('flow_id', flowId)
    .order('position');
  if (stepError) throw new Error(stepError.message);
  const flow = flowFromRows(flowRow, (stepData ?? []) as (StepRow & { id: string; position: number })[]);
  if (flow.steps.length === 0) throw new Error('This flow has no steps.');
  const steps = flow.steps.map(toWalkStep);
  const bug = bugRow ? bugFromRows(bugRow, evidence, steps.length) : undefined;
  const state: WalkState = {
    v: 1,
    id: crypto.randomUUID(),
    tabId,
    flow: { id: flowRow.id, name: flowRow.name, siteId: flowRow.site_id, version: flowRow.version, startUrl: flowRow.start_url },
    steps,
    index: 0,
    status: bug && bug.stepIndex === 0 ? 'at-bug' : 'active',
    log: [],
    ...(bug ? { bug } : {}),
    startedAt: new Date().toISOString(),
    offTarget: 0,
  };
  return { state, site: await loadSite(db, flowRow.site_id) };
}

function isHttp(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** Starts a walkthrough: in `tabId` (navigated to the start page) or in a new tab. Ends any other one first. */
export async function startWalkthrough(ids: { flowId?: string; bugId?: string }, tabId?: number, requireOrigin?: string): Promise<WalkState> {
  const { db } = await signedIn();
  const { state: built, site } = await buildState(db, ids, tabId ?? -1);
  if (!isHttp(built.flow.startUrl)) throw new Error('The flow does not start on a web page.');
  if (requireOrigin) {
    // A link on a page may only start a walkthrough of that page's own (monitored) site.
    const origins = site ? siteOrigins(site) : [];
    if (!origins.includes(requireOrigin)) throw new Error('That walkthrough belongs to another site.');
  }
  const startOrigin = new URL(built.flow.startUrl).origin;
  if (!(await browser.permissions.contains({ origins: [`${startOrigin}/*`] }).catch(() => false))) {
    throw new Error(`FlowLens needs access to ${startOrigin} to guide you there. Allow it from the side panel and try again.`);
  }
  return serial(async () => {
    const old = await readWalk();
    if (old) {
      await writeWalk(null);
      notify(old.tabId);
    }
    let tab = tabId;
    if (tab === undefined) {
      const created = await browser.tabs.create({ url: 'about:blank', active: true });
      tab = created.id!;
    }
    const state: WalkState = { ...built, tabId: tab };
    await writeWalk(state);
    await browser.tabs.update(tab, { url: state.flow.startUrl, active: true });
    return state;
  });
}

async function stop(tabId: number | undefined, unresolved?: { index: number; error: string }): Promise<void> {
  await serial(async () => {
    const s = await readWalk();
    if (!s || (tabId !== undefined && s.tabId !== tabId)) return;
    let final = s;
    if (unresolved && unresolved.index === s.index && s.status !== 'done' && !s.log.some((l) => l.status === 'failed')) {
      final = { ...s, log: [...s.log, { index: s.index, action: s.steps[s.index]!.action, status: 'failed', by: 'user', error: unresolved.error.slice(0, 500) }] };
    }
    await recordOutcome(final);
    await writeWalk(null);
    notify(s.tabId);
  });
}

/** The walkthrough of the sender's tab (content scripts only speak for their own tab), changed one at a time. */
function inOwnTab<N extends MessageName>(name: N, rule: Rule<N> & { from: 'content' }, change: (s: WalkState, data: RequestOf<N>, tabId: number) => Promise<DataOf<N>>): void {
  onMessage(name, rule, (data, sender) => {
    const tabId = sender.tab!.id!;
    return serial(async () => {
      const s = await readWalk();
      // No walkthrough in this tab (any more): every one of these answers null.
      if (!s || s.tabId !== tabId) return null as DataOf<N>;
      return change(s, data, tabId);
    });
  });
}

/** Writes the next state and answers it. */
async function write(next: WalkState): Promise<WalkState> {
  await writeWalk(next);
  return next;
}

function registerMessages(): void {
  onMessage('walkthrough.start', { from: 'any', schema: walkStart }, async (data, sender: Sender) => {
    if (typeof data.flowId !== 'string' && typeof data.bugId !== 'string') throw new Error('Which flow?');
    const ids = typeof data.bugId === 'string' ? { bugId: data.bugId } : { flowId: String(data.flowId) };
    // From a content script (the overlay): its own tab. From an extension page (the side panel,
    // which may itself be in a tab): the tab it names, else a new one.
    const target = fromExtensionPage(sender) ? data.tabId : sender.tab?.id;
    const s = await startWalkthrough(ids, target);
    return { id: s.id, tabId: s.tabId };
  });
  onMessage('walkthrough.stop', { from: 'any', schema: walkStop }, async (data, sender) => {
    // Only content scripts speak for a tab; an extension page opened in a tab does not.
    await stop(fromExtensionPage(sender) ? undefined : sender.tab?.id, data.unresolved);
    return true as const;
  });
  inOwnTab('walkthrough.state', { from: 'content', schema: walkState }, async (s, data) => {
    if (s.viewport) return s;
    const viewport = viewportOf(Number(data.viewportWidth));
    return viewport ? write({ ...s, viewport }) : s;
  });
  inOwnTab('walkthrough.advance', { from: 'content', schema: walkAdvance }, async (s, data) => {
    if (data.index !== s.index || s.status === 'done') return s;
    if (s.status === 'at-bug' && !s.pastBug) return s;
    const { confidence } = data;
    let next = advanceState(s, { index: s.index, action: s.steps[s.index]!.action, status: data.status, by: data.by, ...(confidence !== undefined ? { confidence } : {}) });
    if (next.status === 'done') next = await recordOutcome(next);
    return write(next);
  });
  inOwnTab('walkthrough.fail', { from: 'content', schema: walkFail }, async (s, data) => {
    if (data.index !== s.index) return s;
    const entry = { index: s.index, action: s.steps[s.index]!.action, status: 'failed' as const, by: 'extension' as const, error: data.error.slice(0, 500) };
    return write({ ...s, log: [...s.log.filter((l) => l.index !== s.index), entry] });
  });
  inOwnTab('walkthrough.offTarget', { from: 'content', schema: walkIndex }, async (s) => write({ ...s, offTarget: s.offTarget + 1 }));
  inOwnTab('walkthrough.continue', { from: 'content', schema: walkIndex }, async (s, data) => {
    if (s.status !== 'at-bug' || data.index !== s.index) return s;
    return write({ ...s, status: 'active', pastBug: true });
  });
  inOwnTab('walkthrough.resize', { from: 'content', schema: walkResize }, async (s, data, tabId) => {
    // "Continue at mobile width": the walkthrough's own window, in normal state, within sane bounds.
    const width = Math.round(Math.min(4000, Math.max(200, data.width || 0)));
    const height = Math.round(Math.min(4000, Math.max(200, data.height || 0)));
    const tab = await browser.tabs.get(tabId);
    await browser.windows.update(tab.windowId!, { state: 'normal', width, height });
    // The run is recorded at the width it continues at (asked again on the next state request).
    const next: WalkState = { ...s };
    delete next.viewport;
    return write(next);
  });
  inOwnTab('walkthrough.screenshot', { from: 'content', schema: walkScreenshot }, async (s, data) => {
    // Only objects under the flow's site folder (the storage policies check the same prefix).
    if (!data.path.startsWith(`${s.flow.siteId}/`)) return null;
    const { db } = await signedIn();
    const { data: signed, error } = await db.storage.from('screenshots').createSignedUrl(data.path, 300);
    return error || !signed ? null : signed.signedUrl;
  });
}

/** The dashboard's link: a page of a monitored site carrying `#flowlens-walkthrough=bug:<id>`. */
async function fromLink(tabId: number, url: string): Promise<void> {
  const ids = parseWalkHash(url);
  if (!ids) return;
  const current = await readWalk();
  if (current && current.tabId === tabId) {
    const same = 'bugId' in ids ? current.bug?.id === ids.bugId : current.flow.id === ids.flowId;
    if (same) return;
  }
  try {
    await startWalkthrough(ids, tabId, new URL(url).origin);
  } catch (e) {
    console.warn('FlowLens walkthrough: cannot start from the link', e instanceof Error ? e.message : e);
  }
}

export function registerWalkthroughHandlers(): void {
  registerMessages();
  browser.tabs.onUpdated.addListener((tabId, change, tab) => {
    const url = change.url ?? tab.url;
    if (change.url && change.url.includes('#') && change.url.includes('flowlens-walkthrough')) void fromLink(tabId, change.url);
    if (change.status !== 'complete' || !url || !isHttp(url)) return;
    void readWalk().then((s) => {
      if (s && s.tabId === tabId) void inject(tabId);
    });
  });
  browser.tabs.onRemoved.addListener((tabId) => {
    void stop(tabId);
  });
}
