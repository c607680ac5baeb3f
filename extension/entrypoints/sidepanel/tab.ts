/** The tab the side panel works on, and its web origin. */
import { browser } from 'wxt/browser';

export interface TargetTab {
  id: number;
  url: string;
  title: string;
}

/** The tab this panel works on: ?tabId= (tests, a panel opened for one tab), else the active tab. */
export async function findTargetTab(): Promise<TargetTab | null> {
  const param = new URLSearchParams(location.search).get('tabId');
  try {
    const tab = param ? await browser.tabs.get(Number(param)) : (await browser.tabs.query({ active: true, lastFocusedWindow: true }))[0];
    if (!tab || tab.id === undefined) return null;
    return { id: tab.id, url: tab.url ?? '', title: tab.title ?? '' };
  } catch {
    return null;
  }
}

export function originOfUrl(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}
