/**
 * The overlay loader (issue 7): the only FlowLens code that runs on every page of a monitored site.
 * Not in the manifest: the background registers it at run time (scripting.registerContentScripts)
 * for the origins of the user's monitored sites that the user granted, so nothing at all runs on
 * other sites. It asks the background once per page (and again on SPA route changes and when the
 * background says something changed) whether there is anything to show; only then is the overlay
 * UI (overlay-ui.content.ts: badge, pins, panel, locator engine) injected. Kept tiny on purpose:
 * no imports beyond the messaging wrapper (lib/messaging.ts) and plain types. See docs/overlay.md.
 */
import { onMessage, sendMessage } from '../lib/messaging.ts';

export default defineContentScript({
  registration: 'runtime',
  matches: [],
  runAt: 'document_idle',
  main(ctx) {
    // Injected again into the same document (the background runs the loader in open tabs and after
    // page loads, on top of the registration): WXT has already invalidated the older instance,
    // synchronously, when this one's context was created, so this one takes over. Returning early
    // here left the page with no loader at all (issue 19: no badge on the first page load).
    const g = globalThis as { __flowlensOverlay?: boolean; __flowlensOverlayUi?: boolean };
    g.__flowlensOverlay = true;
    let done = false;
    let lastUrl = location.href;
    let asking = false;
    let retries = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    // A worker still waking up at browser start, or a backend not reachable yet, is asked again a
    // few times (1 s, 3 s, 9 s) instead of leaving the first page of a session without its badge.
    const retryLater = () => {
      if (done || retries >= 3) return;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => void check(true), 1000 * 3 ** retries++);
    };

    const stop = () => {
      done = true;
      clearInterval(poll);
      clearTimeout(retryTimer);
      window.removeEventListener('popstate', onRoute);
      window.removeEventListener('hashchange', onRoute);
      removeRefresh();
    };
    const check = async (force = false) => {
      if (done || asking) return;
      asking = true;
      try {
        const res = await sendMessage('overlay.page', { url: location.href, force });
        if (done) return;
        if (!res.ok || res.data.status === 'error') return retryLater();
        const st = res.data;
        // Something to show, or hidden by the user (the UI owns the shortcut that brings it back).
        if ((st.status === 'ok' && st.bugs.length > 0) || st.status === 'hidden') {
          stop();
          if (!g.__flowlensOverlayUi) await sendMessage('overlay.loadUi');
        }
      } catch {
        // The worker is waking up (or the extension was reloaded: then the context is invalid and stop() ran).
        retryLater();
      } finally {
        asking = false;
      }
    };
    const onRoute = () => {
      if (location.href === lastUrl) return;
      lastUrl = location.href;
      void check();
    };
    // SPA route changes: history events plus a cheap once-a-second URL comparison (pushState fires no event).
    const poll = setInterval(onRoute, 1000);
    window.addEventListener('popstate', onRoute);
    window.addEventListener('hashchange', onRoute);
    const removeRefresh = onMessage('overlay.refresh', { from: 'extension' }, () => {
      void check(true);
      return null;
    });
    ctx.onInvalidated(() => {
      stop();
      g.__flowlensOverlay = false;
    });
    void check();
  },
});
