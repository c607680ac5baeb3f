/**
 * The one in-page layer under the overlay (issue 7) and the walkthrough (issue 9) (issue 16: one
 * copy, not two). What it gives them:
 *
 * - a host element of our own tag, styled inline with !important (beats any author rule), in the
 *   browser's top layer as a manual popover (beats any z-index), with a CLOSED shadow root: the
 *   page cannot reach inside, and our UI is built with textContent only (`h`);
 * - base CSS (host isolation, box sizing, the `.root` font) before the part's own CSS, as an
 *   adopted stylesheet (a <style> where constructable sheets are missing);
 * - listeners tied to the layer's life (`listen`; `dispose` removes every one);
 * - one requestAnimationFrame at a time (`FrameScheduler`): events only mark work as due, one
 *   frame reads rects and writes transforms.
 *
 * Content-script code: no imports, so the overlay UI and the walkthrough stay small.
 */

/** Inline host style: `all: initial` and a fixed, click-through, full-viewport box, each !important. */
const HOST_STYLE =
  'all: initial !important; position: fixed !important; inset: 0 !important; width: 100vw !important; height: 100vh !important; margin: 0 !important; padding: 0 !important; border: 0 !important; background: transparent !important; pointer-events: none !important; z-index: 2147483647 !important; display: block !important; overflow: hidden !important; visibility: visible !important; opacity: 1 !important;';

/**
 * CSS both parts start from. Pixel units only (the page's `rem` is not ours), an explicit font
 * stack, and `:host` rules marked !important: inside a shadow tree, important declarations beat the
 * page's, so a global `* { all: unset }` cannot reach the host either.
 */
export const BASE_CSS = `
:host { all: initial !important; position: fixed !important; inset: 0 !important; width: 100vw !important; height: 100vh !important;
  margin: 0 !important; padding: 0 !important; border: 0 !important; background: transparent !important; overflow: hidden !important;
  pointer-events: none !important; z-index: 2147483647 !important; display: block !important; contain: strict !important;
  visibility: visible !important; opacity: 1 !important; transform: none !important; filter: none !important; }
* { box-sizing: border-box; }
.root { all: initial; position: absolute; inset: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: #1d2433; pointer-events: none; }
`;

/** An element with an optional class and text (always as text: page and user strings are never HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const el = doc.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The URL when it is an http(s) one, else null (no javascript:, data: or relative links from outside data). */
export function httpUrl(u: string | null | undefined): string | null {
  if (!u) return null;
  try {
    const url = new URL(u);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Listeners removed together (a layer's, a guide's): `listen` adds, `removeAll` removes every one. */
export class Listeners {
  private readonly cleanups: (() => void)[] = [];

  listen(target: EventTarget, type: string, fn: EventListener, opts?: AddEventListenerOptions): void {
    target.addEventListener(type, fn, opts);
    this.cleanups.push(() => target.removeEventListener(type, fn, opts));
  }

  /** Any other cleanup to run with the listeners (a timer, an observer). */
  add(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  removeAll(): void {
    for (const c of this.cleanups.splice(0)) c();
  }
}

/** One requestAnimationFrame at a time: asking again before it ran does nothing. */
export class FrameScheduler {
  private frame = 0;

  constructor(
    private readonly win: Window,
    private readonly run: () => void,
  ) {}

  schedule(): void {
    if (this.frame) return;
    this.frame = this.win.requestAnimationFrame(() => {
      this.frame = 0;
      this.run();
    });
  }

  cancel(): void {
    if (this.frame) this.win.cancelAnimationFrame(this.frame);
    this.frame = 0;
  }
}

/** The host element, its closed shadow root and the `.root` wrapper the part builds in. */
export class PageLayer {
  readonly host: HTMLElement;
  readonly root: ShadowRoot;
  readonly wrap: HTMLDivElement;

  constructor(
    readonly doc: Document,
    tag: string,
    css: string,
  ) {
    const host = doc.createElement(tag);
    host.style.cssText = HOST_STYLE;
    host.setAttribute('popover', 'manual');
    const root = host.attachShadow({ mode: 'closed' });
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(BASE_CSS + css);
      root.adoptedStyleSheets = [sheet];
    } catch {
      const style = doc.createElement('style');
      style.textContent = BASE_CSS + css;
      root.appendChild(style);
    }
    this.wrap = h(doc, 'div', 'root');
    root.appendChild(this.wrap);
    this.host = host;
    this.root = root;
  }

  /** Last in the document and in the top layer; again after the page replaced its document's children. */
  mount(): void {
    (this.doc.documentElement ?? this.doc.body).appendChild(this.host);
    try {
      (this.host as HTMLElement & { showPopover?: () => void }).showPopover?.();
    } catch {
      /* no popover support: z-index 2147483647 and last in the document it is */
    }
  }

  get mounted(): boolean {
    return this.host.isConnected;
  }

  /** Whether an event happened inside this layer (our own buttons and fields). */
  owns(e: Event): boolean {
    return e.composedPath().includes(this.host);
  }

  remove(): void {
    this.host.remove();
  }
}
