/**
 * The overlay's UI (issue 7): badge, pins and panel, with core's locator engine. Never registered
 * on pages: the tiny loader (overlay.content.ts) asks the background to inject it into a frame
 * only when that page has something to show. See docs/overlay.md.
 */
import { browser } from 'wxt/browser';
import { Overlay, runtimeSender } from '../overlay/overlay.ts';
import { REFRESH_MESSAGE } from '../overlay/protocol.ts';

export default defineContentScript({
  registration: 'runtime',
  matches: [],
  runAt: 'document_idle',
  main(ctx) {
    // One overlay per document: injected twice, WXT invalidates the older instance (it disposes,
    // below) as this one's context is created, and this one takes over.
    const g = globalThis as { __flowlensOverlayUi?: boolean };
    g.__flowlensOverlayUi = true;
    const overlay = new Overlay({
      send: runtimeSender((m) => browser.runtime.sendMessage(m)),
      onDispose: (fn) => ctx.onInvalidated(fn),
    });
    const onMessage = (msg: unknown) => {
      if ((msg as { type?: unknown } | null)?.type === REFRESH_MESSAGE) void overlay.refresh(true);
    };
    browser.runtime.onMessage.addListener(onMessage);
    ctx.onInvalidated(() => {
      browser.runtime.onMessage.removeListener(onMessage);
      g.__flowlensOverlayUi = false;
    });
    void overlay.start();
  },
});
