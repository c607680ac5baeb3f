/** Saved flows: save, list, open, export, import, walk through. */
import { sendMessage } from '../../../lib/messaging.ts';
import type { Result } from '../../../lib/protocol.ts';
import { originOfUrl } from '../tab.ts';
import { download } from '../download.ts';
import { call } from './call.ts';
import { editsSettled } from './recording.ts';
import type { GetPanel, PanelActions, SetPanel } from './types.ts';

export function flowsSlice(set: SetPanel, get: GetPanel): Pick<PanelActions, 'save' | 'loadFlows' | 'openFlow' | 'exportFlow' | 'exportPlaywright' | 'importFile' | 'startWalkthrough'> {
  return {
    async save() {
      await editsSettled();
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
      await editsSettled();
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

    async startWalkthrough(flowId, tabId) {
      const r = await sendMessage('walkthrough.start', { flowId, ...(tabId === undefined ? {} : { tabId }) }).catch((): Result<unknown> => ({ ok: false, error: 'FlowLens could not start the walkthrough. Reload the page and try again.' }));
      return r.ok ? null : r.error;
    },
  };
}
