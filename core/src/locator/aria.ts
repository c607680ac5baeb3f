/**
 * ARIA roles and accessible names, computed the way assistive technology (and Playwright's
 * getByRole) sees them, simplified to what identifies an element on a page: html-aam implicit roles
 * for the elements sites use, and the accname steps that matter in practice (aria-labelledby,
 * aria-label, <label>, alt, button values, name from content, title, placeholder).
 * https://www.w3.org/TR/html-aam-1.0/ · https://www.w3.org/TR/accname-1.2/
 */
import { isElement, parentElementOrHost, treeRootOf, visibleText } from './dom.ts';
import { normaliseSpace } from './syntax.ts';

const NAME_MAX = 200;

function attr(el: Element, name: string): string {
  return (el.getAttribute(name) ?? '').trim();
}

function inputType(el: Element): string {
  return (el.getAttribute('type') ?? 'text').trim().toLowerCase() || 'text';
}

function hasAncestorTag(el: Element, tags: readonly string[]): boolean {
  for (let cur = parentElementOrHost(el); cur; cur = parentElementOrHost(cur)) {
    if (tags.includes(cur.localName)) return true;
  }
  return false;
}

/** The implicit ARIA role of an element from its tag and attributes, '' when it has none. */
export function implicitRole(el: Element): string {
  const tag = el.localName;
  switch (tag) {
    case 'a':
    case 'area':
      return el.hasAttribute('href') ? 'link' : '';
    case 'button':
      return 'button';
    case 'input': {
      const type = inputType(el);
      switch (type) {
        case 'button':
        case 'submit':
        case 'reset':
        case 'image':
          return 'button';
        case 'checkbox':
          return 'checkbox';
        case 'radio':
          return 'radio';
        case 'range':
          return 'slider';
        case 'number':
          return 'spinbutton';
        case 'search':
          return el.hasAttribute('list') ? 'combobox' : 'searchbox';
        case 'hidden':
        case 'file':
        case 'color':
        case 'date':
        case 'datetime-local':
        case 'month':
        case 'time':
        case 'week':
          return '';
        default:
          // text, email, tel, url, password (Playwright treats password as textbox too)
          return el.hasAttribute('list') ? 'combobox' : 'textbox';
      }
    }
    case 'select':
      return el.hasAttribute('multiple') || Number(el.getAttribute('size') ?? '0') > 1 ? 'listbox' : 'combobox';
    case 'textarea':
      return 'textbox';
    case 'option':
      return 'option';
    case 'img':
      return el.getAttribute('alt') === '' ? 'presentation' : 'img';
    case 'h1':
    case 'h2':
    case 'h3':
    case 'h4':
    case 'h5':
    case 'h6':
      return 'heading';
    case 'nav':
      return 'navigation';
    case 'main':
      return 'main';
    case 'aside':
      return 'complementary';
    case 'header':
      return hasAncestorTag(el, ['article', 'aside', 'main', 'nav', 'section']) ? '' : 'banner';
    case 'footer':
      return hasAncestorTag(el, ['article', 'aside', 'main', 'nav', 'section']) ? '' : 'contentinfo';
    case 'form':
      return 'form';
    case 'section':
      return el.hasAttribute('aria-label') || el.hasAttribute('aria-labelledby') ? 'region' : '';
    case 'article':
      return 'article';
    case 'ul':
    case 'ol':
    case 'menu':
      return 'list';
    case 'li':
      return 'listitem';
    case 'dialog':
      return 'dialog';
    case 'table':
      return 'table';
    case 'tr':
      return 'row';
    case 'td':
      return 'cell';
    case 'th':
      return 'columnheader';
    case 'fieldset':
    case 'details':
      return 'group';
    case 'summary':
      // Not in html-aam, but every browser exposes it as a disclosure button.
      return 'button';
    case 'progress':
      return 'progressbar';
    case 'meter':
      return 'meter';
    case 'hr':
      return 'separator';
    case 'output':
      return 'status';
    default:
      return '';
  }
}

/** Explicit role (first token of `role`) if present, else the implicit role; '' when none. */
export function getRole(el: Element): string {
  const explicit = attr(el, 'role').split(/\s+/)[0] ?? '';
  if (explicit !== '') return explicit.toLowerCase();
  return implicitRole(el);
}

/** Roles whose accessible name comes from their content (accname "name from content"). */
const NAME_FROM_CONTENT = new Set([
  'button', 'cell', 'checkbox', 'columnheader', 'gridcell', 'heading', 'link', 'menuitem', 'menuitemcheckbox',
  'menuitemradio', 'option', 'radio', 'row', 'rowheader', 'switch', 'tab', 'tooltip', 'treeitem',
]);

const LABELABLE = new Set(['input', 'select', 'textarea', 'button', 'meter', 'output', 'progress']);

function byIdInTree(el: Element, id: string): Element | null {
  const root = treeRootOf(el);
  return root.getElementById(id);
}

/**
 * Text of an element for naming purposes: like visibleText but honouring aria-hidden, and using an
 * embedded image's alt and a child's aria-label (icon buttons: <button><svg aria-label="Close">).
 */
function nameText(node: Node, depth = 0): string {
  if (depth > 20) return '';
  if (node.nodeType === 3) return node.nodeValue ?? '';
  if (!isElement(node)) return '';
  if (attr(node, 'aria-hidden') === 'true' || node.hasAttribute('hidden')) return '';
  const tag = node.localName;
  if (tag === 'script' || tag === 'style' || tag === 'template' || tag === 'noscript') return '';
  if (depth > 0) {
    const label = attr(node, 'aria-label');
    if (label) return ` ${label} `;
  }
  if (tag === 'img' || (tag === 'input' && inputType(node) === 'image')) return ` ${attr(node, 'alt')} `;
  if (tag === 'svg') {
    const title = node.querySelector('title');
    return title ? ` ${title.textContent ?? ''} ` : '';
  }
  if (tag === 'input') {
    const type = inputType(node);
    return type === 'submit' || type === 'button' || type === 'reset' ? ` ${attr(node, 'value')} ` : '';
  }
  if (tag === 'select' || tag === 'textarea') return '';
  let out = '';
  if (node.shadowRoot) for (const child of node.shadowRoot.childNodes) if (!(isElement(child) && child.localName === 'slot')) out += nameText(child, depth + 1);
  for (const child of node.childNodes) out += nameText(child, depth + 1);
  return tag === 'br' || !['span', 'b', 'i', 'em', 'strong', 'small', 'code', 'a', 'label', 'abbr', 'mark', 'sup', 'sub', 'u', 's'].includes(tag) ? ` ${out} ` : out;
}

/** The <label> elements of a form control (for=id in the same tree, or wrapping). */
export function labelsOf(el: Element): Element[] {
  if (!LABELABLE.has(el.localName)) return [];
  const labels: Element[] = [];
  const id = el.getAttribute('id');
  if (id) {
    const root = treeRootOf(el);
    for (const label of root.querySelectorAll('label')) if (label.getAttribute('for') === id) labels.push(label);
  }
  const wrapping = el.closest('label');
  if (wrapping && !labels.includes(wrapping) && (!wrapping.hasAttribute('for') || wrapping.getAttribute('for') === id)) labels.push(wrapping);
  return labels;
}

/** The text of a control's <label> elements, without the text of controls nested in them. */
export function labelText(el: Element): string {
  return normaliseSpace(labelsOf(el).map((l) => nameText(l)).join(' ')).slice(0, NAME_MAX);
}

/**
 * The accessible name of an element, whitespace-normalised, '' when it has none. Follows accname
 * order: aria-labelledby, aria-label, native label (<label>, alt, button value, legend/caption),
 * content for roles named from content, title, placeholder.
 */
export function accessibleName(el: Element): string {
  const labelledBy = attr(el, 'aria-labelledby');
  if (labelledBy) {
    const text = labelledBy
      .split(/\s+/)
      .map((id) => byIdInTree(el, id))
      .filter((x): x is Element => x !== null)
      .map((x) => attr(x, 'aria-label') || nameText(x))
      .join(' ');
    const name = normaliseSpace(text);
    if (name) return name.slice(0, NAME_MAX);
  }
  const ariaLabel = normaliseSpace(attr(el, 'aria-label'));
  if (ariaLabel) return ariaLabel.slice(0, NAME_MAX);

  const tag = el.localName;
  if (tag === 'input' || tag === 'select' || tag === 'textarea') {
    const type = inputType(el);
    if (tag === 'input' && (type === 'submit' || type === 'reset' || type === 'button')) {
      const value = normaliseSpace(attr(el, 'value'));
      if (value) return value.slice(0, NAME_MAX);
      if (type === 'submit') return 'Submit';
      if (type === 'reset') return 'Reset';
    } else if (tag === 'input' && type === 'image') {
      const alt = normaliseSpace(attr(el, 'alt'));
      if (alt) return alt.slice(0, NAME_MAX);
    } else {
      const fromLabel = labelText(el);
      if (fromLabel) return fromLabel;
    }
  } else if (tag === 'img' || tag === 'area') {
    const alt = normaliseSpace(attr(el, 'alt'));
    if (alt) return alt.slice(0, NAME_MAX);
  } else if (tag === 'fieldset') {
    const legend = el.querySelector(':scope > legend');
    if (legend) return normaliseSpace(nameText(legend)).slice(0, NAME_MAX);
  } else if (tag === 'table') {
    const caption = el.querySelector(':scope > caption');
    if (caption) return normaliseSpace(nameText(caption)).slice(0, NAME_MAX);
  } else if (tag === 'button') {
    // A <button> can be labelled by a <label for>, which takes precedence over its content.
    const fromLabel = labelText(el);
    if (fromLabel) return fromLabel;
  }

  const role = getRole(el);
  if (NAME_FROM_CONTENT.has(role) || tag === 'summary') {
    const content = normaliseSpace(nameText(el));
    if (content) return content.slice(0, NAME_MAX);
  }
  const title = normaliseSpace(attr(el, 'title'));
  if (title) return title.slice(0, NAME_MAX);
  if (tag === 'input' || tag === 'textarea') {
    const placeholder = normaliseSpace(attr(el, 'placeholder'));
    if (placeholder) return placeholder.slice(0, NAME_MAX);
  }
  return '';
}

/** Roles a user acts on (what the healer compares a recorded click or fill target against). */
export const INTERACTIVE_ROLES = new Set([
  'button', 'link', 'checkbox', 'radio', 'switch', 'tab', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'option',
  'textbox', 'searchbox', 'combobox', 'listbox', 'spinbutton', 'slider', 'treeitem', 'gridcell',
]);

/** CSS for elements that can be interactive, used to gather healing candidates cheaply. */
export const INTERACTIVE_CSS =
  'a[href], area[href], button, input:not([type="hidden"]), select, textarea, summary, label, [role], [onclick], [tabindex], [contenteditable=""], [contenteditable="true"]';

/** Whether a person can act on this element itself (click, type, toggle). */
export function isInteractive(el: Element): boolean {
  const tag = el.localName;
  if (tag === 'button' || tag === 'select' || tag === 'textarea' || tag === 'summary') return true;
  if (tag === 'input') return inputType(el) !== 'hidden';
  if ((tag === 'a' || tag === 'area') && el.hasAttribute('href')) return true;
  if (INTERACTIVE_ROLES.has(getRole(el))) return true;
  if (el.hasAttribute('onclick')) return true;
  const tabindex = el.getAttribute('tabindex');
  if (tabindex !== null && tabindex.trim() !== '' && Number(tabindex) >= 0) return true;
  const editable = el.getAttribute('contenteditable');
  return editable === '' || editable === 'true';
}

/** Short visible text used as an element's "text" (recorded and compared), bounded. */
export function elementText(el: Element): string {
  return visibleText(el, NAME_MAX);
}
