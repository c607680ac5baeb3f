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
import type { ElementMeta, Selector } from '@flowlens/core/flow';
import { accessibleName, describeSelector, meaningfulTarget, resolveStep, type ResolveResult } from '@flowlens/core/locator';
import { VIEWPORT_PRESETS, viewportNameForWidth, type ViewportName } from '@flowlens/core/viewport';
import { performKey, performStep, pageCondition, sameDestination } from './perform.ts';
import type { Ask } from '../lib/messaging.ts';
import { fillTyped, isTargeted, secretNames, type WalkState, type WalkStep } from './protocol.ts';
import { WALK_CSS } from './styles.ts';

/** How the guide asks the background (lib/messaging.ts `ask`; tests pass their own). */
export type Send = Ask;

export const HOST_TAG = 'flowlens-walkthrough';
const RESOLVE_INTERVAL_MS = 250;
/** How long a step may stay unresolved (page still rendering) before the expected-element card shows. */
export const NOT_FOUND_GRACE_MS = 1200;
const POLL_MS = 500;

type El = HTMLElement;

function h<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const el = doc.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined) el.textContent = text;
  return el;
}

function httpUrl(u: string | null | undefined): string | null {
  if (!u) return null;
  try {
    const url = new URL(u);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export interface GuideOptions {
  send: Send;
  win?: Window;
  onDispose?: (fn: () => void) => void;
}

interface Target {
  result: ResolveResult;
  el: Element | null;
  since: number;
}

export class Guide {
  readonly win: Window;
  readonly doc: Document;
  private readonly send: Send;
  state: WalkState | null = null;
  target: Target | null = null;
  private host: El | null = null;
  private ui: { ring: El; tip: El; card: El } | null = null;
  private frame = 0;
  private observer: MutationObserver | null = null;
  private resolveDue = false;
  private resolveTimer: ReturnType<typeof setTimeout> | undefined;
  private lastResolve = 0;
  /** How long the last resolution took (ms), to space the next ones on heavy pages. */
  private lastCost = 0;
  private poll: ReturnType<typeof setInterval> | undefined;
  private readonly cleanups: (() => void)[] = [];
  private disposed = false;
  /** The step index a completion was sent for (ignore further events until the new state arrives). */
  private sent: number | null = null;
  private note: string | null = null;
  private error: string | null = null;
  /** Secrets typed now, for "Do it for me" only: in this script's memory, never stored or sent. */
  private typed: Record<string, string> = {};
  private renderedKey = '';
  private url = '';
  private screenshotUrls = new Map<string, string | null>();
  private loadSeq = 0;
  private graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the current step was first shown. */
  private shownAt = 0;

  constructor(opts: GuideOptions) {
    this.win = opts.win ?? window;
    this.doc = this.win.document;
    this.send = opts.send;
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
    for (const c of this.cleanups.splice(0)) c();
    this.observer?.disconnect();
    this.observer = null;
    clearTimeout(this.resolveTimer);
    this.resolveTimer = undefined;
    clearInterval(this.poll);
    this.poll = undefined;
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    if (this.frame) this.win.cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.host?.remove();
    this.host = null;
    this.ui = null;
    this.target = null;
    this.typed = {};
    this.watchedFrames = new WeakSet<Window>();
  }

  private listen(target: EventTarget, type: string, fn: EventListener, opts?: AddEventListenerOptions): void {
    target.addEventListener(type, fn, opts);
    this.cleanups.push(() => target.removeEventListener(type, fn, opts));
  }

  get step(): WalkStep | null {
    return this.state ? (this.state.steps[this.state.index] ?? null) : null;
  }

  // --- UI --------------------------------------------------------------------------------------

  private ensureUi(): void {
    if (this.ui) return;
    const doc = this.doc;
    const host = doc.createElement(HOST_TAG);
    host.style.cssText =
      'all: initial !important; position: fixed !important; inset: 0 !important; width: 100vw !important; height: 100vh !important; margin: 0 !important; padding: 0 !important; border: 0 !important; background: transparent !important; pointer-events: none !important; z-index: 2147483647 !important; display: block !important; overflow: hidden !important; visibility: visible !important; opacity: 1 !important;';
    host.setAttribute('popover', 'manual');
    const root = host.attachShadow({ mode: 'closed' });
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(WALK_CSS);
      root.adoptedStyleSheets = [sheet];
    } catch {
      const style = doc.createElement('style');
      style.textContent = WALK_CSS;
      root.appendChild(style);
    }
    const wrap = h(doc, 'div', 'root');
    const ring = h(doc, 'div', 'ring');
    ring.hidden = true;
    const tip = h(doc, 'div', 'tip');
    tip.hidden = true;
    const card = h(doc, 'section', 'card');
    card.setAttribute('role', 'dialog');
    card.setAttribute('aria-label', 'FlowLens walkthrough');
    card.setAttribute('aria-live', 'polite');
    wrap.append(ring, tip, card);
    root.appendChild(wrap);
    (doc.documentElement ?? doc.body).appendChild(host);
    try {
      (host as El & { showPopover?: () => void }).showPopover?.();
    } catch {
      /* no popover support: z-index 2147483647 and last in the document */
    }
    this.host = host;
    this.ui = { ring, tip, card };
    this.watch();
  }

  /** Page events: what the user does, scrolling/resizing (layout), DOM changes (re-resolve), SPA route changes. */
  private watch(): void {
    const w = this.win;
    this.listen(w, 'scroll', (e) => this.onScroll(e), { capture: true, passive: true });
    this.listen(w, 'resize', () => this.schedule(), { passive: true });
    this.listen(w, 'keydown', (e) => this.onKey(e as KeyboardEvent), { capture: true });
    this.listen(w, 'click', (e) => this.onClick(e as MouseEvent), { capture: true });
    this.listen(w, 'change', (e) => this.onChange(e), { capture: true });
    this.listen(w, 'submit', (e) => this.onSubmit(e as SubmitEvent), { capture: true });
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
    if (this.host && !this.host.isConnected) {
      // The page replaced its document's children: put the walkthrough back on top.
      (this.doc.documentElement ?? this.doc.body).appendChild(this.host);
      try {
        (this.host as El & { showPopover?: () => void }).showPopover?.();
      } catch {
        /* no popover support */
      }
    }
    if (st.status === 'done') {
      this.target = null;
      this.render();
      return;
    }
    if (isTargeted(step) || (step.action === 'scroll' && step.selectors?.length) || (step.action === 'keypress' && step.selectors?.length)) {
      this.resolveTarget(step);
    } else if (st.status === 'active' && this.sent === null) {
      this.checkCondition(step);
    }
    this.lastCost = performance.now() - started;
    this.render();
  }

  private resolveTarget(step: WalkStep): void {
    const prev = this.target;
    if (prev?.el && prev.el.isConnected && prev.result.status !== 'not_found' && !this.resolveDue && this.isShown(prev.el)) return;
    const root = this.docFor(step);
    const result: ResolveResult = root ? resolveStep(root, { selectors: (step.selectors ?? []) as Selector[], element: step.element as ElementMeta | undefined }) : { status: 'not_found', candidates: [], attempts: [] };
    if (root && root !== this.doc && root.defaultView) this.watchFrame(root.defaultView);
    const el = result.status === 'found' || result.status === 'healed' ? (result.element ?? null) : null;
    // The host is ours (a closed shadow root): the engine never sees inside it, and it is never a target.
    const mine = el && this.host && (el === this.host || this.host.contains(el));
    this.target = { result, el: mine ? null : el, since: prev?.since ?? Date.now() };
  }

  /** The document a step lives in: the top one, or a same-origin iframe's (the recorded frame path); null when gone. */
  private docFor(step: WalkStep): Document | null {
    let w: Window = this.win;
    for (const i of step.frame ?? []) {
      const child = w.frames[i];
      if (!child) return null;
      w = child;
    }
    try {
      return w.document;
    } catch {
      return null; // cross-origin now: not ours to look into
    }
  }

  private watchedFrames = new WeakSet<Window>();

  /** What the user does inside a same-origin iframe counts too (each frame document once). */
  private watchFrame(w: Window): void {
    if (this.watchedFrames.has(w)) return;
    this.watchedFrames.add(w);
    this.listen(w, 'scroll', () => this.schedule(), { capture: true, passive: true });
    this.listen(w, 'keydown', (e) => this.onKey(e as KeyboardEvent), { capture: true });
    this.listen(w, 'click', (e) => this.onClick(e as MouseEvent), { capture: true });
    this.listen(w, 'change', (e) => this.onChange(e), { capture: true });
    this.listen(w, 'submit', (e) => this.onSubmit(e as SubmitEvent), { capture: true });
  }

  /** The element's rect in the top viewport: its frame's rect plus each iframe's content-box offset. */
  private rectInTop(el: Element): { left: number; top: number; width: number; height: number; bottom: number } {
    const r = el.getBoundingClientRect();
    let x = 0;
    let y = 0;
    let w: Window | null = el.ownerDocument.defaultView;
    while (w && w !== this.win) {
      const fe = w.frameElement;
      if (!fe) break;
      const fr = fe.getBoundingClientRect();
      const cs = w.parent.getComputedStyle(fe);
      x += fr.left + fe.clientLeft + (parseFloat(cs.paddingLeft) || 0);
      y += fr.top + fe.clientTop + (parseFloat(cs.paddingTop) || 0);
      w = w.parent;
    }
    return { left: r.left + x, top: r.top + y, width: r.width, height: r.height, bottom: r.bottom + y };
  }

  private isShown(el: Element): boolean {
    const r = el.getBoundingClientRect();
    return r.width > 0 || r.height > 0;
  }

  private checkCondition(step: WalkStep): void {
    switch (step.action) {
      case 'navigate':
        if (step.url && sameDestination(this.win.location.href, step.url)) this.complete('passed', 'auto');
        return;
      case 'assert':
      case 'waitFor': {
        const root = this.docFor(step);
        if (!root) return;
        let ok: boolean | null = step.action === 'assert' ? pageCondition(root, step) : null;
        if (ok === null) {
          const r = resolveStep(root, { selectors: (step.selectors ?? []) as Selector[], element: step.element as ElementMeta | undefined });
          const el = r.status === 'found' || r.status === 'healed' ? r.element : null;
          // An element-scoped text check: that element shows the text (as the crawler checks it).
          const present = !!el && (step.assertion !== 'textVisible' || ((el as HTMLElement).innerText ?? el.textContent ?? '').includes(step.value ?? ''));
          ok = step.action === 'waitFor' && step.state === 'absent' ? !present : present;
        }
        if (ok) this.complete('passed', 'auto');
        return;
      }
      default:
        // keypress and scroll wait for the user (or "Do it for me").
        return;
    }
  }

  // --- rendering -------------------------------------------------------------------------------

  /** The card's content depends on few things; it is rebuilt only when they change (inputs keep focus). */
  private cardKey(): string {
    const st = this.state!;
    const t = this.target;
    const kind = this.cardKind();
    return JSON.stringify([st.id, st.index, st.status, kind, t?.result.status, t?.el ? Math.round((t.result.confidence ?? 1) * 100) : null, this.note, this.error, this.sent, viewportNameForWidth(this.win.innerWidth)]);
  }

  cardKind(): 'done' | 'bug' | 'expected' | 'locating' | 'step' {
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
      this.renderCard(kind);
    }
    this.schedule();
  }

  private renderCard(kind: ReturnType<Guide['cardKind']>): void {
    const doc = this.doc;
    const st = this.state!;
    const step = this.step!;
    const card = this.ui!.card;
    card.replaceChildren();
    card.dataset.kind = kind;
    card.dataset.index = String(st.index);
    const brand = h(doc, 'div', 'brand');
    brand.append(h(doc, 'span', undefined, 'FlowLens'), h(doc, 'span', 'flow', st.flow.name));
    card.appendChild(brand);

    if (kind === 'done') {
      const healed = st.log.filter((l) => l.status === 'healed').map((l) => l.index + 1);
      card.appendChild(h(doc, 'div', 'done', 'Walkthrough complete'));
      card.appendChild(h(doc, 'div', 'progress', `All ${st.steps.length} steps done${healed.length ? `; healed at step${healed.length > 1 ? 's' : ''} ${healed.join(', ')}` : ''}.`));
      const actions = h(doc, 'div', 'actions');
      actions.appendChild(this.button('close primary', 'Close', () => void this.stop()));
      card.appendChild(actions);
      return;
    }

    const total = st.steps.length;
    card.appendChild(h(doc, 'div', 'progress', `Step ${st.index + 1} of ${total}`));
    const bar = h(doc, 'div', 'bar');
    const fill = h(doc, 'div');
    fill.style.width = `${Math.round((st.index / total) * 100)}%`;
    bar.appendChild(fill);
    card.appendChild(bar);
    card.appendChild(h(doc, 'div', 'label', step.label));
    // The generic "click the highlighted element" only when something is highlighted.
    const instruction = step.instruction ?? (kind === 'expected' || kind === 'locating' ? '' : defaultInstruction(step));
    if (instruction) card.appendChild(h(doc, 'div', 'instruction', instruction));
    const t = this.target;
    if (t?.el && t.result.status === 'healed') {
      const pct = Math.round((t.result.confidence ?? 0) * 100);
      const healedNote = h(doc, 'div', 'healed-note', `The page changed; FlowLens found the element again (${pct}% match).`);
      healedNote.dataset.confidence = String(t.result.confidence ?? 0);
      card.appendChild(healedNote);
    }
    if (t?.el && isTargeted(step)) {
      // Found under another name ("Create account" is now "Create my account"), healed or by a
      // lower-ranked selector: say so, or the step's label and the ringed element disagree (issue 19).
      const now = currentName(t.el);
      const recorded = recordedName(step);
      if (now && recorded && norm(now) !== norm(recorded)) {
        const found = h(doc, 'div', 'found-as', `Found as ‘${clip(now, 60)}’ (recorded as ‘${clip(recorded, 60)}’).`);
        found.dataset.foundAs = now;
        card.appendChild(found);
      }
    }

    if (kind === 'bug') card.appendChild(this.bugBox());
    if (kind === 'expected') card.appendChild(this.expectedBox(step, t!.result));
    if (kind === 'locating') card.appendChild(h(doc, 'div', 'note', 'Looking for the element on this page…'));
    if (this.note) card.appendChild(h(doc, 'div', 'note', this.note));
    if (this.error) card.appendChild(h(doc, 'div', 'fail', this.error));

    const secrets = step.action === 'input' ? secretNames(step.value) : [];
    const actions = h(doc, 'div', 'actions');
    if (kind === 'bug') {
      const mismatch = this.viewportMismatch();
      if (mismatch) actions.appendChild(this.button('resize primary', `Continue at ${mismatch.seen[0]} width`, () => this.resizeTo(mismatch.seen[0]!)));
      actions.appendChild(this.button('continue', 'Try it anyway', () => void this.send('walkthrough.continue', { index: st.index }).then(() => this.refresh())));
    } else if (kind === 'step' || kind === 'expected' || kind === 'locating') {
      for (const name of secrets) card.appendChild(this.secretField(name));
      const canDo = kind === 'step' && this.sent === null && this.doable(step);
      const doIt = this.button('do-it primary', 'Do it for me', () => this.doIt());
      doIt.disabled = !canDo;
      actions.appendChild(doIt);
    }
    actions.appendChild(this.button('stop', 'Stop', () => void this.stop()));
    card.appendChild(actions);
    card.appendChild(h(doc, 'div', 'progress', 'Esc ends the walkthrough.'));
  }

  private doable(step: WalkStep): boolean {
    if (isTargeted(step)) return !!this.target?.el;
    return step.action === 'navigate' || step.action === 'keypress' || step.action === 'scroll';
  }

  private button(cls: string, label: string, fn: () => void): HTMLButtonElement {
    const b = h(this.doc, 'button', cls, label);
    b.type = 'button';
    b.addEventListener('click', (e) => {
      e.stopPropagation();
      fn();
    });
    return b;
  }

  private secretField(name: string): El {
    const doc = this.doc;
    const wrap = h(doc, 'label', 'secret');
    wrap.appendChild(h(doc, 'span', undefined, `${name} (for "Do it for me"; used once, never stored)`));
    const input = h(doc, 'input');
    input.type = 'password';
    input.autocomplete = 'off';
    input.dataset.secret = name;
    input.value = this.typed[name] ?? '';
    input.addEventListener('input', () => {
      this.typed[name] = input.value;
    });
    // Keys typed here are the walkthrough's, not the page's.
    input.addEventListener('keydown', (e) => {
      e.stopPropagation();
      if (e.key === 'Enter') this.doIt();
      if (e.key === 'Escape') void this.stop();
    });
    wrap.appendChild(input);
    return wrap;
  }

  /** The viewports the bug was seen on, when this window is not one of them (else null). */
  private viewportMismatch(): { seen: ViewportName[]; here: ViewportName } | null {
    const seen = this.state?.bug?.viewports ?? [];
    const here = viewportNameForWidth(this.win.innerWidth);
    return seen.length > 0 && !seen.includes(here) ? { seen, here } : null;
  }

  private bugBox(): El {
    const doc = this.doc;
    const bug = this.state!.bug!;
    const step = this.step!;
    const box = h(doc, 'div', 'bugbox');
    const mismatch = this.viewportMismatch();
    if (mismatch) {
      // Seen on mobile only, walked at desktop width: the step may well work here (issue 19).
      const target = mismatch.seen[0]!;
      const size = VIEWPORT_PRESETS[target];
      const seen = mismatch.seen.join(' and ');
      box.classList.add('elsewhere');
      box.appendChild(h(doc, 'div', 'h', `The flow broke here on ${seen} only`));
      box.appendChild(h(doc, 'div', 't', bug.title));
      box.appendChild(h(doc, 'div', 'viewport-note', `The crawler saw this step fail at ${seen} width (${size.width} px wide). This window is ${this.win.innerWidth} px wide (${mismatch.here}), where it may well work.`));
      const how = h(doc, 'div', 'note', `Or by hand: open DevTools (F12), turn on the device toolbar (Ctrl+Shift+M, or Cmd+Shift+M on a Mac), set the width to ${size.width}, and reload the page.`);
      how.dataset.role = 'instructions';
      box.appendChild(how);
    } else {
      box.appendChild(h(doc, 'div', 'h', 'This is where the flow broke'));
      box.appendChild(h(doc, 'div', 't', bug.title));
    }
    box.appendChild(h(doc, 'div', 'plain', plainFailure(step, bug.error)));
    if (bug.request) {
      const what = bug.request.status !== undefined ? String(bug.request.status) : (bug.request.failure ?? 'failed');
      box.appendChild(h(doc, 'div', 'req', `Failing request: ${bug.request.method} ${bug.request.url} → ${what}`));
    }
    if (!this.target?.el && isTargeted(step)) box.appendChild(h(doc, 'div', 'note', 'The element of this step is not on the page now either.'));
    // The crawler's own words (selectors, timeouts, console) for whoever fixes it: folded away.
    const tech = h(doc, 'details', 'tech');
    tech.appendChild(h(doc, 'summary', undefined, 'Technical details'));
    tech.appendChild(h(doc, 'div', 'err', bug.error));
    if (bug.console.length) {
      tech.appendChild(h(doc, 'div', undefined, 'Console:'));
      const ul = h(doc, 'ul', 'lines');
      for (const line of bug.console) ul.appendChild(h(doc, 'li', undefined, line));
      tech.appendChild(ul);
    }
    box.appendChild(tech);
    return box;
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

  private expectedBox(step: WalkStep, result: ResolveResult): El {
    const doc = this.doc;
    const box = h(doc, 'div', 'expected');
    box.appendChild(h(doc, 'div', 'h', result.status === 'ambiguous' ? 'Several elements look like this one; FlowLens will not guess' : 'FlowLens cannot find this element on the page'));
    const meta = step.element as Partial<ElementMeta> | undefined;
    const what = meta ? [meta.name || meta.text || meta.labelText, meta.tag ? `<${meta.tag}>` : ''].filter(Boolean).join(' ') : '';
    box.appendChild(h(doc, 'div', 'what', `Expected: ${step.label}${what ? ` — ${what}` : ''}`));
    if (step.screenshot) box.appendChild(this.crop(step));
    if (result.attempts.length) {
      box.appendChild(h(doc, 'div', 'plain', `FlowLens looked for it ${result.attempts.length === 1 ? 'one way' : `${result.attempts.length} ways`} (by its name, label, text and place on the page); ${result.status === 'ambiguous' ? 'more than one element matched' : 'nothing matched'}.`));
      const tech = h(doc, 'details', 'tech');
      tech.appendChild(h(doc, 'summary', undefined, 'Technical details'));
      tech.appendChild(h(doc, 'div', undefined, 'Selectors tried:'));
      const ul = h(doc, 'ul', 'sel');
      for (const a of result.attempts) ul.appendChild(h(doc, 'li', undefined, `${describeSelector(a.selector)} — ${a.visible} visible${a.note ? ` (${a.note})` : ''}`));
      tech.appendChild(ul);
      box.appendChild(tech);
    }
    box.appendChild(h(doc, 'div', 'note', 'Waiting: this card goes away if the element appears.'));
    return box;
  }

  /** The recorded screenshot, cropped around the element when its position is known. */
  private crop(step: WalkStep): El {
    const doc = this.doc;
    const wrap = h(doc, 'div', 'crop');
    wrap.hidden = true;
    const img = h(doc, 'img');
    img.alt = 'The element when the flow was recorded';
    img.referrerPolicy = 'no-referrer';
    wrap.appendChild(img);
    const meta = step.element as { box?: { x: number; y: number; width: number; height: number } | null } | undefined;
    const viewport = step.page?.viewport;
    const show = (url: string | null) => {
      const safe = httpUrl(url);
      if (!safe) return;
      img.src = safe;
      const W = 330;
      const box = meta?.box;
      if (box && box.width > 0 && box.height > 0) {
        const vw = viewport?.width ?? this.win.innerWidth;
        const pad = 40;
        const rx = Math.max(0, box.x - pad);
        const ry = Math.max(0, box.y - pad);
        const rw = Math.min(vw - rx, box.width + pad * 2);
        const rh = box.height + pad * 2;
        const scale = Math.min(2, W / Math.max(1, rw));
        img.style.width = `${Math.round(vw * scale)}px`;
        img.style.transform = `translate(${-Math.round(rx * scale)}px, ${-Math.round(ry * scale)}px)`;
        wrap.style.width = `${Math.round(rw * scale)}px`;
        wrap.style.height = `${Math.round(Math.min(200, rh * scale))}px`;
      } else {
        img.style.position = 'static';
        img.style.width = '100%';
      }
      wrap.hidden = false;
    };
    const path = step.screenshot!;
    if (this.screenshotUrls.has(path)) show(this.screenshotUrls.get(path) ?? null);
    else {
      void this.send('walkthrough.screenshot', { path })
        .catch(() => null)
        .then((u) => {
          this.screenshotUrls.set(path, u);
          show(u);
        });
    }
    return wrap;
  }

  /** Marks a layout pass as due on the next frame. */
  schedule(): void {
    if (this.frame || !this.ui) return;
    this.frame = this.win.requestAnimationFrame(() => {
      this.frame = 0;
      this.layout();
    });
  }

  /** One pass: read the target's rect, then write the ring, the tip and the card's corner. */
  layout(): void {
    if (!this.ui) return;
    const { ring, tip, card } = this.ui;
    const el = this.target?.el;
    const kind = this.state ? this.cardKind() : 'done';
    const r = el && el.isConnected && (kind === 'step' || kind === 'bug') ? this.rectInTop(el) : null;
    const vw = this.win.innerWidth;
    const vh = this.win.innerHeight;
    if (!r || (r.width === 0 && r.height === 0)) {
      ring.hidden = true;
      tip.hidden = true;
      card.classList.remove('top', 'right');
      if (el && !el.isConnected) {
        this.resolveDue = true;
        this.scheduleResolve();
      }
      return;
    }
    const healed = this.target!.result.status === 'healed';
    const variant = kind === 'bug' && !this.viewportMismatch() ? 'bug' : healed ? 'healed' : '';
    ring.className = `ring${variant ? ` ${variant}` : ''}`;
    tip.className = `tip${variant ? ` ${variant}` : ''}`;
    ring.hidden = false;
    ring.style.transform = `translate(${Math.round(r.left) - 4}px, ${Math.round(r.top) - 4}px)`;
    ring.style.width = `${Math.round(r.width) + 8}px`;
    ring.style.height = `${Math.round(r.height) + 8}px`;
    const st = this.state!;
    tip.textContent = `${st.index + 1}/${st.steps.length} · ${clip(this.step?.label ?? '', 44)}${healed ? ` · healed ${Math.round((this.target!.result.confidence ?? 0) * 100)}%` : ''}`;
    tip.hidden = false;
    // The label goes beside the element when there is room (right, then left), so it covers no
    // page content next to it (a field's own label above it, a checkbox beside it: issue 19); else
    // above or below the ring, whichever side has room.
    const tw = tip.offsetWidth;
    const th = tip.offsetHeight || 22;
    const gap = 12;
    const midY = r.top + Math.min(r.height, 40) / 2 - th / 2;
    const candidates: [number, number][] = [
      [r.left + r.width + gap, midY],
      [r.left - gap - tw, midY],
      [r.left, r.top - th - 10],
      [r.left, r.bottom + 10],
    ];
    const inside = ([x, y]: [number, number]) => x >= 4 && y >= 4 && x + tw <= vw - 4 && y + th <= vh - 4;
    const key = `${Math.round(r.left)},${Math.round(r.top)},${Math.round(r.width)},${Math.round(r.height)},${tw},${vw},${vh}`;
    if (this.tipAt?.key !== key) {
      const free = candidates.find((c) => inside(c) && !this.coversContent(c[0], c[1], tw, th));
      const fallback = candidates.slice(2).find(inside) ?? candidates[2]!;
      this.tipAt = { key, at: free ?? fallback };
    }
    const [tx, ty] = this.tipAt.at;
    tip.style.transform = `translate(${Math.round(Math.max(4, Math.min(vw - tw - 4, tx)))}px, ${Math.round(Math.max(4, Math.min(vh - th - 4, ty)))}px)`;
    // The card takes a corner the element is not in. Narrow screens: a short full-width sheet at
    // the top or bottom, on the side away from the element.
    if (vw < 520) {
      card.classList.remove('right');
      card.classList.toggle('top', r.top + r.height / 2 > vh / 2);
      return;
    }
    const cardW = 392;
    const bottomLeft = r.left < cardW && r.bottom > vh * 0.45;
    const topLeft = r.left < cardW && r.top < vh * 0.55;
    card.classList.toggle('top', bottomLeft && !topLeft);
    card.classList.toggle('right', bottomLeft && topLeft);
  }

  /** Where the tip went for the last target rect (placement reads the page, so only when the rect changes). */
  private tipAt: { key: string; at: [number, number] } | null = null;

  /**
   * Whether a box at (x, y) would hide page content: samples its corners and centre with
   * elementFromPoint (our own layers are pointer-events: none, so they are not hit) and counts a
   * hit on text, a control, a label, an image or a link as content. Containers and empty space are
   * free to cover.
   */
  private coversContent(x: number, y: number, w: number, hgt: number): boolean {
    const points: [number, number][] = [[x + 2, y + 2], [x + w - 2, y + 2], [x + 2, y + hgt - 2], [x + w - 2, y + hgt - 2], [x + w / 2, y + hgt / 2]];
    for (const [px, py] of points) {
      const el = this.doc.elementFromPoint(px, py);
      if (!el || el === this.doc.documentElement || el === this.doc.body || el === this.host) continue;
      if (/^(input|select|textarea|button|img|label|a|svg|video|canvas|iframe|h[1-6])$/i.test(el.localName)) return true;
      for (const n of el.childNodes) if (n.nodeType === 3 && (n.textContent ?? '').trim() !== '') return true;
    }
    return false;
  }

  // --- what the user does ----------------------------------------------------------------------

  private inOwnUi(e: Event): boolean {
    return !!this.host && e.composedPath().includes(this.host);
  }

  private onTarget(e: Event): boolean {
    const el = this.target?.el;
    if (!el) return false;
    const origin = e.composedPath()[0] as Element | undefined;
    // nodeType, not instanceof: the element may live in a same-origin iframe (another realm).
    if (!origin || (origin as Node).nodeType !== 1) return false;
    return origin === el || el.contains(origin) || meaningfulTarget(origin) === el;
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

function defaultInstruction(step: WalkStep): string {
  switch (step.action) {
    case 'navigate':
      return step.url ? `Go to ${step.url}` : '';
    case 'click':
      return 'Click the highlighted element.';
    case 'input':
      return secretNames(step.value).length ? 'Type your own value in the highlighted field (FlowLens never stores it).' : `Type "${step.value ?? ''}" in the highlighted field.`;
    case 'select':
      return `Choose "${step.optionText ?? step.value ?? ''}" in the highlighted list.`;
    case 'check':
      return step.checked === false ? 'Untick the highlighted box.' : 'Tick the highlighted box.';
    case 'submit':
      return 'Send the highlighted form.';
    case 'keypress':
      return `Press ${step.key ?? 'the key'}.`;
    case 'scroll':
      return 'Scroll the page.';
    case 'waitFor':
      return 'Waiting for the page…';
    case 'assert':
      return step.assertion === 'urlContains' ? `Checking that the address contains "${step.value ?? ''}"…` : step.assertion === 'textVisible' ? `Checking that "${step.value ?? ''}" appears…` : 'Checking the page…';
  }
}

function norm(s: string): string {
  return s.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Cut at a word boundary, with an ellipsis (never mid-word unless one word is longer than `max`). */
function clip(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max - 1);
  const sp = cut.lastIndexOf(' ');
  return `${(sp > max / 2 ? cut.slice(0, sp) : cut).trimEnd()}…`;
}

/** The element's name now, as a person reads it (its accessible name, else its text). */
function currentName(el: Element): string {
  return (accessibleName(el) || el.textContent || '').replace(/\s+/g, ' ').trim();
}

/** The name the element had when the flow was recorded (element metadata). */
function recordedName(step: WalkStep): string {
  const meta = step.element as Partial<ElementMeta> | undefined;
  return (meta?.name || meta?.text || '').replace(/\s+/g, ' ').trim();
}

/** One sentence, no selectors: what the crawler could not do at this step. */
export function plainFailure(step: WalkStep, error: string): string {
  const what = step.label || 'this step';
  if (/disabled|not enabled/i.test(error)) return `The crawler could not do “${what}”: the element was there but disabled.`;
  if (/not visible|hidden|outside of the viewport|zero size/i.test(error)) return `The crawler could not do “${what}”: the element was there but hidden.`;
  if (/timeout|timed out|exceeded/i.test(error)) return `The crawler could not do “${what}”: it waited, and the element never became usable.`;
  if (/not found|no element|did not find|resolved to 0/i.test(error)) return `The crawler could not do “${what}”: the element was not on the page.`;
  return `The crawler could not do “${what}”.`;
}
