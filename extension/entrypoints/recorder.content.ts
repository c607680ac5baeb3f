/**
 * The recorder in the page (issue 4). Registered at runtime for the site being recorded only (see
 * background/recording.ts), in every same-origin frame. It listens while the background says this
 * tab is being recorded, reports each interaction once, highlights the element for the screenshot,
 * and in the top frame reports page loads and SPA route changes (history API, hash).
 *
 * Typed values of secret fields are replaced by placeholders in lib/capture.ts before anything is
 * sent. The page cannot talk to the background: it never sees these messages.
 */
import { describeTarget, framePath, startCapture, OWN_UI_ATTRIBUTE, type CapturedAction } from '../lib/capture.ts';
import { meaningfulTarget } from '@flowlens/core';
import { ask, onMessage } from '../lib/messaging.ts';

const ROUTE_POLL_MS = 250;
const RETRY_DELAYS_MS = [100, 250];

/**
 * Sends to the background, retrying a few times: a service worker that Chrome has just stopped can
 * fail the first message ("Receiving end does not exist", no response) while it restarts. The
 * background drops a step it already has (lib/draft.ts), so a retry cannot record it twice.
 */
async function deliver<T>(send: () => Promise<T>): Promise<T | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      const delay = RETRY_DELAYS_MS[attempt];
      const message = e instanceof Error ? e.message : String(e);
      if (delay === undefined) {
        console.info('FlowLens: the recorder could not reach the extension:', message);
        return undefined;
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function highlight(rect: CapturedAction['rect']): () => void {
  if (rect.width === 0 && rect.height === 0) return () => undefined;
  const host = document.createElement('flowlens-highlight');
  host.setAttribute(OWN_UI_ATTRIBUTE, '');
  const root = host.attachShadow({ mode: 'closed' });
  const box = document.createElement('div');
  const pad = 3;
  Object.assign(box.style, {
    position: 'fixed',
    left: `${rect.x - pad}px`,
    top: `${rect.y - pad}px`,
    width: `${rect.width + pad * 2}px`,
    height: `${rect.height + pad * 2}px`,
    border: '3px solid #f97316',
    borderRadius: '4px',
    boxSizing: 'border-box',
    pointerEvents: 'none',
    zIndex: '2147483647',
  });
  root.append(box);
  document.documentElement.append(host);
  return () => host.remove();
}

export default defineContentScript({
  registration: 'runtime',
  allFrames: true,
  main(ctx) {
    const marker = window as unknown as { __flowlensRecorder?: boolean };
    if (marker.__flowlensRecorder) return;
    marker.__flowlensRecorder = true;
    const isTop = window === window.top;
    let stopCapture: (() => void) | null = null;
    let stopRoutes: (() => void) | null = null;

    // SPA route changes: history.pushState cannot be observed from the isolated world, so the URL
    // is compared on a timer, on popstate/hashchange, and before every reported step (a click right
    // after a route change must come after it).
    let lastHref = location.href;
    const checkRoute = (): void => {
      if (!isTop || !stopCapture || location.href === lastHref) return;
      lastHref = location.href;
      void deliver(() => ask('capture.page', { url: lastHref, title: document.title, kind: 'route' }));
    };
    const watchRoutes = (): (() => void) => {
      lastHref = location.href;
      const timer = ctx.setInterval(checkRoute, ROUTE_POLL_MS);
      window.addEventListener('popstate', checkRoute);
      window.addEventListener('hashchange', checkRoute);
      return () => {
        clearInterval(timer);
        window.removeEventListener('popstate', checkRoute);
        window.removeEventListener('hashchange', checkRoute);
      };
    };

    const report = (action: CapturedAction): void => {
      checkRoute();
      const unhighlight = highlight(action.rect);
      const done = (): void => unhighlight();
      const fallback = ctx.setTimeout(done, 1500);
      void deliver(() => ask('capture.step', action)).finally(() => {
        clearTimeout(fallback);
        done();
      });
    };

    const activate = (): void => {
      if (stopCapture || !ctx.isValid) return;
      stopCapture = startCapture(window, report);
      if (isTop) {
        void deliver(() => ask('capture.page', { url: location.href, title: document.title, kind: 'load' }));
        stopRoutes = watchRoutes();
      }
    };
    const deactivate = (): void => {
      stopCapture?.();
      stopRoutes?.();
      stopCapture = null;
      stopRoutes = null;
    };

    // Picking an element for a check (issue 19): hovering outlines what a click would pick; the
    // click is the page's no more (prevented) and becomes the check; Esc cancels.
    let stopPicking: (() => void) | null = null;
    const pick = (): void => {
      if (stopPicking) return;
      let unhighlight: () => void = () => undefined;
      const targetOf = (e: Event): Element | null => {
        const first = e.composedPath()[0];
        if (!(first instanceof Element) || first.closest(`[${OWN_UI_ATTRIBUTE}]`) || first.localName.startsWith('flowlens-')) return null;
        // A button's icon picks the button; plain text picks the element that holds it.
        return meaningfulTarget(first) ?? first;
      };
      const onOver = (e: Event): void => {
        unhighlight();
        const el = targetOf(e);
        const r = el?.getBoundingClientRect();
        unhighlight = r ? highlight({ x: r.x, y: r.y, width: r.width, height: r.height }) : () => undefined;
      };
      const swallow = (e: Event): void => {
        if (!e.isTrusted || !targetOf(e)) return;
        e.preventDefault();
        e.stopImmediatePropagation();
      };
      const onClick = (e: Event): void => {
        if (!e.isTrusted) return;
        const el = targetOf(e);
        if (!el) return;
        e.preventDefault();
        e.stopImmediatePropagation();
        const { selectors, element } = describeTarget(el);
        const frame = framePath(window);
        const text = ((el as HTMLElement).innerText ?? el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 500);
        void deliver(() => ask('capture.picked', { target: { selectors, element, ...(frame.length > 0 ? { frame } : {}) }, text }));
      };
      const onKey = (e: KeyboardEvent): void => {
        if (e.isTrusted && e.key === 'Escape') void deliver(() => ask('recorder.pick', { kind: null }));
      };
      // On the window, capture phase: ahead of the recorder's own document listeners, so the pick
      // click never becomes a click step.
      window.addEventListener('mouseover', onOver, true);
      for (const t of ['pointerdown', 'mousedown', 'pointerup', 'mouseup']) window.addEventListener(t, swallow, true);
      window.addEventListener('click', onClick, true);
      window.addEventListener('keydown', onKey, true);
      document.documentElement.style.setProperty('cursor', 'crosshair');
      stopPicking = () => {
        unhighlight();
        window.removeEventListener('mouseover', onOver, true);
        for (const t of ['pointerdown', 'mousedown', 'pointerup', 'mouseup']) window.removeEventListener(t, swallow, true);
        window.removeEventListener('click', onClick, true);
        window.removeEventListener('keydown', onKey, true);
        document.documentElement.style.removeProperty('cursor');
        stopPicking = null;
      };
    };

    // From the background only (the side panel and the background are this extension's pages).
    const removeListener = onMessage('capture.active', { from: 'extension' }, (data) => {
      if (data.active) activate();
      else deactivate();
      return null;
    });
    const removePickListener = onMessage('capture.pick', { from: 'extension' }, (data) => {
      if (data.kind && stopCapture) pick();
      else stopPicking?.();
      return null;
    });
    ctx.onInvalidated(() => {
      deactivate();
      stopPicking?.();
      removePickListener();
      removeListener();
      marker.__flowlensRecorder = false;
    });
    void deliver(() => ask('capture.status')).then((s) => {
      if (s?.recording) activate();
      if (s?.recording && s.pick) pick();
    });
  },
});
