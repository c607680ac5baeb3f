/**
 * The guided walkthrough's content script (issue 9). Not in the manifest and never registered:
 * the background injects it (scripting.executeScript) into the walkthrough's tab only, on each page
 * load of that tab while a walkthrough is active. See docs/walkthrough.md.
 */
import { ask, onMessage } from '../lib/messaging.ts';
import { Guide } from '../walkthrough/guide.ts';

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
    const guide = new Guide({ send: ask, onDispose: (fn) => ctx.onInvalidated(fn) });
    g.__flowlensWalkthrough = guide;
    const removeChanged = onMessage('walkthrough.changed', { from: 'extension' }, () => {
      void guide.refresh();
      return null;
    });
    ctx.onInvalidated(() => {
      removeChanged();
      if (g.__flowlensWalkthrough === guide) delete g.__flowlensWalkthrough;
    });
    void guide.start();
  },
});
