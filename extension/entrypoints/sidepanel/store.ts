/**
 * The side panel's state (Zustand). The recording itself lives in storage.session, written only by
 * the background; the panel mirrors it (validated on read) and sends every change as a message.
 * Errors arrive as sentences (lib/errors.ts) and are shown as they are.
 *
 * One store, assembled from slices with one job each (./store/): session, sites, recording,
 * flows, secrets; every request to the background goes through ./store/call.ts.
 */
import { create } from 'zustand';
import { emptyState } from '../../lib/state.ts';
import { flowsSlice } from './store/flows.ts';
import { recordingSlice } from './store/recording.ts';
import { secretsSlice } from './store/secrets.ts';
import { sessionSlice } from './store/session.ts';
import { sitesSlice } from './store/sites.ts';
import type { PanelStore } from './store/types.ts';

export { originOfUrl, type TargetTab } from './tab.ts';

export const usePanel = create<PanelStore>()((set, get) => ({
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

  ...sessionSlice(set, get),
  ...sitesSlice(set, get),
  ...recordingSlice(set, get),
  ...flowsSlice(set, get),
  ...secretsSlice(set, get),

  setError(error) {
    set({ error, info: null });
  },

  setInfo(info) {
    set({ info, error: null });
  },
}));
