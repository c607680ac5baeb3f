/**
 * Recording sessions in the service worker: starting and stopping capture in the tab, turning what
 * the content script reports into steps, screenshots. State lives in storage.session (lib/state.ts)
 * so a worker that sleeps between two clicks picks up exactly where it was.
 */
import { originOf } from '@flowlens/core';
import { browser, type Browser } from 'wxt/browser';
import type { CapturedAction } from '../lib/capture.ts';
import { addCapturedStep, addPageChange, applyEdit, ensureDraft, stepFromCapture } from '../lib/draft.ts';
import { FriendlyError } from '../lib/errors.ts';
import { sendToTab } from '../lib/messaging.ts';
import type { PickedElement, PickKind } from '../lib/protocol.ts';
import { emptyState, readRecorderState, updateRecorderState } from '../lib/state.ts';
import { improveLabels } from './ai-labels.ts';
import { signedIn } from './backend-access.ts';
import { captureScreenshot, uploadScreenshot } from './screenshots.ts';

export const CONTENT_SCRIPT_ID = 'flowlens-recorder';
export const CONTENT_SCRIPT_FILE = '/content-scripts/recorder.js';

function hostPattern(origin: string): string {
  return `${origin}/*`;
}

let screenshotHintShown = false;
const uploads = new Set<Promise<unknown>>();

function track<T>(p: Promise<T>): Promise<T> {
  uploads.add(p);
  void p.finally(() => uploads.delete(p)).catch(() => undefined);
  return p;
}

/** Resolves when the screenshots in flight are stored (or failed), so Save includes their paths. */
export async function uploadsSettled(): Promise<void> {
  while (uploads.size > 0) await Promise.allSettled([...uploads]);
}

export async function startRecording(tabId: number, siteId: string, url: string): Promise<void> {
  const origin = originOf(url);
  if (!origin || !/^https?:/.test(origin)) throw new FriendlyError('FlowLens records websites (http or https pages). Open your site in this tab first.');
  await signedIn();
  const granted = await browser.permissions.contains({ origins: [hostPattern(origin)] });
  if (!granted) throw new FriendlyError(`FlowLens needs access to ${origin} to record there. Press Record again and choose "Allow".`);

  const current = await readRecorderState();
  if (current.recording && current.tabId !== tabId) await stopRecording();

  // Register for every later page load of the site (all same-origin frames), then inject into the
  // page that is already open.
  await browser.scripting.unregisterContentScripts({ ids: [CONTENT_SCRIPT_ID] }).catch(() => undefined);
  await browser.scripting.registerContentScripts([{ id: CONTENT_SCRIPT_ID, matches: [hostPattern(origin)], js: [CONTENT_SCRIPT_FILE], allFrames: true, runAt: 'document_idle', persistAcrossSessions: false }]);

  screenshotHintShown = false;
  await updateRecorderState((s) => {
    // Record again after Stop on the same site continues the same draft; another site starts anew.
    const keep = s.draft !== null && s.siteId === siteId && originOf(s.draft.startUrl) === origin;
    const base = keep ? s : { ...emptyState(), draft: null };
    return ensureDraft({ ...base, recording: true, tabId, siteId, origin, recordingId: keep && s.recordingId ? s.recordingId : crypto.randomUUID(), lastUrl: keep ? s.lastUrl ?? url : url, lastActionAt: 0, notice: null }, url);
  });
  await browser.scripting.executeScript({ target: { tabId, allFrames: true }, files: [CONTENT_SCRIPT_FILE] }).catch((e: unknown) => {
    console.warn('FlowLens: could not inject the recorder into the open page; it starts on the next page load.', e instanceof Error ? e.message : e);
  });
  await sendToTab(tabId, 'capture.active', { active: true }).catch(() => undefined);
}

export async function stopRecording(): Promise<void> {
  const state = await readRecorderState();
  await browser.scripting.unregisterContentScripts({ ids: [CONTENT_SCRIPT_ID] }).catch(() => undefined);
  await updateRecorderState((s) => ({ ...s, recording: false, pick: null }));
  if (state.tabId !== null) {
    await sendToTab(state.tabId, 'capture.pick', { kind: null }).catch(() => undefined);
    await sendToTab(state.tabId, 'capture.active', { active: false }).catch(() => undefined);
  }
  // Better labels, best effort, never blocking the panel.
  if (state.recording) void improveLabels().catch((e: unknown) => console.info('FlowLens: AI labels skipped:', e instanceof Error ? e.message : e));
}

export async function discardDraft(): Promise<void> {
  const state = await readRecorderState();
  if (state.recording) await stopRecording();
  await updateRecorderState(() => emptyState());
}

/** Is this sender the tab (and origin) being recorded? */
function fromRecordedTab(state: Awaited<ReturnType<typeof readRecorderState>>, sender: Browser.runtime.MessageSender): boolean {
  if (!state.recording || sender.tab?.id === undefined || sender.tab.id !== state.tabId) return false;
  const origin = sender.origin ?? (sender.url ? originOf(sender.url) : null);
  return origin === state.origin;
}

export async function captureStatus(sender: Browser.runtime.MessageSender): Promise<{ recording: boolean; pick: PickKind | null }> {
  const state = await readRecorderState();
  const recording = fromRecordedTab(state, sender);
  return { recording, pick: recording ? (state.pick ?? null) : null };
}

/** Starts or cancels picking an element for a check in the recorded tab (issue 19). */
export async function setPick(kind: PickKind | null): Promise<void> {
  const state = await updateRecorderState((s) => {
    if (kind && !s.recording) throw new FriendlyError('Press Record first: checks on an element are picked on the page while recording.');
    return { ...s, pick: kind };
  });
  if (state.tabId !== null) await sendToTab(state.tabId, 'capture.pick', { kind }).catch(() => undefined);
}

/** The element the user picked: the check goes right after the last recorded step, and picking ends. */
export async function onPicked(data: { target: PickedElement; text: string }, sender: Browser.runtime.MessageSender): Promise<null> {
  const state = await readRecorderState();
  if (!fromRecordedTab(state, sender) || !state.pick) return null;
  const kind = state.pick;
  try {
    await updateRecorderState((s) => {
      const next = applyEdit(s, { op: 'assert', assertion: kind === 'elementVisible' ? { kind, target: data.target } : { kind, target: data.target, text: stableCheckText(data.text) } });
      return { ...next, pick: null };
    });
  } catch (e) {
    const message = e instanceof FriendlyError ? e.message : 'That element cannot be checked (FlowLens found no way to find it again). Pick another one.';
    await updateRecorderState((s) => ({ ...s, pick: null, notice: message }));
  }
  if (state.tabId !== null) await sendToTab(state.tabId, 'capture.pick', { kind: null }).catch(() => undefined);
  return null;
}

/** The text an element check expects: its first words (a whole cart's text would break on any change). */
function stableCheckText(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= 80) return t;
  const cut = t.slice(0, 80);
  const sp = cut.lastIndexOf(' ');
  return sp > 40 ? cut.slice(0, sp) : cut;
}

export async function onCapturedStep(captured: CapturedAction, sender: Browser.runtime.MessageSender): Promise<{ highlightMs: number }> {
  const before = await readRecorderState();
  if (!fromRecordedTab(before, sender)) return { highlightMs: 0 };
  let step;
  try {
    step = stepFromCapture(captured);
  } catch (e) {
    // A capture the schema refuses (no selector could be verified) is skipped, not half-stored.
    console.warn('FlowLens: skipped an interaction that could not be turned into a step:', e instanceof Error ? e.message.split('\n')[0] : e);
    return { highlightMs: 0 };
  }
  let uid: string | null = null;
  const after = await updateRecorderState((s) => {
    const r = addCapturedStep(s, step, Date.now());
    uid = r.uid;
    return r.state;
  });
  if (uid === null || !after.siteId) return { highlightMs: 0 };
  // Secret values may be visible on screen (a field marked secret shows its text): no screenshot.
  if (step.action === 'input' && /\{\{secret:/.test(step.value)) return { highlightMs: 0 };
  const shot = await captureScreenshot(before.tabId!).catch(async (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    console.info('FlowLens: no screenshot for this step:', message);
    // Chrome lets an extension capture a tab only with activeTab (given by opening FlowLens from its
    // toolbar button on that tab) or access to all sites, which FlowLens does not ask for.
    if (/activeTab|all_urls/.test(message) && !screenshotHintShown) {
      screenshotHintShown = true;
      await updateRecorderState((s) => ({ ...s, notice: 'Steps are recorded without screenshots: open FlowLens with its toolbar button while on this tab to include them.' }));
    }
    return null;
  });
  if (shot) {
    const siteId = after.siteId;
    const path = `${siteId}/steps/${after.recordingId}/${uid}.jpg`;
    const stepUid: string = uid;
    track(uploadScreenshot(path, shot))
      .then(() =>
        updateRecorderState((s) => {
          const d = s.draft?.steps.find((x) => x.uid === stepUid);
          if (d) d.step = { ...d.step, screenshot: path };
          return s;
        }),
      )
      .catch((e: unknown) => console.info('FlowLens: screenshot not stored:', e instanceof Error ? e.message : e));
  }
  return { highlightMs: 0 };
}

export async function onPageChange(data: { url: string; title: string; kind: 'load' | 'route' }, sender: Browser.runtime.MessageSender): Promise<null> {
  const state = await readRecorderState();
  if (!fromRecordedTab(state, sender) || sender.frameId !== 0) return null;
  await updateRecorderState((s) => addPageChange(s, data.url, Date.now()));
  return null;
}

/** A closed recorded tab ends the recording; the draft stays for saving. */
export async function onTabRemoved(tabId: number): Promise<void> {
  const state = await readRecorderState();
  if (state.recording && state.tabId === tabId) await stopRecording();
}
