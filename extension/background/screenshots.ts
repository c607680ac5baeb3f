/**
 * Step screenshots: the visible tab (the content script has highlighted the element), stored in the
 * private `screenshots` bucket under <site_id>/steps/<recording>/<step>.jpg — the path policy of
 * supabase/migrations/…_storage.sql lets members of the site's organisation write and read them.
 */
import { browser } from 'wxt/browser';
import { signedIn } from './backend-access.ts';

// Chrome allows two captureVisibleTab calls per second (MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND).
const MIN_GAP_MS = 550;
const CAPTURE_ATTEMPTS = 3;
let lastCapture = 0;

let queue: Promise<unknown> = Promise.resolve();

/** The visible tab as JPEG, or null when the tab is not the one showing; captures run one at a time. */
export function captureScreenshot(tabId: number): Promise<string | null> {
  const run = queue.then(async () => {
    const tab = await browser.tabs.get(tabId);
    if (!tab.active || tab.windowId === undefined) return null;
    // Chrome sometimes fails a capture while the compositor is busy ("image readback failed"):
    // that is transient, so it is tried again (within the rate limit); other errors are final.
    for (let attempt = 1; ; attempt++) {
      const wait = lastCapture + MIN_GAP_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      lastCapture = Date.now();
      try {
        return await browser.tabs.captureVisibleTab(tab.windowId, { format: 'jpeg', quality: 70 });
      } catch (e) {
        if (attempt >= CAPTURE_ATTEMPTS || !/readback/i.test(e instanceof Error ? e.message : String(e))) throw e;
      }
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

export async function uploadScreenshot(path: string, dataUrl: string): Promise<void> {
  const { db } = await signedIn();
  const blob = await (await fetch(dataUrl)).blob();
  const { error } = await db.storage.from('screenshots').upload(path, blob, { contentType: 'image/jpeg', upsert: true });
  if (error) throw error;
}
