/**
 * The guided walkthrough's content script (issue 9). Not in the manifest and never registered:
 * the background injects it (scripting.executeScript) into the walkthrough's tab only, on each page
 * load of that tab while a walkthrough is active. See docs/walkthrough.md.
 */
import { browser } from 'wxt/browser';
import { Guide, runtimeSender } from '../walkthrough/guide.ts';
import { WALK_CHANGED } from '../walkthrough/protocol.ts';

export default defineContentScript({
  registration: 'runtime',
  matches: [],
  main(ctx) {
    // One guide per document. Injected again (another load event of the same document), WXT has
    // already invalidated the older instance (its guide disposed, the global cleared below) as this
    // one's context was created; this one takes over. A live guide is only refreshed.
    const g = globalThis as { __flowlensWalkthrough?: Guide };
    if (g.__flowlensWalkthrough) {
      void g.__flowlensWalkthrough.refresh();
      return;
    }
    const guide = new Guide({ send: runtimeSender((m) => browser.runtime.sendMessage(m)), onDispose: (fn) => ctx.onInvalidated(fn) });
    g.__flowlensWalkthrough = guide;
    const onMessage = (msg: unknown) => {
      if ((msg as { type?: unknown } | null)?.type === WALK_CHANGED) void guide.refresh();
    };
    browser.runtime.onMessage.addListener(onMessage);
    ctx.onInvalidated(() => {
      browser.runtime.onMessage.removeListener(onMessage);
      if (g.__flowlensWalkthrough === guide) delete g.__flowlensWalkthrough;
    });
    void guide.start();
  },
});
