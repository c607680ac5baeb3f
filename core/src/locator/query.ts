/**
 * querySelector: every element a FlowLens selector matches (format in syntax.ts). Deterministic
 * and side-effect free; the same function verifies selectors at record time and resolves them at
 * replay time, so "unique when recorded" and "found when replayed" mean the same thing.
 */
import type { Selector } from '../flow.ts';
import { accessibleName, getRole } from './aria.ts';
import { deepQueryAll, isElement, isShadowRoot, ownerDocumentOf, visibleText, type SearchRoot } from './dom.ts';
import { cssString, normaliseSpace, parseRoleValue, parseTestIdValue, splitShadowCss } from './syntax.ts';
import { meaningfulTarget } from './target.ts';

/** A selector value the resolver cannot evaluate (bad CSS or XPath, bad role syntax). */
export class SelectorError extends Error {
  override readonly name = 'SelectorError';
  readonly selector: Selector;

  constructor(selector: Selector, detail: string) {
    super(`${selector.kind} selector ${JSON.stringify(selector.value)} cannot be used: ${detail}. Fix it in the flow editor or record the step again.`);
    this.selector = selector;
  }
}

/** CSS that finds the elements which can have each role implicitly, so we only compute roles on those. */
const ROLE_CANDIDATES: Readonly<Record<string, string>> = {
  button: 'button, input[type="button" i], input[type="submit" i], input[type="reset" i], input[type="image" i], summary',
  link: 'a[href], area[href]',
  textbox: 'input:not([type]), input[type="text" i], input[type="email" i], input[type="tel" i], input[type="url" i], input[type="password" i], input[type=""], textarea',
  searchbox: 'input[type="search" i]',
  combobox: 'select, input[list]',
  listbox: 'select',
  checkbox: 'input[type="checkbox" i]',
  radio: 'input[type="radio" i]',
  slider: 'input[type="range" i]',
  spinbutton: 'input[type="number" i]',
  heading: 'h1, h2, h3, h4, h5, h6',
  img: 'img',
  navigation: 'nav',
  main: 'main',
  banner: 'header',
  contentinfo: 'footer',
  complementary: 'aside',
  form: 'form',
  region: 'section',
  article: 'article',
  list: 'ul, ol, menu',
  listitem: 'li',
  option: 'option',
  dialog: 'dialog',
  table: 'table',
  row: 'tr',
  cell: 'td',
  columnheader: 'th',
  group: 'fieldset, details',
  progressbar: 'progress',
  separator: 'hr',
};

/** Elements that can have an accessible name worth matching (label kind). */
const NAMED_CANDIDATES =
  'input, select, textarea, button, a[href], area[href], img, summary, fieldset, table, [aria-label], [aria-labelledby], [role], [title]';

function unique(elements: Iterable<Element>): Element[] {
  return Array.from(new Set(elements));
}

function byRole(root: SearchRoot, value: string, selector: Selector): Element[] {
  const parsed = parseRoleValue(value);
  if (!parsed) throw new SelectorError(selector, 'a role selector looks like button "Add to cart"');
  const implicit = ROLE_CANDIDATES[parsed.role];
  const css = implicit ? `${implicit}, [role]` : '[role]';
  const name = parsed.name === undefined ? undefined : normaliseSpace(parsed.name);
  return deepQueryAll(root, css).filter((el) => getRole(el) === parsed.role && (name === undefined || accessibleName(el) === name));
}

function byLabel(root: SearchRoot, value: string): Element[] {
  const wanted = normaliseSpace(value);
  return deepQueryAll(root, NAMED_CANDIDATES).filter((el) => accessibleName(el) === wanted);
}

/**
 * Innermost elements whose visible text is exactly `value`, retargeted to the interactive element
 * around them (so `text=Add to cart` finds the <button>, not the <span> inside it).
 */
function byText(root: SearchRoot, value: string): Element[] {
  const wanted = normaliseSpace(value);
  if (wanted === '') return [];
  // Cheap prefilter on raw textContent before computing visible text.
  const firstWord = wanted.split(' ')[0] ?? wanted;
  const matches = deepQueryAll(root).filter((el) => {
    if (el.localName === 'input') {
      const type = (el.getAttribute('type') ?? '').toLowerCase();
      return (type === 'submit' || type === 'button' || type === 'reset') && normaliseSpace(el.getAttribute('value') ?? '') === wanted;
    }
    const raw = el.textContent ?? '';
    if (!raw.includes(firstWord) && !el.shadowRoot) return false;
    return visibleText(el, wanted.length + 50) === wanted;
  });
  const set = new Set(matches);
  const innermost = matches.filter((el) => !Array.from(el.querySelectorAll('*')).some((d) => set.has(d)) && !(el.shadowRoot && deepQueryAll(el.shadowRoot).some((d) => set.has(d))));
  return unique(innermost.map(meaningfulTarget));
}

function byCss(root: SearchRoot, value: string, selector: Selector): Element[] {
  const { deep, parts } = splitShadowCss(value);
  try {
    let current: Element[] = [];
    parts.forEach((part, i) => {
      if (i === 0) {
        current = deep ? deepQueryAll(root, part) : Array.from(root.querySelectorAll(part));
        return;
      }
      // As Chrome Recorder does for nested selector arrays: step into the shadow root when there is
      // one, otherwise keep searching below the element itself.
      current = unique(current.flatMap((el) => Array.from((el.shadowRoot ?? el).querySelectorAll(part))));
    });
    return current;
  } catch (e) {
    throw new SelectorError(selector, `it is not valid CSS (${e instanceof Error ? e.message : String(e)})`);
  }
}

// XPathResult.ORDERED_NODE_SNAPSHOT_TYPE; the constant is read from the number so no global is touched.
const ORDERED_NODE_SNAPSHOT_TYPE = 7;

function byXPath(root: SearchRoot, value: string, selector: Selector): Element[] {
  const doc = ownerDocumentOf(root);
  // XPath cannot start from a shadow root; evaluate from its host's document instead.
  const context: Node = isShadowRoot(root) ? doc : root;
  let result: XPathResult;
  try {
    result = doc.evaluate(value, context, null, ORDERED_NODE_SNAPSHOT_TYPE, null);
  } catch (e) {
    throw new SelectorError(selector, `it is not valid XPath (${e instanceof Error ? e.message : String(e)})`);
  }
  const out: Element[] = [];
  for (let i = 0; i < result.snapshotLength; i++) {
    const node = result.snapshotItem(i);
    if (isElement(node)) out.push(node);
  }
  return out;
}

/**
 * Every element under `root` that `selector` matches, in tree order. Test ids, roles, labels, text
 * and ids are searched through open shadow roots too; CSS only where `>>>` says so; XPath never.
 * Throws {@link SelectorError} when the selector cannot be evaluated.
 */
export function querySelector(root: SearchRoot, selector: Selector): Element[] {
  const { kind, value } = selector;
  switch (kind) {
    case 'testid': {
      const t = parseTestIdValue(value);
      return deepQueryAll(root, `[${t.attribute}=${cssString(t.value)}]`);
    }
    case 'id':
      return deepQueryAll(root, `[id=${cssString(value)}]`);
    case 'role':
      return byRole(root, value, selector);
    case 'label':
      return byLabel(root, value);
    case 'text':
      return byText(root, value);
    case 'css':
      return byCss(root, value, selector);
    case 'xpath':
      return byXPath(root, value, selector);
  }
}
