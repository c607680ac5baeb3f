/**
 * The overlay content script (issue 7). Not in the manifest: the background registers it at run
 * time (browser.scripting.registerContentScripts) for the origins of the user's monitored sites
 * that the user granted, so nothing at all runs anywhere else. See docs/overlay.md.
 */
import { browser } from 'wxt/browser';
import { Overlay, runtimeSender } from '../overlay/overlay.ts';
import { REFRESH_MESSAGE } from '../overlay/protocol.ts';

export default defineContentScript({
  registration: 'runtime',
  matches: [],
  runAt: 'document_idle',
  main(ctx) {
    // One overlay per document, even if the script is injected twice (registration + a reinjection).
    const g = globalThis as { __flowlensOverlay?: boolean };
    if (g.__flowlensOverlay) return;
    g.__flowlensOverlay = true;
    const overlay = new Overlay({
      send: runtimeSender((m) => browser.runtime.sendMessage(m)),
      onDispose: (fn) => ctx.onInvalidated(fn),
    });
    const onMessage = (msg: unknown) => {
      if ((msg as { type?: unknown } | null)?.type === REFRESH_MESSAGE) void overlay.refresh(true);
    };
    browser.runtime.onMessage.addListener(onMessage);
    ctx.onInvalidated(() => browser.runtime.onMessage.removeListener(onMessage));
    void overlay.start();
  },
});
