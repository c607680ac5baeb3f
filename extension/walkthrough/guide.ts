/**
 * The guided walkthrough in the page (issue 9), running in the content script's isolated world.
 *
 * The background owns the state (browser.storage.session); this side renders the current step and
 * reports what happened. For a step on an element, core's locator engine resolves it (healing
 * included): found → spotlight; healed → spotlight plus the match confidence; not found or two
 * look-alikes → an "expected element" card and nothing highlighted, never a guess. The step is done
 * when the user performs it on that element (trusted events only: the page cannot forge progress)
 * or on "Do it for me". Clicks elsewhere are not blocked, only noted.
 *
 * UI: one closed shadow root on a host in the browser's top layer, built with textContent only.
 * The spotlight follows scroll, resize and layout changes: events mark work as due, one
 * requestAnimationFrame reads the rect and writes one transform; the MutationObserver callback only
 * sets a flag, and re-resolution runs at most every RESOLVE_INTERVAL_MS — or twenty times as long
 * as the last resolution took, so a huge page where the element is missing (one resolution there
 * can take a few hundred ms) stays responsive: at most ~5% of the main thread.
 */
import { VIEWPORT_PRESETS, viewportNameForWidth, type ViewportName } from '@flowlens/core/viewport';
import type { Ask } from '../lib/messaging.ts';
import { FrameScheduler, h, httpUrl, Listeners, PageLayer } from '../lib/page-layer.ts';
import { clip, renderCard, ScreenshotUrls, viewportMismatch, type CardKind } from './card.ts';
import { performKey, performStep } from './perform.ts';
import { fillTyped, isTargeted, secretNames, type WalkState, type WalkStep } from './protocol.ts';
import { rectInTop, Spotlight } from './spotlight.ts';
import { WALK_CSS } from './styles.ts';
import { conditionMet, docFor, isShown, onElement, resolveTarget, type Target } from './target.ts';

export { plainFailure } from './card.ts';

/** How the guide asks the background (lib/messaging.ts `ask`; tests pass their own). */
export type Send = Ask;

export const HOST_TAG = 'flowlens-walkthrough';
const RESOLVE_INTERVAL_MS = 250;
/** How long a step may stay unresolved (page still rendering) before the expected-element card shows. */
export const NOT_FOUND_GRACE_MS = 1200;
const POLL_MS = 500;

type El = HTMLElement;

export interface GuideOptions {
  send: Send;
  win?: Window;
  onDispose?: (fn: () => void) => void;
}

export class Guide {
  readonly win: Window;
  readonly doc: Document;
  private readonly send: Send;
  state: WalkState | null = null;
  target: Target | null = null;
  private layer: PageLayer | null = null;
  private ui: { ring: El; tip: El; card: El } | null = null;
  private readonly frames: FrameScheduler;
  private readonly spotlight: Spotlight;
  private observer: MutationObserver | null = null;
  private resolveDue = false;
  private resolveTimer: ReturnType<typeof setTimeout> | undefined;
  private lastResolve = 0;
  /** How long the last resolution took (ms), to space the next ones on heavy pages. */
  private lastCost = 0;
  private poll: ReturnType<typeof setInterval> | undefined;
  /** Listeners while the walkthrough shows (page events, frames watched); removed with its UI. */
  private readonly listeners = new Listeners();
  private disposed = false;
  /** The step index a completion was sent for (ignore further events until the new state arrives). */
  private sent: number | null = null;
  private note: string | null = null;
  private error: string | null = null;
  /** Secrets typed now, for "Do it for me" only: in this script's memory, never stored or sent. */
  private typed: Record<string, string> = {};
  private renderedKey = '';
  private url = '';
  private readonly screenshots: ScreenshotUrls;
  private loadSeq = 0;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the current step was first shown. */
  private shownAt = 0;

  constructor(opts: GuideOptions) {
    this.win = opts.win ?? window;
    this.doc = this.win.document;
    this.send = opts.send;
    this.frames = new FrameScheduler(this.win, () => this.layout());
    this.spotlight = new Spotlight(this.win, this.doc, () => this.layer?.host ?? null);
    this.screenshots = new ScreenshotUrls(this.send);
    opts.onDispose?.(() => this.dispose());
  }

  // --- lifecycle -------------------------------------------------------------------------------

  /** Asks the background whether a walkthrough is active in this tab; builds nothing when not. */
  async start(): Promise<void> {
    this.url = this.win.location.href;
    await this.refresh();
  }

  async refresh(): Promise<void> {
    const seq = ++this.loadSeq;
    let state: WalkState | null;
    try {
      state = await this.send('walkthrough.state', { viewportWidth: this.win.innerWidth });
    } catch {
      state = null;
    }
    if (seq !== this.loadSeq || this.disposed) return;
    this.apply(state);
  }

  /** Renders a state (null: the walkthrough ended; everything goes). */
  apply(state: WalkState | null): void {
    if (!state) {
      this.state = null;
      this.teardown();
      return;
    }
    const stepChanged = !this.state || this.state.index !== state.index || this.state.status !== state.status || this.state.id !== state.id;
    this.state = state;
    if (stepChanged) {
      this.sent = null;
      this.note = null;
      this.error = null;
      this.target = null;
      this.renderedKey = '';
      this.typed = {};
      clearTimeout(this.graceTimer);
      this.graceTimer = undefined;
      this.shownAt = Date.now();
    }
    this.ensureUi();
    this.evaluate();
  }

  dispose(): void {
    this.disposed = true;
    this.teardown();
  }

  private teardown(): void {
    this.listeners.removeAll();
    this.observer?.disconnect();
    this.observer = null;
    clearTimeout(this.resolveTimer);
    this.resolveTimer = undefined;
    clearInterval(this.poll);
    this.poll = undefined;
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    this.frames.cancel();
    this.layer?.remove();
    this.layer = null;
    this.ui = null;
    this.target = null;
    this.typed = {};
    this.watchedFrames = new WeakSet<Window>();
  }

  get step(): WalkStep | null {
    return this.state ? (this.state.steps[this.state.index] ?? null) : null;
  }

  // --- UI --------------------------------------------------------------------------------------

  private ensureUi(): void {
    if (this.ui) return;
    const doc = this.doc;
    const layer = new PageLayer(doc, HOST_TAG, WALK_CSS);
    const ring = h(doc, 'div', 'ring');
    ring.hidden = true;
    const tip = h(doc, 'div', 'tip');
    tip.hidden = true;
    const card = h(doc, 'section', 'card');
    card.setAttribute('role', 'dialog');
    card.setAttribute('aria-label', 'FlowLens walkthrough');
    card.setAttribute('aria-live', 'polite');
    layer.wrap.append(ring, tip, card);
    layer.mount();
    this.layer = layer;
    this.ui = { ring, tip, card };
    this.watch();
  }

  /** Page events: what the user does, scrolling/resizing (layout), DOM changes (re-resolve), SPA route changes. */
  private watch(): void {
    const w = this.win;
    const on = this.listeners;
    on.listen(w, 'scroll', (e) => this.onScroll(e), { capture: true, passive: true });
    on.listen(w, 'resize', () => this.schedule(), { passive: true });
    on.listen(w, 'keydown', (e) => this.onKey(e as KeyboardEvent), { capture: true });
    on.listen(w, 'click', (e) => this.onClick(e as MouseEvent), { capture: true });
    on.listen(w, 'change', (e) => this.onChange(e), { capture: true });
    on.listen(w, 'submit', (e) => this.onSubmit(e as SubmitEvent), { capture: true });
    if (this.doc.body) {
      this.observer = new MutationObserver(() => {
        this.resolveDue = true;
        this.scheduleResolve();
      });
      this.observer.observe(this.doc.body, { childList: true, subtree: true, attributes: true, characterData: true });
    }
    this.poll = setInterval(() => {
      if (this.win.location.href !== this.url) {
        this.url = this.win.location.href;
        this.resolveDue = true;
      }
      // Conditions (assert, waitFor, navigate) and late elements are checked on a slow tick too.
      this.resolveDue = true;
      this.scheduleResolve();
    }, POLL_MS);
  }

  private scheduleResolve(): void {
    if (this.resolveTimer !== undefined) return;
    const wait = Math.max(0, this.lastResolve + Math.max(RESOLVE_INTERVAL_MS, this.lastCost * 20) - Date.now());
    this.resolveTimer = setTimeout(() => {
      this.resolveTimer = undefined;
      if (!this.resolveDue || this.disposed) return;
      this.resolveDue = false;
      this.evaluate();
    }, wait);
  }

  /** Decides what the current step needs now: resolve its element, check its condition, or wait. */
  evaluate(): void {
    const st = this.state;
    const step = this.step;
    if (!st || !step || !this.ui) return;
    const started = performance.now();
    this.lastResolve = Date.now();
    // The page replaced its document's children: put the walkthrough back on top.
    if (this.layer && !this.layer.mounted) this.layer.mount();
    if (st.status === 'done') {
      this.target = null;
      this.render();
      return;
    }
    if (isTargeted(step) || (step.action === 'scroll' && step.selectors?.length) || (step.action === 'keypress' && step.selectors?.length)) {
      this.resolveTarget(step);
    } else if (st.status === 'active' && this.sent === null) {
      // keypress and scroll wait for the user (or "Do it for me"); the rest may be satisfied already.
      if (conditionMet(this.win, step)) this.complete('passed', 'auto');
    }
    this.lastCost = performance.now() - started;
    this.render();
  }

  private resolveTarget(step: WalkStep): void {
    const prev = this.target;
    if (prev?.el && prev.el.isConnected && prev.result.status !== 'not_found' && !this.resolveDue && isShown(prev.el)) return;
    const root = docFor(this.win, step);
    this.target = resolveTarget(root, step, this.layer?.host ?? null, prev);
    if (root && root !== this.doc && root.defaultView) this.watchFrame(root.defaultView);
  }


  private watchedFrames = new WeakSet<Window>();

  /** What the user does inside a same-origin iframe counts too (each frame document once). */
  private watchFrame(w: Window): void {
    if (this.watchedFrames.has(w)) return;
    this.watchedFrames.add(w);
    const on = this.listeners;
    on.listen(w, 'scroll', () => this.schedule(), { capture: true, passive: true });
    on.listen(w, 'keydown', (e) => this.onKey(e as KeyboardEvent), { capture: true });
    on.listen(w, 'click', (e) => this.onClick(e as MouseEvent), { capture: true });
    on.listen(w, 'change', (e) => this.onChange(e), { capture: true });
    on.listen(w, 'submit', (e) => this.onSubmit(e as SubmitEvent), { capture: true });
  }




  // --- rendering -------------------------------------------------------------------------------

  /** The card's content depends on few things; it is rebuilt only when they change (inputs keep focus). */
  private cardKey(): string {
    const st = this.state!;
    const t = this.target;
    const kind = this.cardKind();
    return JSON.stringify([st.id, st.index, st.status, kind, t?.result.status, t?.el ? Math.round((t.result.confidence ?? 1) * 100) : null, this.note, this.error, this.sent, viewportNameForWidth(this.win.innerWidth)]);
  }

  cardKind(): CardKind {
    const st = this.state!;
    const step = this.step!;
    if (st.status === 'done') return 'done';
    if (st.status === 'at-bug') return 'bug';
    if (isTargeted(step) && !this.target?.el) return this.target && Date.now() - this.target.since >= NOT_FOUND_GRACE_MS ? 'expected' : 'locating';
    return 'step';
  }

  private render(): void {
    if (!this.ui) return;
    const kind = this.cardKind();
    if (kind === 'locating' && this.target && this.graceTimer === undefined) {
      // Come back when the grace period is over, even if the page stays still.
      this.graceTimer = setTimeout(() => {
        this.resolveDue = true;
        this.scheduleResolve();
        // The card turns to "expected" now, even when the next resolution is spaced out (a slow
        // page, a loaded machine: resolutions wait 20 × their cost).
        if (!this.disposed) this.render();
      }, NOT_FOUND_GRACE_MS);
    }
    const key = this.cardKey();
    if (key !== this.renderedKey) {
      this.renderedKey = key;
      const st = this.state!;
      const step = this.step!;
      renderCard(this.ui.card, {
        doc: this.doc,
        win: this.win,
        state: st,
        step,
        kind,
        target: this.target,
        note: this.note,
        error: this.error,
        canDo: kind === 'step' && this.sent === null && this.doable(step),
        typed: this.typed,
        screenshots: this.screenshots,
        on: {
          stop: () => void this.stop(),
          doIt: () => this.doIt(),
          continueAnyway: () => void this.send('walkthrough.continue', { index: st.index }).then(() => this.refresh()),
          resizeTo: (name) => this.resizeTo(name),
        },
      });
    }
    this.schedule();
  }


  private doable(step: WalkStep): boolean {
    if (isTargeted(step)) return !!this.target?.el;
    return step.action === 'navigate' || step.action === 'keypress' || step.action === 'scroll';
  }





  /** Asks the background to size this window so the page is as wide as `name`'s viewport. */
  private resizeTo(name: ViewportName): void {
    const size = VIEWPORT_PRESETS[name];
    const w = this.win;
    void this.send('walkthrough.resize', { width: w.outerWidth + (size.width - w.innerWidth), height: w.outerHeight + (size.height - w.innerHeight) })
      .then(() => new Promise((r) => setTimeout(r, 600)))
      .then(() => {
        if (viewportNameForWidth(this.win.innerWidth) !== name) {
          this.note = `Chrome kept this window ${this.win.innerWidth} px wide. Use the device toolbar instead (see above).`;
        }
        return this.refresh();
      })
      .catch((e: unknown) => {
        this.error = e instanceof Error ? e.message : String(e);
        this.renderedKey = '';
        this.render();
      });
  }



  /** Marks a layout pass as due on the next frame. */
  schedule(): void {
    if (this.ui) this.frames.schedule();
  }

  /** One pass: read the target's rect, then write the ring, the tip and the card's corner. */
  layout(): void {
    if (!this.ui) return;
    const el = this.target?.el;
    const kind = this.state ? this.cardKind() : 'done';
    const r = el && el.isConnected && (kind === 'step' || kind === 'bug') ? rectInTop(this.win, el) : null;
    if (!r || (r.width === 0 && r.height === 0)) {
      this.spotlight.hide(this.ui);
      if (el && !el.isConnected) {
        this.resolveDue = true;
        this.scheduleResolve();
      }
      return;
    }
    const healed = this.target!.result.status === 'healed';
    const variant = kind === 'bug' && !viewportMismatch(this.state, this.win) ? 'bug' : healed ? 'healed' : '';
    const st = this.state!;
    const label = `${st.index + 1}/${st.steps.length} · ${clip(this.step?.label ?? '', 44)}${healed ? ` · healed ${Math.round((this.target!.result.confidence ?? 0) * 100)}%` : ''}`;
    this.spotlight.show(this.ui, r, variant, label);
  }

  // --- what the user does ----------------------------------------------------------------------

  private inOwnUi(e: Event): boolean {
    return !!this.layer && this.layer.owns(e);
  }

  private onTarget(e: Event): boolean {
    return onElement(e, this.target?.el);
  }

  private waitingForUser(): boolean {
    return !!this.state && this.state.status === 'active' && this.sent === null;
  }

  private onScroll(e: Event): void {
    this.schedule();
    // A scroll step is done when the user scrolls (after it showed: the page's own load-time scrolling is not them).
    if (e.isTrusted && this.step?.action === 'scroll' && this.waitingForUser() && Date.now() - this.shownAt > 300) this.complete('passed', 'user');
  }

  private onKey(e: KeyboardEvent): void {
    if (!e.isTrusted) return;
    if (e.key === 'Escape') {
      void this.stop();
      return;
    }
    const step = this.step;
    if (step?.action === 'keypress' && this.waitingForUser() && !this.inOwnUi(e) && step.key && e.key === step.key) this.complete('passed', 'user');
  }

  private onClick(e: MouseEvent): void {
    if (!e.isTrusted || this.inOwnUi(e) || !this.waitingForUser()) return;
    const step = this.step!;
    if (!isTargeted(step)) return;
    if (this.onTarget(e)) {
      if (step.action === 'click' || step.action === 'submit') this.completeTarget('user');
      return;
    }
    if (step.action === 'input' || step.action === 'select') {
      // Clicking around while filling a field is normal; only clicks away from a click step are noted.
      return;
    }
    this.note = `That was not the highlighted element. Still waiting for: ${step.label}`;
    void this.send('walkthrough.offTarget', { index: this.state!.index }).catch(() => undefined);
    this.render();
  }

  private onChange(e: Event): void {
    if (!e.isTrusted || this.inOwnUi(e) || !this.waitingForUser()) return;
    const step = this.step!;
    if (!this.onTarget(e)) return;
    const el = this.target!.el as HTMLInputElement;
    if (step.action === 'input' && typeof el.value === 'string' && el.value !== '') this.completeTarget('user');
    else if (step.action === 'select' || step.action === 'check') this.completeTarget('user');
  }

  private onSubmit(e: SubmitEvent): void {
    if (!e.isTrusted || !this.waitingForUser()) return;
    const step = this.step!;
    const el = this.target?.el;
    if (step.action !== 'submit' || !el) return;
    const form = e.target as Element;
    if (form === el || form.contains(el)) this.completeTarget('user');
  }

  private completeTarget(by: 'user' | 'extension'): void {
    const t = this.target;
    if (t?.result.status === 'healed') this.complete('healed', by, t.result.confidence);
    else this.complete('passed', by);
  }

  /** Tells the background the step is done. Sent synchronously from the event: a navigation that follows cannot lose it. */
  private complete(status: 'passed' | 'healed', by: 'user' | 'extension' | 'auto', confidence?: number): void {
    const st = this.state;
    if (!st || this.sent !== null) return;
    this.sent = st.index;
    this.send('walkthrough.advance', { index: st.index, status, by, ...(confidence !== undefined ? { confidence } : {}) }).then(
      (next) => {
        if (!this.disposed) this.apply(next);
      },
      (err: unknown) => {
        this.sent = null;
        this.error = err instanceof Error ? err.message : String(err);
        this.render();
      },
    );
  }

  /** "Do it for me": performs the current step (secrets only from what the user typed just now). */
  doIt(): void {
    const st = this.state;
    const step = this.step;
    if (!st || !step || !this.waitingForUser()) return;
    this.error = null;
    try {
      switch (step.action) {
        case 'navigate': {
          const url = httpUrl(step.url ? new URL(step.url, this.win.location.href).href : null);
          if (!url) throw new Error('The recorded address is not a web page.');
          this.win.location.assign(url);
          return;
        }
        case 'keypress':
          performKey(this.doc, step.key ?? 'Enter', this.target?.el);
          this.complete('passed', 'extension');
          return;
        case 'scroll':
          if (this.target?.el) (this.target.el as HTMLElement).scrollIntoView?.({ block: 'center' });
          else this.win.scrollTo(step.x ?? 0, step.y ?? 0);
          this.complete('passed', 'extension');
          return;
        default:
          break;
      }
      const el = this.target?.el;
      if (!el || !isTargeted(step)) return;
      let value: string | undefined;
      if (step.action === 'input') {
        const filled = fillTyped(step.value ?? '', this.typed);
        if (filled === null) {
          this.error = `Type ${secretNames(step.value).join(', ')} first: FlowLens never stores secrets.`;
          this.renderedKey = '';
          this.render();
          return;
        }
        value = filled;
      }
      (el as HTMLElement).scrollIntoView?.({ block: 'center', inline: 'nearest' });
      // Completion is sent right after the action, in the same task: a navigation the action
      // starts cannot unload the page before the message is on its way.
      try {
        performStep(step, el, value);
      } finally {
        this.typed = {};
      }
      this.completeTarget('extension');
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.error = `Could not do it: ${message}`;
      this.renderedKey = '';
      void this.send('walkthrough.fail', { index: st.index, error: message }).catch(() => undefined);
      this.render();
    }
  }

  /** Esc / Stop / Close: ends the walkthrough everywhere (the background clears the state). */
  async stop(): Promise<void> {
    const st = this.state;
    const kind = st ? this.cardKind() : 'done';
    const unresolved = st && (kind === 'expected' || (kind === 'bug' && isTargeted(this.step!) && !this.target?.el)) ? { index: st.index, error: this.unresolvedReason() } : undefined;
    this.state = null;
    this.teardown();
    await this.send('walkthrough.stop', unresolved ? { unresolved } : {}).catch(() => undefined);
  }

  private unresolvedReason(): string {
    const r = this.target?.result;
    if (!r) return 'The element was not found on the page.';
    return r.status === 'ambiguous' ? 'Several elements look like the recorded one; none was picked.' : 'The element was not found on the page.';
  }
}
