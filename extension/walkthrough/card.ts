/**
 * The walkthrough's card (issue 9): what it says for the current step — progress, the step's
 * label and instruction, a healed or renamed element, where the flow broke, the element FlowLens
 * expected — and its buttons. Built with textContent only; the guide decides when to rebuild it
 * and what its buttons do.
 */
import type { ElementMeta } from '@flowlens/core/flow';
import { accessibleName, describeSelector, type ResolveResult } from '@flowlens/core/locator';
import { VIEWPORT_PRESETS, viewportNameForWidth, type ViewportName } from '@flowlens/core/viewport';
import type { Ask } from '../lib/messaging.ts';
import { h, httpUrl } from '../lib/page-layer.ts';
import { isTargeted, secretNames, type WalkState, type WalkStep } from './protocol.ts';
import type { Target } from './target.ts';

export type CardKind = 'done' | 'bug' | 'expected' | 'locating' | 'step';

/** Everything the card shows, and what its buttons do. */
export interface CardInput {
  doc: Document;
  win: Window;
  state: WalkState;
  step: WalkStep;
  kind: CardKind;
  target: Target | null;
  note: string | null;
  error: string | null;
  /** Whether "Do it for me" can run now. */
  canDo: boolean;
  /** Secrets typed into the card, for "Do it for me" only; the card writes them here. */
  typed: Record<string, string>;
  screenshots: ScreenshotUrls;
  on: { stop(): void; doIt(): void; continueAnyway(): void; resizeTo(name: ViewportName): void };
}

/** Signed URLs of recorded screenshots, asked once per path (the card is rebuilt often). */
export class ScreenshotUrls {
  private readonly urls = new Map<string, string | null>();

  constructor(private readonly send: Ask) {}

  /** Calls `show` with the URL: at once when known, else when the background answered (null: none). */
  show(path: string, show: (url: string | null) => void): void {
    if (this.urls.has(path)) {
      show(this.urls.get(path) ?? null);
      return;
    }
    void this.send('walkthrough.screenshot', { path })
      .catch(() => null)
      .then((u) => {
        this.urls.set(path, u);
        show(u);
      });
  }
}

export function renderCard(card: HTMLElement, c: CardInput): void {
  const { doc, state: st, step, kind } = c;
  const button = buttonMaker(doc);
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
    actions.appendChild(button('close primary', 'Close', c.on.stop));
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
  const t = c.target;
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

  if (kind === 'bug') card.appendChild(bugBox(c));
  if (kind === 'expected') card.appendChild(expectedBox(c, t!.result));
  if (kind === 'locating') card.appendChild(h(doc, 'div', 'note', 'Looking for the element on this page…'));
  if (c.note) card.appendChild(h(doc, 'div', 'note', c.note));
  if (c.error) card.appendChild(h(doc, 'div', 'fail', c.error));

  const secrets = step.action === 'input' ? secretNames(step.value) : [];
  const actions = h(doc, 'div', 'actions');
  if (kind === 'bug') {
    const mismatch = viewportMismatch(st, c.win);
    if (mismatch) actions.appendChild(button('resize primary', `Continue at ${mismatch.seen[0]} width`, () => c.on.resizeTo(mismatch.seen[0]!)));
    actions.appendChild(button('continue', 'Try it anyway', c.on.continueAnyway));
  } else if (kind === 'step' || kind === 'expected' || kind === 'locating') {
    for (const name of secrets) card.appendChild(secretField(c, name));
    const doIt = button('do-it primary', 'Do it for me', c.on.doIt);
    doIt.disabled = !c.canDo;
    actions.appendChild(doIt);
  }
  actions.appendChild(button('stop', 'Stop', c.on.stop));
  card.appendChild(actions);
  card.appendChild(h(doc, 'div', 'progress', 'Esc ends the walkthrough.'));
}

/** A button of the card: its click is the walkthrough's, never the page's. */
function buttonMaker(doc: Document): (cls: string, label: string, fn: () => void) => HTMLButtonElement {
  return (cls, label, fn) => {
  const b = h(doc, 'button', cls, label);
  b.type = 'button';
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    fn();
  });
  return b;
  };
}

/** A secret the recorded step types, asked for "Do it for me" only (kept in the guide's memory, never sent). */
function secretField(c: CardInput, name: string): HTMLElement {
  const doc = c.doc;
  const wrap = h(doc, 'label', 'secret');
  wrap.appendChild(h(doc, 'span', undefined, `${name} (for "Do it for me"; used once, never stored)`));
  const input = h(doc, 'input');
  input.type = 'password';
  input.autocomplete = 'off';
  input.dataset.secret = name;
  input.value = c.typed[name] ?? '';
  input.addEventListener('input', () => {
    c.typed[name] = input.value;
  });
  // Keys typed here are the walkthrough's, not the page's.
  input.addEventListener('keydown', (e) => {
    e.stopPropagation();
    if (e.key === 'Enter') c.on.doIt();
    if (e.key === 'Escape') c.on.stop();
  });
  wrap.appendChild(input);
  return wrap;
}

/** The viewports the bug was seen on, when this window is not one of them (else null). */
export function viewportMismatch(state: WalkState | null, win: Window): { seen: ViewportName[]; here: ViewportName } | null {
  const seen = state?.bug?.viewports ?? [];
  const here = viewportNameForWidth(win.innerWidth);
  return seen.length > 0 && !seen.includes(here) ? { seen, here } : null;
}

/** Where and how the crawler saw the flow break, in plain words first (technical details folded away). */
function bugBox(c: CardInput): HTMLElement {
  const { doc, step } = c;
  const bug = c.state.bug!;
  const box = h(doc, 'div', 'bugbox');
  const mismatch = viewportMismatch(c.state, c.win);
  if (mismatch) {
    // Seen on mobile only, walked at desktop width: the step may well work here (issue 19).
    const target = mismatch.seen[0]!;
    const size = VIEWPORT_PRESETS[target];
    const seen = mismatch.seen.join(' and ');
    box.classList.add('elsewhere');
    box.appendChild(h(doc, 'div', 'h', `The flow broke here on ${seen} only`));
    box.appendChild(h(doc, 'div', 't', bug.title));
    box.appendChild(h(doc, 'div', 'viewport-note', `The crawler saw this step fail at ${seen} width (${size.width} px wide). This window is ${c.win.innerWidth} px wide (${mismatch.here}), where it may well work.`));
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
  if (!c.target?.el && isTargeted(step)) box.appendChild(h(doc, 'div', 'note', 'The element of this step is not on the page now either.'));
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

/** The element FlowLens expected and could not find (or found twice): what it looked like, and how it was looked for. */
function expectedBox(c: CardInput, result: ResolveResult): HTMLElement {
  const { doc, step } = c;
  const box = h(doc, 'div', 'expected');
  box.appendChild(h(doc, 'div', 'h', result.status === 'ambiguous' ? 'Several elements look like this one; FlowLens will not guess' : 'FlowLens cannot find this element on the page'));
  const meta = step.element as Partial<ElementMeta> | undefined;
  const what = meta ? [meta.name || meta.text || meta.labelText, meta.tag ? `<${meta.tag}>` : ''].filter(Boolean).join(' ') : '';
  box.appendChild(h(doc, 'div', 'what', `Expected: ${step.label}${what ? ` — ${what}` : ''}`));
  if (step.screenshot) box.appendChild(crop(c, step));
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
function crop(c: CardInput, step: WalkStep): HTMLElement {
  const doc = c.doc;
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
      const vw = viewport?.width ?? c.win.innerWidth;
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
  c.screenshots.show(step.screenshot!, show);
  return wrap;
}

export function defaultInstruction(step: WalkStep): string {
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
export function clip(s: string, max: number): string {
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

