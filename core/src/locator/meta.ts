/**
 * describeElement: the ElementMeta the recorder stores with each step and the healer compares
 * candidates against. Everything here must be stable across nightly runs of an unchanged page and
 * must never capture what a user typed.
 */
import type { Ancestor, ElementMeta } from '../flow.ts';
import { accessibleName, elementText, getRole, INTERACTIVE_CSS, labelText } from './aria.ts';
import { deepQueryAll, isVisible, parentElementOrHost, visibleText } from './dom.ts';
import { isStableToken } from './generated.ts';
import { TEST_ID_ATTRIBUTES } from './syntax.ts';
import { truncate } from './text.ts';

/** Attributes kept in ElementMeta.attributes: identifying, not styling, never user input. */
export const META_ATTRIBUTES = [
  'id', 'name', 'type', 'href', 'src', 'alt', 'title', 'placeholder', 'aria-label', 'role', 'for', 'action', 'method',
  'autocomplete', 'class', ...TEST_ID_ATTRIBUTES,
] as const;

const ATTRIBUTE_MAX = 200;
const NEARBY_MAX = 120;
const ANCESTOR_DEPTH = 5;

/** Keep the path (and query keys' absence) of a URL attribute: the origin differs between environments. */
function urlPath(value: string, el: Element): string {
  try {
    const base = el.ownerDocument.baseURI || undefined;
    const u = new URL(value, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.pathname : value;
  } catch {
    return value;
  }
}

function stableClasses(el: Element, max: number): string[] {
  return Array.from(el.classList).filter((c) => isStableToken(c)).slice(0, max);
}

function testIdOf(el: Element): string | undefined {
  for (const a of TEST_ID_ATTRIBUTES) {
    const v = el.getAttribute(a);
    if (v && v.trim() !== '') return v;
  }
  return undefined;
}

/** Identifying attributes; the `value` of a button-like input, never of a field a user types into. */
export function metaAttributes(el: Element): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of META_ATTRIBUTES) {
    const raw = el.getAttribute(name);
    if (raw === null) continue;
    let value = raw.trim();
    if (name === 'href' || name === 'src' || name === 'action') value = urlPath(value, el);
    if (name === 'class') value = stableClasses(el, 5).join(' ');
    if (value === '') continue;
    out[name] = value.slice(0, ATTRIBUTE_MAX);
  }
  if (el.localName === 'input') {
    const type = (el.getAttribute('type') ?? '').toLowerCase();
    const value = el.getAttribute('value');
    if ((type === 'submit' || type === 'button' || type === 'reset') && value) out['value'] = value.slice(0, ATTRIBUTE_MAX);
  }
  return out;
}

export function describeAncestor(el: Element): Ancestor {
  const a: Ancestor = { tag: el.localName, classes: stableClasses(el, 3) };
  const role = el.getAttribute('role')?.trim();
  if (role) a.role = role;
  const id = el.getAttribute('id');
  if (isStableToken(id)) a.id = id;
  const testid = testIdOf(el);
  if (testid) a.testid = testid;
  return a;
}

export function ancestorsOf(el: Element, depth = ANCESTOR_DEPTH): Ancestor[] {
  const out: Ancestor[] = [];
  for (let cur = parentElementOrHost(el); cur && out.length < depth; cur = parentElementOrHost(cur)) {
    if (cur.localName === 'html' || cur.localName === 'body') break;
    out.push(describeAncestor(cur));
  }
  return out;
}

/**
 * Visible text next to the element: its siblings' text (previous siblings first, nearest first),
 * or, when they have none, the same one level up, up to four levels. In a product card this is the
 * product name and price beside "Add to cart"; in a form, the hint beside a field.
 */
export function nearbyText(el: Element): string {
  let cur: Element = el;
  for (let level = 0; level < 4; level++) {
    const parent = parentElementOrHost(cur);
    if (!parent || parent.localName === 'body') break;
    const parts: string[] = [];
    for (let s = cur.previousElementSibling; s && parts.join(' ').length < NEARBY_MAX; s = s.previousElementSibling) {
      const t = visibleText(s, NEARBY_MAX);
      if (t) parts.push(t);
    }
    for (let s = cur.nextElementSibling; s && parts.join(' ').length < NEARBY_MAX; s = s.nextElementSibling) {
      const t = visibleText(s, NEARBY_MAX);
      if (t) parts.push(t);
    }
    const text = parts.join(' ').trim();
    if (text) return truncate(text, NEARBY_MAX);
    cur = parent;
  }
  return '';
}

function boxOf(el: Element): ElementMeta['box'] {
  if (typeof el.getBoundingClientRect !== 'function') return null;
  const r = el.getBoundingClientRect();
  const view = el.ownerDocument.defaultView;
  const sx = view?.scrollX ?? 0;
  const sy = view?.scrollY ?? 0;
  return { x: Math.round(r.left + sx), y: Math.round(r.top + sy), width: Math.round(r.width), height: Math.round(r.height) };
}

/** Other visible elements with the same role, accessible name and text as `el` (same tag when it has no role). */
export function countLookalikes(el: Element, role: string, name: string, text: string, visible: (el: Element) => boolean = isVisible): number {
  const css = role !== '' ? `${INTERACTIVE_CSS}, ${el.localName}` : el.localName;
  let count = 0;
  for (const other of deepQueryAll(el.ownerDocument, css)) {
    if (other === el || !visible(other)) continue;
    if (getRole(other) === role && accessibleName(other) === name && elementText(other) === text && (role !== '' || other.localName === el.localName)) count++;
  }
  return count;
}

const REGION_CSS = 'form, fieldset, section, article, aside, dialog, [role="dialog"], [role="region"], [role="form"], nav, header, footer';
const REGION_MAX = 80;

/**
 * The heading of the closest region around `el`: its aria-label / aria-labelledby, else its first
 * heading or legend. Two "Subscribe" buttons, one under "Weekly digest" and one under "Restock
 * alerts", are different actions; this is what tells them apart.
 */
export function regionOf(el: Element): string {
  // The two nearest headed regions, innermost first: a form that gained a fieldset with a legend
  // still carries its own heading, so a restructure does not look like another part of the page.
  const headings: string[] = [];
  for (let region = el.parentElement?.closest(REGION_CSS) ?? null; region && headings.length < 2; region = region.parentElement?.closest(REGION_CSS) ?? null) {
    const heading = regionHeading(region);
    if (heading) headings.push(heading);
  }
  return truncate(headings.join(' › '), REGION_MAX * 2);
}

export function regionHeading(region: Element): string {
  const label = region.getAttribute('aria-label')?.trim();
  if (label) return truncate(label, REGION_MAX);
  const labelledBy = region.getAttribute('aria-labelledby');
  if (labelledBy) {
    const text = labelledBy
      .split(/\s+/)
      .map((id) => region.ownerDocument.getElementById(id)?.textContent ?? '')
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (text) return truncate(text, REGION_MAX);
  }
  // Its own heading: not one that belongs to a region nested inside it.
  for (const heading of Array.from(region.querySelectorAll('h1, h2, h3, h4, h5, h6, legend, [role="heading"]'))) {
    if (heading.parentElement?.closest(REGION_CSS) !== region) continue;
    const text = heading.textContent?.replace(/\s+/g, ' ').trim();
    if (text) return truncate(text, REGION_MAX);
  }
  return '';
}

export interface DescribeOptions {
  /**
   * Count look-alikes (ElementMeta.lookalikes). Default true, which the recorder wants; the healer
   * turns it off for candidates, where only the recorded side's count matters and counting for
   * hundreds of candidates would be quadratic.
   */
  countLookalikes?: boolean;
  isVisible?: (el: Element) => boolean;
}

/** Everything the locator knows about an element, as stored in a recorded step. */
export function describeElement(el: Element, options: DescribeOptions = {}): ElementMeta {
  const role = getRole(el);
  const name = accessibleName(el);
  const text = elementText(el);
  return {
    tag: el.localName,
    role,
    name,
    labelText: labelText(el),
    nearbyText: nearbyText(el),
    text,
    attributes: metaAttributes(el),
    box: boxOf(el),
    ancestors: ancestorsOf(el),
    lookalikes: options.countLookalikes === false ? 0 : countLookalikes(el, role, name, text, options.isVisible),
    region: regionOf(el),
  };
}
