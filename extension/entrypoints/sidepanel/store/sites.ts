/** The tab the panel works on, the user's sites for it, host access and the in-page overlay. */
import { sendMessage } from '../../../lib/messaging.ts';
import { browser } from 'wxt/browser';
import { findTargetTab, originOfUrl } from '../tab.ts';
import { call } from './call.ts';
import type { GetPanel, PanelActions, SetPanel } from './types.ts';

export function sitesSlice(set: SetPanel, get: GetPanel): Pick<PanelActions, 'refreshTab' | 'loadSites' | 'selectSite' | 'addSite' | 'checkHostAccess' | 'enableOverlay'> {
  return {
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

    async checkHostAccess() {
      const origin = originOfUrl(get().tab?.url ?? '');
      const hostAccess = origin ? await browser.permissions.contains({ origins: [`${origin}/*`] }).catch(() => false) : null;
      if (originOfUrl(get().tab?.url ?? '') === origin) set({ hostAccess });
    },

    async enableOverlay(tabId) {
      const r = await sendMessage('overlay.enable', tabId === undefined ? {} : { tabId }).catch(() => null);
      return r?.ok === true;
    },
  };
}
