/**
 * Background side of the recorder (issue 4): sign-in, sites, recording state, saving flows.
 * Every listener is registered synchronously when the worker starts (an MV3 worker woken by an
 * event misses listeners added after an await); handlers then do their async work.
 */
import { browser } from 'wxt/browser';
import { applyEdit } from '../lib/draft.ts';
import { FriendlyError, friendlyMessage } from '../lib/errors.ts';
import { onMessage } from '../lib/messaging.ts';
import { capturePage, capturePicked, captureStep, noRequest, recorderPick } from '../lib/protocol-schemas.ts';
import { readRecorderState, updateRecorderState } from '../lib/state.ts';
import { addSite, currentSession, getBackendUrl, setBackend, signIn, signOut, sitesForUrl } from './auth-sites.ts';
import { listCredentialNames, storeCredential } from './credentials.ts';
import { exportFlow, exportSavedFlowAsPlaywright, importFlow, listFlows, openFlow, saveFlow } from './flows.ts';
import { captureStatus, discardDraft, onCapturedStep, onPageChange, onPicked, onTabRemoved, setPick, startRecording, stopRecording } from './recording.ts';

/** Runs a panel request; any failure becomes a sentence (lib/errors.ts), logged without values. */
async function result<T>(doing: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    console.warn(`FlowLens: could not ${doing}:`, e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : e);
    throw new FriendlyError(friendlyMessage(e, doing));
  }
}

/** Side panel requests: only from this extension's own pages. */
const panel = { from: 'extension' } as const;

export function registerRecorderHandlers(): void {
  onMessage('auth.session', panel, () => result('check your sign-in', currentSession));
  onMessage('auth.signIn', panel, (data) => result('sign in', () => signIn(data.email, data.password)));
  onMessage('auth.signOut', panel, () => result('sign out', async () => (await signOut(), null)));
  onMessage('backend.get', panel, () => result('read the backend setting', getBackendUrl));
  onMessage('backend.set', panel, (data) => result('change the backend', async () => (await setBackend(data.url, data.anonKey), null)));
  onMessage('sites.forUrl', panel, (data) => result('load your sites', () => sitesForUrl(data.url)));
  onMessage('sites.add', panel, (data) => result('add this site', () => addSite(data.organizationId, data.url, data.name)));
  onMessage('recorder.start', panel, (data) => result('start recording', async () => (await startRecording(data.tabId, data.siteId, data.url), null)));
  onMessage('recorder.stop', panel, () => result('stop recording', async () => (await stopRecording(), null)));
  onMessage('recorder.discard', panel, () => result('start a new flow', async () => (await discardDraft(), null)));
  onMessage('recorder.edit', panel, (data) => result('change the flow', async () => (await updateRecorderState((s) => applyEdit(s, data)), null)));
  onMessage('recorder.pick', { from: 'any', schema: recorderPick }, (data) => result('pick an element to check', async () => (await setPick(data.kind), null)));
  onMessage('flows.save', panel, () => result('save the flow', saveFlow));
  onMessage('flows.list', panel, (data) => result('load the saved flows', () => listFlows(data.siteId)));
  onMessage('flows.open', panel, (data) => result('open the flow', async () => (await openFlow(data.flowId, data.siteId), null)));
  onMessage('flows.export', panel, (data) => result('export the flow', () => exportFlow(data.format)));
  onMessage('flows.exportPlaywright', panel, (data) => result('export the flow as a Playwright test', () => exportSavedFlowAsPlaywright(data.flowId)));
  onMessage('flows.import', panel, (data) => result('import the recording', () => importFlow(data.text, data.siteId, data.origin)));
  onMessage('credentials.list', panel, (data) => result('list the stored credentials', async () => ({ names: await listCredentialNames(data.siteId) })));
  // `doing` names the credential, never its value.
  onMessage('credentials.store', panel, (data) => result(`store ${data.name}`, () => storeCredential(data.siteId, data.name, data.value)));

  // From the recorder's content script (checked against the recorded tab and origin by each handler).
  onMessage('capture.status', { from: 'content', schema: noRequest }, (_, sender) => captureStatus(sender));
  onMessage('capture.step', { from: 'content', schema: captureStep }, (data, sender) => onCapturedStep(data, sender));
  onMessage('capture.page', { from: 'content', schema: capturePage }, (data, sender) => onPageChange(data, sender));
  onMessage('capture.picked', { from: 'content', schema: capturePicked }, (data, sender) => onPicked(data, sender));

  browser.tabs.onRemoved.addListener((tabId) => void onTabRemoved(tabId));
  // The toolbar button opens the side panel. Not every Chromium exposes sidePanel (e.g. in tests
  // that open the panel page in a tab), so a missing API only logs.
  void (async () => {
    try {
      await browser.sidePanel?.setPanelBehavior({ openPanelOnActionClick: true });
    } catch (e) {
      console.info('FlowLens: side panel behaviour not set:', e instanceof Error ? e.message : e);
    }
    // A worker restarted mid-recording keeps recording: nothing to do but validate the state early.
    await readRecorderState();
  })();
}
