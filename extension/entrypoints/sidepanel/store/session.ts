/** Signing in and out, and which backend the panel talks to. */
import { sendMessage } from '../../../lib/messaging.ts';
import { browser } from 'wxt/browser';
import { STATE_KEY, parseRecorderState } from '../../../lib/state.ts';
import { call } from './call.ts';
import type { GetPanel, PanelActions, SetPanel } from './types.ts';

export function sessionSlice(set: SetPanel, get: GetPanel): Pick<PanelActions, 'init' | 'signIn' | 'signOut' | 'setBackend'> {
  return {
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
  };
}
