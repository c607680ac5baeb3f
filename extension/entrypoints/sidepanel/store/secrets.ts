/** Credentials for replays: the names stored for a site, storing a value once. */
import { sendMessage } from '../../../lib/messaging.ts';
import { call } from './call.ts';
import type { GetPanel, PanelActions, SetPanel } from './types.ts';

export function secretsSlice(set: SetPanel, get: GetPanel): Pick<PanelActions, 'loadStoredSecrets' | 'storeSecret'> {
  return {
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
  };
}
