/**
 * The recorder in the page (issue 4). Registered at runtime for the site being recorded only (see
 * background/recording.ts), in every same-origin frame. It listens while the background says this
 * tab is being recorded, reports each interaction once, highlights the element for the screenshot,
 * and in the top frame reports page loads and SPA route changes (history API, hash).
 *
 * Typed values of secret fields are replaced by placeholders in lib/capture.ts before anything is
 * sent. The page cannot talk to the background: it never sees these messages.
 */
import { startCapture, OWN_UI_ATTRIBUTE, type CapturedAction } from '../lib/capture.ts';
import { onMessage, sendMessage } from '../lib/messages.ts';

const ROUTE_POLL_MS = 250;

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

    const report = (action: CapturedAction): void => {
      const unhighlight = highlight(action.rect);
      const done = (): void => unhighlight();
      const fallback = ctx.setTimeout(done, 1500);
      sendMessage('capture.step', action)
        .catch(() => undefined)
        .finally(() => {
          clearTimeout(fallback);
          done();
        });
    };

    const watchRoutes = (): (() => void) => {
      let last = location.href;
      const check = (): void => {
        if (location.href === last) return;
        last = location.href;
        void sendMessage('capture.page', { url: last, title: document.title, kind: 'route' }).catch(() => undefined);
      };
      const timer = ctx.setInterval(check, ROUTE_POLL_MS);
      window.addEventListener('popstate', check);
      window.addEventListener('hashchange', check);
      return () => {
        clearInterval(timer);
        window.removeEventListener('popstate', check);
        window.removeEventListener('hashchange', check);
      };
    };

    const activate = (): void => {
      if (stopCapture || !ctx.isValid) return;
      stopCapture = startCapture(window, report);
      if (isTop) {
        void sendMessage('capture.page', { url: location.href, title: document.title, kind: 'load' }).catch(() => undefined);
        stopRoutes = watchRoutes();
      }
    };
    const deactivate = (): void => {
      stopCapture?.();
      stopRoutes?.();
      stopCapture = null;
      stopRoutes = null;
    };

    const removeListener = onMessage('capture.active', ({ data }) => {
      if (data.active) activate();
      else deactivate();
      return null;
    });
    ctx.onInvalidated(() => {
      deactivate();
      removeListener();
      marker.__flowlensRecorder = false;
    });
    void sendMessage('capture.status')
      .then((s) => {
        if (s.recording) activate();
      })
      .catch(() => undefined);
  },
});
