/**
 * The overlay's UI (issue 7): badge, pins and panel, with core's locator engine. Never registered
 * on pages: the tiny loader (overlay.content.ts) asks the background to inject it into a frame
 * only when that page has something to show. See docs/overlay.md.
 */
import { ask, onMessage } from '../lib/messaging.ts';
import { Overlay } from '../overlay/overlay.ts';

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
      send: ask,
      onDispose: (fn) => ctx.onInvalidated(fn),
    });
    const removeRefresh = onMessage('overlay.refresh', { from: 'extension' }, () => {
      void overlay.refresh(true);
      return null;
    });
    ctx.onInvalidated(() => {
      removeRefresh();
      g.__flowlensOverlayUi = false;
    });
    void overlay.start();
  },
});
