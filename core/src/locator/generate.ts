/**
 * generateSelectors: every robust way to find an element again, ranked by explicit scores (as
 * Playwright's selectorGenerator does), each kept only if it finds exactly this element right now
 * (as Selenium IDE keeps every working locator as a fallback). Generated-looking ids and classes
 * and empty attributes are never used (generated.ts).
 *
 * Uniqueness is judged among visible elements plus the element itself, the same rule the resolver
 * applies at replay (a desktop-only duplicate hidden by CSS does not make a selector ambiguous).
 */
import type { Selector, SelectorKind } from '../flow.ts';
import { accessibleName, elementText, getRole } from './aria.ts';
import { isDocument, isShadowRoot, isVisible, treeRootOf, type SearchRoot } from './dom.ts';
import { isStableToken } from './generated.ts';
import { querySelector } from './query.ts';
import { cssEscape, cssString, formatRoleValue, formatTestIdValue, TEST_ID_ATTRIBUTES, xpathLiteral } from './syntax.ts';

/** Base score per kind: higher survives redesigns better. */
export const SELECTOR_SCORES: Readonly<Record<SelectorKind, number>> = {
  testid: 100,
  role: 90,
  label: 85,
  text: 70,
  id: 60,
  css: 40,
  xpath: 20,
};

/** Names and texts longer than this make poor selectors (they are paragraphs, and they change). */
const MAX_TEXT_SELECTOR = 80;

export interface GenerateOptions {
  /** Visibility rule for uniqueness; defaults to dom.ts isVisible. */
  isVisible?: (el: Element) => boolean;
}

const FORM_FIELD_ROLES = new Set(['textbox', 'searchbox', 'combobox', 'listbox', 'checkbox', 'radio', 'switch', 'slider', 'spinbutton']);

function matchesOnly(root: SearchRoot, selector: Selector, el: Element, visible: (el: Element) => boolean): boolean {
  let found: Element[];
  try {
    found = querySelector(root, selector);
  } catch {
    return false;
  }
  const relevant = found.filter((m) => m === el || visible(m));
  return relevant.length === 1 && relevant[0] === el;
}

// ---------------------------------------------------------------------------------------------
// CSS path

function stableId(el: Element): string | null {
  const id = el.getAttribute('id');
  return isStableToken(id) ? id : null;
}

function siblingsOfSameTag(el: Element): Element[] {
  const parent = el.parentNode;
  if (!parent) return [el];
  return Array.from(parent.children).filter((s) => s.localName === el.localName);
}

function compoundFor(el: Element): string {
  const tag = cssEscape(el.localName);
  const classes = Array.from(el.classList).filter((c) => isStableToken(c)).slice(0, 2);
  let compound = tag + classes.map((c) => `.${cssEscape(c)}`).join('');
  const sameTag = siblingsOfSameTag(el);
  if (sameTag.length > 1) {
    const alike = sameTag.filter((s) => classes.every((c) => s.classList.contains(c)));
    if (alike.length > 1) compound += `:nth-of-type(${sameTag.indexOf(el) + 1})`;
  }
  return compound;
}

/** A CSS path unique inside `scope` (a document or one shadow root), or null. */
function cssPathInScope(el: Element, scope: Document | ShadowRoot): string | null {
  const segments: string[] = [];
  const uniqueInScope = (css: string): boolean => {
    try {
      const found = scope.querySelectorAll(css);
      return found.length === 1 && found[0] === el;
    } catch {
      return false;
    }
  };
  for (let cur: Element | null = el; cur; cur = cur.parentElement) {
    // The element's own id and test id already have their own selector kinds; a CSS path that does
    // not depend on them is the fallback worth having when they change.
    const self = cur === el;
    const id = self ? null : stableId(cur);
    const testAttr = self ? undefined : TEST_ID_ATTRIBUTES.find((a) => isStableToken(cur?.getAttribute(a)));
    let anchor: string | null = null;
    if (id && scope.querySelectorAll(`#${cssEscape(id)}`).length === 1) anchor = `#${cssEscape(id)}`;
    else if (testAttr) {
      const css = `[${testAttr}=${cssString(cur.getAttribute(testAttr) ?? '')}]`;
      if (scope.querySelectorAll(css).length === 1) anchor = css;
    }
    segments.unshift(anchor ?? compoundFor(cur));
    const css = segments.join(' > ');
    if (uniqueInScope(css)) return css;
    if (anchor) {
      // The anchor is unique but the path below it is not (cannot happen with nth-of-type on every
      // ambiguous level, but stay safe): keep climbing without the anchor shortcut.
      segments[0] = compoundFor(cur);
    }
    if (cur.localName === 'html') break;
  }
  const css = segments.join(' > ');
  return uniqueInScope(css) ? css : null;
}

/** A CSS path for `el`, with ` >>> ` at each open shadow-root boundary; null if none is unique. */
export function cssPath(el: Element): string | null {
  const root = treeRootOf(el);
  const inner = cssPathInScope(el, root);
  if (inner === null) return null;
  if (isShadowRoot(root)) {
    const host = cssPath(root.host);
    return host === null ? null : `${host} >>> ${inner}`;
  }
  return inner;
}

// ---------------------------------------------------------------------------------------------
// XPath

/** An XPath for an element of the document tree (not inside a shadow root), anchored at a stable id. */
export function xpathFor(el: Element): string | null {
  if (!isDocument(treeRootOf(el))) return null;
  const doc = el.ownerDocument;
  const steps: string[] = [];
  for (let cur: Element | null = el; cur; cur = cur.parentElement) {
    const id = cur === el ? null : stableId(cur);
    if (id && doc.querySelectorAll(`[id=${cssString(id)}]`).length === 1) {
      steps.unshift(`//*[@id=${xpathLiteral(id)}]`);
      return steps.join('/');
    }
    const sameTag = siblingsOfSameTag(cur);
    // Namespaced elements (svg) need a name test that ignores the namespace.
    const name = cur.namespaceURI === 'http://www.w3.org/1999/xhtml' ? cur.localName : `*[local-name()=${xpathLiteral(cur.localName)}]`;
    steps.unshift(sameTag.length > 1 ? `${name}[${sameTag.indexOf(cur) + 1}]` : name);
  }
  return `/${steps.join('/')}`;
}

// ---------------------------------------------------------------------------------------------

/**
 * Every selector that finds exactly `el` under `root` now, best first. Kinds and base scores:
 * test id (data-testid, data-test, data-qa, data-cy) 100 › role+name 90 › label 85 › text 70 ›
 * stable id 60 › CSS path 40 › XPath 20. A role without a name scores 50, and text containing digits
 * loses 10 (prices and counts change); text without letters is not used. CSS and XPath paths do not
 * anchor on the element's own id or test id (those have their own kinds) but do on its ancestors'.
 */
export function generateSelectors(el: Element, root: SearchRoot = el.ownerDocument, options: GenerateOptions = {}): Selector[] {
  const visible = options.isVisible ?? isVisible;
  const out: Selector[] = [];
  const consider = (kind: SelectorKind, value: string, score = SELECTOR_SCORES[kind]): void => {
    if (value.trim() === '' || out.some((s) => s.kind === kind && s.value === value)) return;
    const selector: Selector = { kind, value, score };
    if (matchesOnly(root, selector, el, visible)) out.push(selector);
  };

  for (const attribute of TEST_ID_ATTRIBUTES) {
    const v = el.getAttribute(attribute);
    if (isStableToken(v)) consider('testid', formatTestIdValue(attribute, v));
  }

  const role = getRole(el);
  const name = accessibleName(el);
  if (role !== '' && role !== 'presentation' && role !== 'none') {
    if (name !== '' && name.length <= MAX_TEXT_SELECTOR) consider('role', formatRoleValue(role, name));
    else if (name === '') consider('role', formatRoleValue(role), 50);
  }

  const isField = FORM_FIELD_ROLES.has(role) || el.localName === 'select' || el.localName === 'textarea';
  if (isField && name !== '' && name.length <= MAX_TEXT_SELECTOR) consider('label', name);

  if (!isField) {
    const text = elementText(el);
    // Text without letters ("2" in a cart badge, "×") is a count or an icon, not a handle.
    if (/\p{L}/u.test(text) && text.length <= MAX_TEXT_SELECTOR) consider('text', text, /\d/.test(text) ? SELECTOR_SCORES.text - 10 : SELECTOR_SCORES.text);
  }

  const id = stableId(el);
  if (id) consider('id', id);

  const css = cssPath(el);
  if (css) consider('css', css);

  const xpath = xpathFor(el);
  if (xpath) consider('xpath', xpath);

  return out.sort((a, b) => (b.score ?? 0) - (a.score ?? 0));
}
