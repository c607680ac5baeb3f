/**
 * The in-page overlay (issue 7), running in the content script's isolated world.
 *
 * At load it only asks the background one question ("state of this URL") and builds nothing when
 * there is nothing to show. With bugs, it shows a badge (count + worst severity). Opening the badge
 * resolves pins with core's locator engine and shows the panel. Everything lives in one closed
 * shadow root on a host element in the browser's top layer (a manual popover), styled from inside,
 * built with textContent only (the in-page layer shared with the walkthrough: lib/page-layer.ts).
 *
 * Pins follow scroll, resize and DOM changes: events only mark work as due; one requestAnimationFrame
 * reads every rect, then writes every transform (no layout thrashing). The MutationObserver
 * callback is O(1) (it sets a flag); re-resolution of pins runs at most every RESOLVE_INTERVAL_MS.
 */
import type { Ask } from '../lib/messaging.ts';
import { FrameScheduler, h, httpUrl, Listeners, PageLayer } from '../lib/page-layer.ts';
import { worstSeverity, type OverlayBug, type PageState } from './protocol.ts';
import { resolveTracked, track, type Tracked } from './pins.ts';
import { OVERLAY_CSS, SEVERITY_COLORS } from './styles.ts';

/** How the overlay asks the background (lib/messaging.ts `ask`; tests pass their own). */
export type Send = Ask;

export const HOST_TAG = 'flowlens-overlay';
/** The walkthrough's host element (extension/walkthrough/guide.ts HOST_TAG; not imported: the guide is a large module). */
const WALKTHROUGH_TAG = 'flowlens-walkthrough';
const RESOLVE_INTERVAL_MS = 250;
/** Pin resolution runs in slices of at most this much main-thread time (no long tasks on big pages). */
const SLICE_MS = 8;
const URL_POLL_MS = 1000;
const SNOOZE_DAYS = 7;

export interface OverlayOptions {
  send: Send;
  win?: Window;
  /** Called when the overlay is torn down for good (extension reloaded). */
  onDispose?: (fn: () => void) => void;
}

type El = HTMLElement;

export function relativeAge(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const hr = Math.round(m / 60);
  if (hr < 48) return `${hr} h ago`;
  return `${Math.round(hr / 24)} days ago`;
}

/** "desktop, mobile", or "all viewports" when the crawler did not say. */
function seenOn(b: OverlayBug): string {
  return b.viewports.join(', ') || 'all viewports';
}

export class Overlay {
  readonly win: Window;
  readonly doc: Document;
  private readonly send: Send;
  state: PageState | null = null;
  private url = '';
  private layer: PageLayer | null = null;
  /** Listeners of the UI while it is shown (scroll, resize); removed with it. */
  private readonly uiListeners = new Listeners();
  private ui: { wrap: El; badge: HTMLButtonElement; badgeDot: El; badgeText: El; panel: El; list: El; head: El; pins: El; hl: El; card: El } | null = null;
  private walkObserver: MutationObserver | null = null;
  /** The bug whose card is open next to its element (a pin was pressed), if any. */
  cardId: string | null = null;
  open = false;
  tracked: Tracked[] = [];
  private pinEls = new Map<string, HTMLButtonElement>();
  private readonly frames: FrameScheduler;
  private fullDue = false;
  /** Document scroll offset at the last full layout; the pin layer is shifted by the difference. */
  private layoutScroll = { x: 0, y: 0 };
  private resolveDue = false;
  private lastResolve = 0;
  private resolveTimer: ReturnType<typeof setTimeout> | undefined;
  private observer: MutationObserver | null = null;
  private highlight: { el: Element; until: number } | null = null;
  private focusId: string | null = null;
  private thumbs = new Map<string, string | null>();
  private disposed = false;
  /** Listeners for the overlay's whole life (navigation, the unhide shortcut). */
  private readonly listeners = new Listeners();
  private loadSeq = 0;

  constructor(opts: OverlayOptions) {
    this.win = opts.win ?? window;
    this.doc = this.win.document;
    this.send = opts.send;
    this.frames = new FrameScheduler(this.win, () => {
      if (this.fullDue || this.highlight || this.cardId) this.layout();
      else this.shift();
    });
    opts.onDispose?.(() => this.dispose());
  }

  // --- lifecycle -------------------------------------------------------------------------------

  /** Starts watching the URL and asks for this page's state. */
  async start(): Promise<void> {
    this.url = this.win.location.href;
    this.watchNavigation();
    await this.refresh();
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.removeAll();
    this.teardownUi();
  }

  /** SPA route changes: the Navigation API when present, popstate/hashchange, and a cheap URL poll. */
  private watchNavigation(): void {
    const check = () => {
      if (this.disposed || this.win.location.href === this.url) return;
      this.url = this.win.location.href;
      // Another page: its own bugs, panel closed until asked.
      if (this.open) this.toggle(false);
      void this.refresh();
    };
    const nav = (this.win as Window & { navigation?: EventTarget }).navigation;
    if (nav) this.listeners.listen(nav, 'currententrychange', () => setTimeout(check, 0));
    this.listeners.listen(this.win, 'popstate', check);
    this.listeners.listen(this.win, 'hashchange', check);
    const poll = setInterval(check, URL_POLL_MS);
    this.listeners.add(() => clearInterval(poll));
    // Unhide shortcut (the hide toggle is per site): Alt+Shift+F. Pressed before this page's state
    // has arrived (a slow background), it is kept and applied once the state is known.
    this.listeners.listen(this.win, 'keydown', (e) => {
      const k = e as KeyboardEvent;
      if (!(k.altKey && k.shiftKey && k.code === 'KeyF')) return;
      if (this.state?.site) this.toggleHidden();
      else this.shortcutPending = true;
    });
  }

  private shortcutPending = false;

  private toggleHidden(): void {
    const site = this.state?.site;
    if (!site) return;
    const hidden = this.state!.status !== 'hidden';
    void this.send('overlay.setHidden', { siteId: site.id, hidden }).then(() => this.refresh(true));
  }

  /** Asks the background for this page's state and renders it. */
  async refresh(force = false): Promise<void> {
    const seq = ++this.loadSeq;
    let state: PageState;
    try {
      state = await this.send('overlay.page', { url: this.win.location.href, force });
    } catch (e) {
      state = { status: 'error', bugs: [], error: e instanceof Error ? e.message : String(e) };
    }
    if (seq !== this.loadSeq || this.disposed) return;
    this.state = state;
    this.render();
    if (this.shortcutPending && state.site) {
      this.shortcutPending = false;
      this.toggleHidden();
    }
  }

  // --- rendering -------------------------------------------------------------------------------

  private render(): void {
    const st = this.state;
    if (!st || st.status !== 'ok' || st.bugs.length === 0) {
      // Nothing to show (or hidden, recording, signed out, not monitored): no UI at all.
      this.teardownUi();
      return;
    }
    this.ensureUi();
    const ids = new Set(st.bugs.map((b) => b.id));
    const kept = this.tracked.filter((t) => ids.has(t.bug.id));
    const known = new Map(kept.map((t) => [t.bug.id, t]));
    this.tracked = st.bugs.map((b) => {
      const t = known.get(b.id);
      if (t) {
        t.bug = b;
        return t;
      }
      return track(b);
    });
    this.renderBadge();
    if (this.open) {
      this.resolveAll(() => {
        this.renderPanel();
        this.schedule();
      });
    }
  }

  private ensureUi(): void {
    if (this.ui) return;
    const doc = this.doc;
    const layer = new PageLayer(doc, HOST_TAG, OVERLAY_CSS);
    const wrap = layer.wrap;
    wrap.setAttribute('part', 'root');
    const pins = h(doc, 'div', 'pins');
    const hl = h(doc, 'div', 'hl');
    hl.hidden = true;
    pins.appendChild(hl);
    const panel = h(doc, 'section', 'panel');
    panel.hidden = true;
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', 'FlowLens bugs on this page');
    const head = h(doc, 'div', 'head');
    const list = h(doc, 'div', 'list');
    panel.append(head, list);
    const card = h(doc, 'section', 'card');
    card.hidden = true;
    card.setAttribute('role', 'dialog');
    card.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        this.closeCard(true);
      }
    });
    const badge = h(doc, 'button', 'badge');
    badge.type = 'button';
    const badgeDot = h(doc, 'span', 'dot');
    const logo = h(doc, 'span', 'logo', 'FlowLens');
    const badgeText = h(doc, 'span', 'count');
    // The space makes the visible text read "FlowLens 2 · P1", as the accessible name starts.
    badge.append(badgeDot, logo, doc.createTextNode(' '), badgeText);
    badge.addEventListener('click', () => this.toggle());
    wrap.append(pins, card, panel, badge);
    layer.mount();
    this.layer = layer;
    this.ui = { wrap, badge, badgeDot, badgeText, panel, list, head, pins, hl, card };
    // The walkthrough (issue 9) owns the page while it runs: the overlay steps aside (badge, panel,
    // pins and card hidden) and comes back when it ends, so the two never overlap (issue 19: the
    // badge covered the walkthrough card's corner). Only <html>'s own children are watched.
    const syncWalk = () => this.setWalking(!!doc.documentElement && [...doc.documentElement.children].some((c) => c.localName === WALKTHROUGH_TAG));
    this.walkObserver = new MutationObserver(syncWalk);
    if (doc.documentElement) this.walkObserver.observe(doc.documentElement, { childList: true });
    syncWalk();
    // Document scroll: the pin layer moves as one (a single transform per frame). Scrolling inside
    // an element, resizing and DOM changes: every pin is measured again.
    const onScroll = (e: Event) => this.schedule(e.target === this.doc || e.target === this.win ? 'scroll' : 'full');
    this.uiListeners.listen(this.win, 'scroll', onScroll, { capture: true, passive: true });
    this.uiListeners.listen(this.win, 'resize', () => this.schedule(), { passive: true });
  }

  /** Hides (or shows again) everything of the overlay while a walkthrough runs in this page. */
  private setWalking(walking: boolean): void {
    const ui = this.ui;
    if (!ui || ui.wrap.hidden === walking) return;
    if (walking) this.toggle(false);
    ui.wrap.hidden = walking;
  }

  private teardownUi(): void {
    this.walkObserver?.disconnect();
    this.walkObserver = null;
    this.stopObserving();
    this.uiListeners.removeAll();
    this.frames.cancel();
    this.layer?.remove();
    this.layer = null;
    this.ui = null;
    this.pinEls.clear();
    this.open = false;
    this.cardId = null;
  }

  private renderBadge(): void {
    const ui = this.ui!;
    const bugs = this.state!.bugs;
    const worst = worstSeverity(bugs) ?? 'P3';
    ui.badgeDot.style.background = SEVERITY_COLORS[worst]!;
    ui.badgeText.textContent = `${bugs.length} · ${worst}`;
    // The accessible name starts with what the badge shows (WCAG 2.5.3, label in name).
    ui.badge.setAttribute('aria-label', `FlowLens ${bugs.length} · ${worst}: ${bugs.length} active bug${bugs.length === 1 ? '' : 's'} on this page, worst ${worst}`);
    ui.badge.setAttribute('aria-expanded', String(this.open));
    ui.badge.dataset.count = String(bugs.length);
    ui.badge.dataset.worst = worst;
  }

  toggle(open = !this.open): void {
    if (!this.ui) return;
    this.open = open;
    this.ui.panel.hidden = !open;
    this.ui.badge.setAttribute('aria-expanded', String(open));
    if (open) {
      this.renderPanel(true);
      this.resolveAll(() => {
        if (!this.open) return;
        this.renderPanel();
        this.startObserving();
        this.schedule();
      });
    } else {
      this.stopObserving();
      for (const p of this.pinEls.values()) p.remove();
      this.pinEls.clear();
      this.closeCard(false);
      this.ui.hl.hidden = true;
      this.highlight = null;
    }
  }

  /** Pinned bugs first (numbered in that order), then page-level ones. */
  ordered(): { pinned: Tracked[]; pageLevel: Tracked[] } {
    return { pinned: this.tracked.filter((t) => t.el), pageLevel: this.tracked.filter((t) => !t.el) };
  }

  private renderPanel(locating = false): void {
    const ui = this.ui!;
    const doc = this.doc;
    const st = this.state!;
    ui.head.replaceChildren();
    const title = h(doc, 'span', 'title', `${st.bugs.length} active bug${st.bugs.length === 1 ? '' : 's'} on this page`);
    const hide = h(doc, 'button', 'hide', 'Hide on this site');
    hide.type = 'button';
    hide.title = 'Hide FlowLens on this site (Alt+Shift+F brings it back)';
    hide.addEventListener('click', () => {
      if (st.site) void this.send('overlay.setHidden', { siteId: st.site.id, hidden: true }).then(() => this.refresh(true));
    });
    const close = h(doc, 'button', 'close', '×');
    close.type = 'button';
    close.setAttribute('aria-label', 'Close');
    close.addEventListener('click', () => this.toggle(false));
    ui.head.append(title, hide, close);

    ui.list.replaceChildren();
    if (locating) {
      ui.list.appendChild(h(doc, 'div', 'msg', 'Locating the elements…'));
      return;
    }
    const { pinned, pageLevel } = this.ordered();
    if (pinned.length) ui.list.appendChild(h(doc, 'div', 'section', 'On this page'));
    pinned.forEach((t, i) => ui.list.appendChild(this.renderItem(t, String(i + 1))));
    if (pageLevel.length) ui.list.appendChild(h(doc, 'div', 'section', 'Page-level'));
    pageLevel.forEach((t) => ui.list.appendChild(this.renderItem(t, null)));
    this.syncPins(pinned);
  }

  private renderItem(t: Tracked, num: string | null): El {
    const doc = this.doc;
    const b = t.bug;
    const item = h(doc, 'div', `item${this.focusId === b.id ? ' focus' : ''}`);
    item.dataset.bugId = b.id;
    item.dataset.pinned = String(num !== null);
    const n = h(doc, 'span', num ? 'num' : 'num page', num ?? 'page');
    n.style.background = SEVERITY_COLORS[b.severity] ?? '#555';
    const title = h(doc, 'div', 't', b.title);
    const meta = h(doc, 'div', 'meta');
    const sev = h(doc, 'span', 'sev', b.severity);
    sev.style.color = SEVERITY_COLORS[b.severity] ?? '#555';
    meta.append(sev, doc.createTextNode(` · ${seenOn(b)} · first seen ${relativeAge(b.firstSeenAt)}`));
    item.append(n, title, meta);
    if (b.cause) item.appendChild(h(doc, 'div', 'cause', b.cause));
    if (b.screenshot) item.appendChild(this.thumb(b));
    item.appendChild(this.actions(t, item));
    return item;
  }

  /** A bug's actions (row and card alike): dashboard, show me, reproduce, snooze, false positive. */
  private actions(t: Tracked, box: El): El {
    const doc = this.doc;
    const b = t.bug;
    const actions = h(doc, 'div', 'actions');
    const link = httpUrl(b.dashboardUrl);
    if (link) {
      const a = h(doc, 'a', 'open', 'Open in dashboard');
      a.href = link;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      actions.appendChild(a);
    }
    if (t.el && !box.classList.contains('card')) actions.appendChild(this.button('show', 'Show me', () => this.showMe(t)));
    // A broken flow: walk to its failing step in this tab (issue 9, docs/walkthrough.md).
    if (b.type === 'flow_broken') {
      actions.appendChild(this.button('reproduce', 'Reproduce in my browser', () => void this.send('walkthrough.start', { bugId: b.id }).catch((e: unknown) => box.appendChild(h(this.doc, 'div', 'msg err', e instanceof Error ? e.message : String(e))))));
    }
    actions.appendChild(this.button('snooze', `Snooze ${SNOOZE_DAYS} days`, () => this.act(box, () => this.send('overlay.snooze', { bugId: b.id, days: SNOOZE_DAYS }), b.id)));
    actions.appendChild(this.button('false-positive', 'False positive', () => this.act(box, () => this.send('overlay.falsePositive', { bugId: b.id }), b.id)));
    return actions;
  }


  private button(cls: string, label: string, fn: () => void): HTMLButtonElement {
    const b = h(this.doc, 'button', cls, label);
    b.type = 'button';
    b.addEventListener('click', fn);
    return b;
  }

  private thumb(b: OverlayBug): El {
    const img = h(this.doc, 'img', 'thumb');
    img.alt = 'Screenshot when the crawler saw it';
    img.hidden = true;
    img.referrerPolicy = 'no-referrer';
    const set = (u: string | null | undefined) => {
      const url = httpUrl(u);
      if (url) {
        img.src = url;
        img.hidden = false;
      }
    };
    if (this.thumbs.has(b.id)) set(this.thumbs.get(b.id));
    else if (this.state?.site) {
      void this.send('overlay.screenshot', { siteId: this.state.site.id, path: b.screenshot! })
        .catch(() => null)
        .then((u) => {
          this.thumbs.set(b.id, u);
          set(u);
        });
    }
    return img;
  }

  private async act(item: El, request: () => Promise<unknown>, bugId: string): Promise<void> {
    for (const btn of item.querySelectorAll('button')) btn.disabled = true;
    try {
      await request();
      // Gone from this page right away; the refetch confirms what the database now says.
      if (this.state) this.state = { ...this.state, bugs: this.state.bugs.filter((b) => b.id !== bugId) };
      this.render();
      await this.refresh(true);
    } catch (e) {
      for (const btn of item.querySelectorAll('button')) btn.disabled = false;
      const err = h(this.doc, 'div', 'msg err', e instanceof Error ? e.message : String(e));
      item.appendChild(err);
    }
  }

  private showMe(t: Tracked): void {
    if (!t.el) return;
    t.el.scrollIntoView({ block: 'center', inline: 'nearest', behavior: 'smooth' });
    this.highlight = { el: t.el, until: Date.now() + 2500 };
    this.focusId = t.bug.id;
    this.schedule();
    setTimeout(() => this.schedule(), 2600);
  }

  private syncPins(pinned: Tracked[]): void {
    const ui = this.ui!;
    const want = new Set(pinned.map((t) => t.bug.id));
    for (const [id, el] of this.pinEls) {
      if (!want.has(id)) {
        el.remove();
        this.pinEls.delete(id);
      }
    }
    pinned.forEach((t, i) => {
      let pin = this.pinEls.get(t.bug.id);
      if (!pin) {
        pin = h(this.doc, 'button', 'pin');
        pin.type = 'button';
        pin.dataset.bugId = t.bug.id;
        const id = t.bug.id;
        pin.setAttribute('aria-haspopup', 'dialog');
        pin.addEventListener('click', () => this.openCard(id));
        ui.pins.appendChild(pin);
        this.pinEls.set(t.bug.id, pin);
      }
      pin.textContent = String(i + 1);
      pin.style.background = SEVERITY_COLORS[t.bug.severity] ?? '#555';
      pin.setAttribute('aria-label', `${i + 1}: ${t.bug.severity} ${t.bug.title}`);
      pin.title = `${t.bug.severity} · ${t.bug.title}`;
    });
  }

  private focusItem(id: string): void {
    this.focusId = id;
    this.renderPanel();
    const item = [...this.ui!.list.querySelectorAll<El>('.item')].find((i) => i.dataset.bugId === id);
    item?.scrollIntoView({ block: 'nearest' });
  }

  /**
   * A pin opens its bug in a card next to the element (issue 19): title, severity, viewports,
   * evidence summary and the actions, placed where it does not cover the element. Focus moves into
   * the card; Esc or Close puts it back on the pin.
   */
  openCard(id: string): void {
    const ui = this.ui;
    const t = this.tracked.find((x) => x.bug.id === id);
    if (!ui || !t) return;
    this.focusItem(id);
    const doc = this.doc;
    const b = t.bug;
    const num = this.pinEls.get(id)?.textContent ?? '';
    const card = ui.card;
    card.replaceChildren();
    card.dataset.bugId = id;
    card.setAttribute('aria-label', `Bug ${num}: ${b.title}`);
    const head = h(doc, 'div', 'card-head');
    const n = h(doc, 'span', 'num', num);
    n.style.background = SEVERITY_COLORS[b.severity] ?? '#555';
    const title = h(doc, 'h2', 't', b.title);
    title.tabIndex = -1;
    const close = this.button('close', '×', () => this.closeCard(true));
    close.setAttribute('aria-label', 'Close');
    head.append(n, title, close);
    const meta = h(doc, 'div', 'meta');
    const sev = h(doc, 'span', 'sev', b.severity);
    sev.style.color = SEVERITY_COLORS[b.severity] ?? '#555';
    meta.append(sev, doc.createTextNode(` · seen on ${seenOn(b)} · first seen ${relativeAge(b.firstSeenAt)}`));
    card.append(head, meta);
    if (b.cause) card.appendChild(h(doc, 'div', 'cause', b.cause));
    if (b.screenshot) card.appendChild(this.thumb(b));
    card.appendChild(this.actions(t, card));
    card.hidden = false;
    this.cardId = id;
    for (const [pid, pin] of this.pinEls) pin.setAttribute('aria-expanded', String(pid === id));
    this.layout();
    title.focus({ preventScroll: true });
  }

  closeCard(returnFocus: boolean): void {
    const ui = this.ui;
    const id = this.cardId;
    this.cardId = null;
    if (!ui) return;
    ui.card.hidden = true;
    ui.card.replaceChildren();
    for (const pin of this.pinEls.values()) pin.setAttribute('aria-expanded', 'false');
    if (returnFocus && id) this.pinEls.get(id)?.focus({ preventScroll: true });
  }

  /**
   * Where the card goes: below the element, else above, right, left (the first that fits in the
   * viewport), aligned with it and kept 8 px inside the viewport. None fits (an element taller and
   * wider than the viewport's free space): the side with the most room, clamped.
   */
  private placeCard(r: DOMRect): void {
    const card = this.ui!.card;
    const vw = this.win.innerWidth;
    const vh = this.win.innerHeight;
    const w = card.offsetWidth;
    const ch = card.offsetHeight;
    const gap = 10;
    const m = 8;
    const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(v, Math.max(lo, hi)));
    const x = clamp(r.left, m, vw - w - m);
    const y = clamp(r.top, m, vh - ch - m);
    const options = [
      { room: vh - r.bottom - gap - m - ch, left: x, top: r.bottom + gap },
      { room: r.top - gap - m - ch, left: x, top: r.top - gap - ch },
      { room: vw - r.right - gap - m - w, left: r.right + gap, top: y },
      { room: r.left - gap - m - w, left: r.left - gap - w, top: y },
    ];
    const best = options.find((o) => o.room >= 0) ?? options.reduce((a, b) => (b.room > a.room ? b : a));
    card.style.transform = `translate(${Math.round(clamp(best.left, m, vw - w - m))}px, ${Math.round(clamp(best.top, m, vh - ch - m))}px)`;
  }

  // --- following the page ----------------------------------------------------------------------

  private resolving = false;
  private resolveWaiters: (() => void)[] = [];

  /**
   * Resolves every tracked bug, in slices of SLICE_MS with a yield between them; `then` runs when
   * all are done. A request while a pass is running joins it, and a new pass follows if the DOM
   * changed meanwhile.
   */
  private resolveAll(then?: () => void): void {
    if (then) this.resolveWaiters.push(then);
    if (this.resolving) {
      this.resolveDue = true;
      return;
    }
    this.resolving = true;
    this.resolveDue = false;
    this.lastResolve = Date.now();
    const queue = [...this.tracked];
    const slice = () => {
      if (this.disposed || !this.ui) {
        this.resolving = false;
        this.resolveWaiters = [];
        return;
      }
      const start = performance.now();
      while (queue.length > 0 && performance.now() - start < SLICE_MS) resolveTracked(queue.shift()!, this.doc, this.layer?.host ?? null);
      if (queue.length > 0) {
        setTimeout(slice, 0);
        return;
      }
      this.resolving = false;
      for (const w of this.resolveWaiters.splice(0)) w();
      if (this.resolveDue) this.scheduleResolve();
    };
    slice();
  }

  private startObserving(): void {
    if (this.observer || !this.doc.body) return;
    this.observer = new MutationObserver(() => {
      // O(1) per batch: mark due, decide later. Our own UI is in a shadow root: never observed.
      this.resolveDue = true;
      this.scheduleResolve();
    });
    this.observer.observe(this.doc.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['id', 'class', 'style', 'hidden', 'data-testid', 'aria-label', 'aria-hidden'] });
  }

  private stopObserving(): void {
    this.observer?.disconnect();
    this.observer = null;
    clearTimeout(this.resolveTimer);
    this.resolveTimer = undefined;
  }

  private scheduleResolve(): void {
    if (this.resolveTimer !== undefined) return;
    const wait = Math.max(0, this.lastResolve + RESOLVE_INTERVAL_MS - Date.now());
    this.resolveTimer = setTimeout(() => {
      this.resolveTimer = undefined;
      if (!this.open || !this.resolveDue) return;
      const before = new Map(this.tracked.map((t) => [t, t.el]));
      this.resolveAll(() => {
        if (!this.open) return;
        if (this.tracked.some((t) => t.el !== before.get(t))) this.renderPanel();
        this.schedule();
      });
    }, wait);
  }

  /** Marks a layout pass as due on the next frame: 'scroll' (document scrolled only) or 'full'. */
  schedule(kind: 'scroll' | 'full' = 'full'): void {
    if (kind === 'full') this.fullDue = true;
    if (this.ui) this.frames.schedule();
  }

  /** Document scroll only: move the whole pin layer by the scroll since the last full layout. */
  private shift(): void {
    if (!this.ui || !this.open) return;
    const dx = this.layoutScroll.x - this.win.scrollX;
    const dy = this.layoutScroll.y - this.win.scrollY;
    this.ui.pins.style.transform = dx || dy ? `translate(${dx}px, ${dy}px)` : '';
  }

  /** One pass: read every rect, then write every pin. */
  layout(): void {
    this.fullDue = false;
    if (!this.ui || !this.open) return;
    const sx = this.win.scrollX;
    const sy = this.win.scrollY;
    let lost = false;
    const reads: { pin: HTMLButtonElement; x: number; y: number; show: boolean }[] = [];
    for (const t of this.tracked) {
      const pin = this.pinEls.get(t.bug.id);
      if (!pin) continue;
      if (!t.el || !t.el.isConnected) {
        lost = true;
        reads.push({ pin, x: 0, y: 0, show: false });
        continue;
      }
      const r = t.el.getBoundingClientRect();
      // Off-screen pins stay laid out (the host clips them), so a document scroll only shifts the layer.
      // Clamped in document coordinates, so an element at the page's very edge keeps a whole pin.
      const show = r.width + r.height > 0;
      reads.push({ pin, x: Math.max(11, Math.round(r.left + sx)) - sx, y: Math.max(11, Math.round(r.top + sy)) - sy, show });
    }
    if (this.cardId) {
      const t = this.tracked.find((x) => x.bug.id === this.cardId);
      if (t?.el?.isConnected) this.placeCard(t.el.getBoundingClientRect());
      else this.closeCard(false);
    }
    let hlRect: DOMRect | null = null;
    if (this.highlight && Date.now() < this.highlight.until && this.highlight.el.isConnected) hlRect = this.highlight.el.getBoundingClientRect();
    for (const { pin, x, y, show } of reads) {
      if (pin.hidden === show) pin.hidden = !show;
      if (show) pin.style.transform = `translate(${x}px, ${y}px)`;
    }
    this.layoutScroll = { x: sx, y: sy };
    this.ui.pins.style.transform = '';
    const hl = this.ui.hl;
    if (hlRect) {
      hl.hidden = false;
      hl.style.transform = `translate(${Math.round(hlRect.left) - 4}px, ${Math.round(hlRect.top) - 4}px)`;
      hl.style.width = `${Math.round(hlRect.width) + 8}px`;
      hl.style.height = `${Math.round(hlRect.height) + 8}px`;
      this.schedule();
    } else if (!hl.hidden) {
      hl.hidden = true;
      this.highlight = null;
    }
    if (lost) {
      this.resolveDue = true;
      this.scheduleResolve();
    }
  }
}
