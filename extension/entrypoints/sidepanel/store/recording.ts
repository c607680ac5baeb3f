/** The recording: start, stop, discard, edits of the draft, picking an element for a check. */
import { sendMessage } from '../../../lib/messaging.ts';
import { call } from './call.ts';
import type { GetPanel, PanelActions, SetPanel } from './types.ts';

/** Edits still on their way to the background; Save and Export wait for them (the name typed just before the click). */
let pendingEdits: Promise<unknown> = Promise.resolve();

export function editsSettled(): Promise<unknown> {
  return pendingEdits;
}

export function recordingSlice(set: SetPanel, get: GetPanel): Pick<PanelActions, 'record' | 'stop' | 'discard' | 'edit' | 'pick'> {
  return {
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
  };
}
