/**
 * What the recorder captures in a page (issue 4), as plain DOM code so it runs in the content
 * script and in jsdom unit tests alike. Selectors and element metadata come from the core locator
 * engine (generateSelectors keeps only selectors that find exactly this element right now), so the
 * crawler resolves what the extension recorded with the same rules.
 *
 * Rules:
 * - a click records the meaningful interactive ancestor (the button, not its <svg>; a <label>'s
 *   control); clicks that only focus a field, or toggle a checkbox/radio/select, are left to the
 *   change event that follows, so one interaction is one step;
 * - text is committed on change (blur) or Enter, never per keystroke;
 * - Enter in a field records the field's value first, then the key; the browser's implicit submit
 *   click and the submit event it causes are the same interaction and are not recorded again;
 * - password fields and fields marked `data-flowlens-secret` record `{{secret:NAME}}`: the typed
 *   value never leaves this function;
 * - untrusted (script-made) events and the extension's own UI are ignored.
 */
import { describeElement, generateSelectors, labelText, meaningfulTarget, type ElementMeta, type PageContext, type Selector } from '@flowlens/core';

export type CapturedAction =
  | (CapturedBase & { action: 'click' })
  | (CapturedBase & { action: 'input'; value: string; secretName?: string })
  | (CapturedBase & { action: 'select'; value: string; optionText: string })
  | (CapturedBase & { action: 'check'; checked: boolean })
  | (CapturedBase & { action: 'keypress'; key: string })
  | (CapturedBase & { action: 'submit' });

export interface CapturedBase {
  selectors: Selector[];
  element: ElementMeta;
  page: PageContext;
  /** Same-origin iframe path from the top document (Chrome Recorder's `frame`); absent in the top document. */
  frame?: number[];
  /** Where the element is in this frame's viewport, for the screenshot highlight. */
  rect: { x: number; y: number; width: number; height: number };
}

/**
 * Marks the extension's own elements in a page (also: any element named flowlens-*, such as the
 * overlay's shadow host); events inside them are never recorded.
 */
export const OWN_UI_ATTRIBUTE = 'data-flowlens-ui';

const TEXT_INPUT_TYPES = new Set(['', 'text', 'email', 'password', 'search', 'tel', 'url', 'number', 'date', 'datetime-local', 'month', 'time', 'week']);
const BUTTON_INPUT_TYPES = new Set(['submit', 'button', 'reset', 'image']);
/** A second event on the same element within this window is the same interaction. */
const SAME_INTERACTION_MS = 600;

function isElement(node: unknown): node is Element {
  return typeof node === 'object' && node !== null && (node as Node).nodeType === 1;
}

function inputType(el: Element): string {
  return (el.getAttribute('type') ?? '').toLowerCase();
}

export function isTextField(el: Element): el is HTMLInputElement | HTMLTextAreaElement {
  if (el.localName === 'textarea') return true;
  return el.localName === 'input' && TEXT_INPUT_TYPES.has(inputType(el));
}

function isToggle(el: Element): el is HTMLInputElement {
  return el.localName === 'input' && (inputType(el) === 'checkbox' || inputType(el) === 'radio');
}

export function isSecretField(el: Element): boolean {
  if (el.localName === 'input' && inputType(el) === 'password') return true;
  if (el.hasAttribute('data-flowlens-secret')) return true;
  const autocomplete = (el.getAttribute('autocomplete') ?? '').toLowerCase();
  return /\b(current-password|new-password|one-time-code)\b/.test(autocomplete);
}

/** A SCREAMING_SNAKE name for the field's secret: PASSWORD, NEW_PASSWORD, API_TOKEN… */
export function secretNameFor(el: Element): string {
  const hint = [el.getAttribute('autocomplete'), el.getAttribute('name'), el.getAttribute('id'), labelText(el)].filter(Boolean).join(' ').toLowerCase();
  if (el.localName === 'input' && inputType(el) === 'password') {
    // A sign-in or sign-up form has one password: the account's PASSWORD — the name the README,
    // `flowlens check` (FLOWLENS_SECRET_PASSWORD) and the credentials screen use (issue 19: a
    // sign-in field with the standard autocomplete="current-password" was CURRENT_PASSWORD, so the
    // first replay had no value). CURRENT_/NEW_PASSWORD only on a change-password form, where
    // both kinds sit side by side. A confirmation field shares the name of the password it confirms.
    const scope = (el as HTMLInputElement).form ?? el.ownerDocument;
    const kinds = Array.from(scope.querySelectorAll('input[type=password]')).map((other) => {
      const h = [other.getAttribute('autocomplete'), other.getAttribute('name'), other.getAttribute('id')].join(' ').toLowerCase();
      return /current|old/.test(h) && !/new/.test(h) ? 'current' : 'new';
    });
    const changeForm = kinds.includes('current') && kinds.includes('new');
    if (!changeForm) return 'PASSWORD';
    return /current|old/.test(hint) && !/new/.test(hint) ? 'CURRENT_PASSWORD' : 'NEW_PASSWORD';
  }
  const source = el.getAttribute('data-flowlens-secret') || labelText(el) || el.getAttribute('name') || el.getAttribute('id') || 'secret';
  return secretNameFromText(source);
}

export function secretNameFromText(text: string): string {
  const name = text
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/[\s-]+/g, '_')
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, '')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 64);
  return name === '' ? 'SECRET' : name;
}

/** Child-frame indices from the top window down to `win`; [] for the top window. */
export function framePath(win: Window): number[] {
  const path: number[] = [];
  let cur: Window = win;
  try {
    while (cur !== cur.parent) {
      const parent = cur.parent;
      let index = -1;
      for (let i = 0; i < parent.frames.length; i++) {
        if (parent.frames[i] === cur) {
          index = i;
          break;
        }
      }
      if (index < 0) break;
      path.unshift(index);
      cur = parent;
    }
  } catch {
    // A cross-origin ancestor: the recorder only promises same-origin iframes.
  }
  return path;
}

export function pageContext(win: Window): PageContext {
  return { url: win.location.href, title: win.document.title, viewport: { width: Math.max(1, win.innerWidth), height: Math.max(1, win.innerHeight) } };
}

/** Selectors and metadata for one element, as a step stores them. */
export function describeTarget(el: Element): { selectors: Selector[]; element: ElementMeta } {
  return { selectors: generateSelectors(el, el.ownerDocument), element: describeElement(el) };
}

function isShadowRootNode(node: EventTarget): node is ShadowRoot {
  return (node as Node).nodeType === 11 && 'host' in node;
}

function isOwnUi(path: readonly EventTarget[]): boolean {
  return path.some((n) => isElement(n) && (n.hasAttribute(OWN_UI_ATTRIBUTE) || n.localName.startsWith('flowlens-')));
}

function eventElement(event: Event): Element | null {
  const first = event.composedPath()[0];
  return isElement(first) ? first : isElement(event.target) ? event.target : null;
}

export interface CaptureOptions {
  /** Clock, for tests. */
  now?: () => number;
  /**
   * Accept script-made events. Only for unit tests (jsdom cannot make trusted events); the recorder
   * always ignores them, or a page could write steps into the user's flow.
   */
  acceptUntrusted?: boolean;
}

/**
 * Starts listening on `win`'s document; returns a function that stops. `emit` receives each
 * recorded interaction once. Listeners are in the capture phase so a page that stops propagation
 * cannot hide its clicks from the recorder.
 */
export function startCapture(win: Window, emit: (action: CapturedAction) => void, options: CaptureOptions = {}): () => void {
  const doc = win.document;
  const now = options.now ?? (() => Date.now());
  const trusted = (event: Event): boolean => event.isTrusted || options.acceptUntrusted === true;
  const frame = framePath(win);
  const committed = new WeakMap<Element, string>();
  let last: { kind: 'click' | 'enter' | 'change'; el: Element; form: HTMLFormElement | null; at: number } | null = null;

  const base = (el: Element): CapturedBase | null => {
    const { selectors, element } = describeTarget(el);
    if (selectors.length === 0) return null;
    const r = el.getBoundingClientRect();
    return { selectors, element, page: pageContext(win), ...(frame.length > 0 ? { frame } : {}), rect: { x: r.x, y: r.y, width: r.width, height: r.height } };
  };

  const formOf = (el: Element): HTMLFormElement | null => (el as HTMLInputElement).form ?? el.closest('form');

  const commitText = (el: HTMLInputElement | HTMLTextAreaElement): void => {
    const value = el.value;
    if (committed.get(el) === value) return;
    committed.set(el, value);
    const b = base(el);
    if (!b) return;
    if (isSecretField(el) && value !== '') {
      const secretName = secretNameFor(el);
      emit({ ...b, action: 'input', value: `{{secret:${secretName}}}`, secretName });
    } else {
      emit({ ...b, action: 'input', value });
    }
  };

  const onClick = (event: MouseEvent): void => {
    if (!trusted(event) || isOwnUi(event.composedPath())) return;
    const raw = eventElement(event);
    if (!raw) return;
    const el = meaningfulTarget(raw);
    // Focusing a field, or toggling a checkbox / select, is recorded by the change that follows.
    if (isTextField(el) || isToggle(el) || el.localName === 'select' || el.localName === 'option' || el.localName === 'textarea') return;
    if (el.localName === 'input' && !BUTTON_INPUT_TYPES.has(inputType(el))) return;
    const t = now();
    if (last && last.el === el && last.kind === 'click' && t - last.at < SAME_INTERACTION_MS) return;
    // Enter in a field makes the browser click the form's default button: same interaction.
    const form = formOf(el);
    if (last && last.kind === 'enter' && form !== null && last.form === form && t - last.at < SAME_INTERACTION_MS) return;
    const b = base(el);
    last = { kind: 'click', el, form, at: t };
    if (b) emit({ ...b, action: 'click' });
  };

  const onChange = (event: Event): void => {
    if (!trusted(event) || isOwnUi(event.composedPath())) return;
    const el = eventElement(event);
    if (!el) return;
    if (isToggle(el)) {
      const b = base(el);
      last = { kind: 'change', el, form: formOf(el), at: now() };
      if (b) emit({ ...b, action: 'check', checked: el.checked });
    } else if (el.localName === 'select') {
      const select = el as HTMLSelectElement;
      const b = base(el);
      last = { kind: 'change', el, form: formOf(el), at: now() };
      if (b) emit({ ...b, action: 'select', value: select.value, optionText: (select.selectedOptions[0]?.textContent ?? '').trim() });
    } else if (isTextField(el)) {
      commitText(el);
    } else if (el.localName === 'input' && inputType(el) === 'range') {
      const b = base(el);
      if (b) emit({ ...b, action: 'input', value: (el as HTMLInputElement).value });
    }
  };

  const onKeydown = (event: KeyboardEvent): void => {
    if (!trusted(event) || event.isComposing || isOwnUi(event.composedPath())) return;
    if (event.key !== 'Enter' || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey) return;
    const el = eventElement(event);
    if (!el || !isTextField(el) || el.localName === 'textarea') return;
    commitText(el);
    const b = base(el);
    last = { kind: 'enter', el, form: formOf(el), at: now() };
    if (b) emit({ ...b, action: 'keypress', key: 'Enter' });
  };

  const onSubmit = (event: Event): void => {
    if (!trusted(event)) return;
    const form = event.target;
    if (!isElement(form) || form.localName !== 'form') return;
    // A submit caused by a recorded click or Enter is that step's consequence, not a new step.
    if (last && now() - last.at < 1500 && (last.kind === 'click' || last.kind === 'enter') && (last.form === form || last.form === null)) return;
    const b = base(form);
    if (b) emit({ ...b, action: 'submit' });
  };

  // `change` does not cross shadow-root boundaries (it is not composed): listen on each open
  // shadow root the user focuses into, too.
  const shadowRoots = new Set<ShadowRoot>();
  const onFocusIn = (event: FocusEvent): void => {
    for (const node of event.composedPath()) {
      if (isShadowRootNode(node) && !shadowRoots.has(node)) {
        shadowRoots.add(node);
        node.addEventListener('change', onChange, true);
      }
    }
  };

  doc.addEventListener('focusin', onFocusIn, true);
  doc.addEventListener('click', onClick, true);
  doc.addEventListener('change', onChange, true);
  doc.addEventListener('keydown', onKeydown, true);
  doc.addEventListener('submit', onSubmit, true);
  return () => {
    for (const root of shadowRoots) root.removeEventListener('change', onChange, true);
    doc.removeEventListener('focusin', onFocusIn, true);
    doc.removeEventListener('click', onClick, true);
    doc.removeEventListener('change', onChange, true);
    doc.removeEventListener('keydown', onKeydown, true);
    doc.removeEventListener('submit', onSubmit, true);
  };
}
