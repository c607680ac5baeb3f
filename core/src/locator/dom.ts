/**
 * Small DOM helpers shared by the locator: walking through open shadow roots, visibility and
 * visible text. Only standard DOM APIs on nodes passed in; nothing reads `window` or `document`
 * globals, so this bundles into content scripts, page-injected scripts and jsdom tests alike.
 */

/** A place to search: a document, an open shadow root, or an element (its subtree). */
export type SearchRoot = Document | ShadowRoot | Element;

const DOCUMENT_NODE = 9;
const DOCUMENT_FRAGMENT_NODE = 11;
const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

export function isShadowRoot(node: Node | null | undefined): node is ShadowRoot {
  return !!node && node.nodeType === DOCUMENT_FRAGMENT_NODE && 'host' in node;
}

export function isDocument(node: Node | null | undefined): node is Document {
  return !!node && node.nodeType === DOCUMENT_NODE;
}

export function isElement(node: Node | null | undefined): node is Element {
  return !!node && node.nodeType === ELEMENT_NODE;
}

/** The parent element, stepping from a shadow root's top element to its host. */
export function parentElementOrHost(el: Element): Element | null {
  if (el.parentElement) return el.parentElement;
  const parent = el.parentNode;
  return isShadowRoot(parent) ? parent.host : null;
}

/** The document or shadow root an element lives in. */
export function treeRootOf(el: Element): Document | ShadowRoot {
  const root = el.getRootNode();
  return isShadowRoot(root) || isDocument(root) ? root : el.ownerDocument;
}

export function ownerDocumentOf(root: SearchRoot): Document {
  return isDocument(root) ? root : root.ownerDocument;
}

/**
 * Every element under `root` matching `css` (default all), including inside open shadow roots, in
 * tree order with each shadow tree right after its host. Closed shadow roots are invisible to page
 * scripts by design and stay so here.
 */
export function deepQueryAll(root: SearchRoot, css = '*'): Element[] {
  const out: Element[] = [];
  const visit = (scope: Document | ShadowRoot | Element, includeSelf: boolean): void => {
    if (includeSelf && isElement(scope) && scope.matches(css)) out.push(scope);
    const matched = new Set(scope.querySelectorAll(css));
    // One pass over all descendants to keep order and find shadow hosts.
    for (const el of scope.querySelectorAll('*')) {
      if (matched.has(el)) out.push(el);
      if (el.shadowRoot) visit(el.shadowRoot, false);
    }
  };
  if (isElement(root) && root.shadowRoot) {
    visit(root, true);
    visit(root.shadowRoot, false);
  } else {
    visit(root, isElement(root));
  }
  return out;
}

/** Elements that hold open shadow roots under `root` (cheap check before deep searches). */
export function hasOpenShadowRoots(root: SearchRoot): boolean {
  for (const el of root.querySelectorAll('*')) if (el.shadowRoot) return true;
  return false;
}

interface StyleLike {
  display: string;
  visibility: string;
}

function computedStyle(el: Element): StyleLike | null {
  const view = el.ownerDocument.defaultView;
  if (!view || typeof view.getComputedStyle !== 'function') return null;
  return view.getComputedStyle(el);
}

/**
 * Whether an element could be seen: connected, not `hidden`, not display:none (itself or an
 * ancestor) and not visibility:hidden. Uses `checkVisibility()` where the browser has it. It does
 * NOT require a non-zero size, because jsdom and other layout-less environments report zero boxes;
 * the crawler passes its own check (Playwright's) when it needs size too.
 */
export function isVisible(el: Element): boolean {
  if (!el.isConnected) return false;
  const withCheck = el as Element & { checkVisibility?: (opts?: { visibilityProperty?: boolean }) => boolean };
  if (typeof withCheck.checkVisibility === 'function') return withCheck.checkVisibility({ visibilityProperty: true });
  for (let cur: Element | null = el; cur; cur = parentElementOrHost(cur)) {
    if (cur.hasAttribute('hidden')) return false;
    const style = computedStyle(cur);
    if (style?.display === 'none') return false;
    if (cur.tagName === 'TEMPLATE') return false;
  }
  const style = computedStyle(el);
  return !(style && (style.visibility === 'hidden' || style.visibility === 'collapse'));
}

const SKIP_TEXT_TAGS = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'HEAD', 'TITLE', 'META', 'LINK']);

const INLINE_TAGS = new Set(['A', 'ABBR', 'B', 'BDI', 'BDO', 'CITE', 'CODE', 'DATA', 'DFN', 'EM', 'I', 'KBD', 'MARK', 'Q', 'S', 'SAMP', 'SMALL', 'SPAN', 'STRONG', 'SUB', 'SUP', 'TIME', 'U', 'VAR', 'LABEL', 'FONT']);

/** Cheap "is this subtree hidden" for text extraction: the hidden attribute and inline display:none. */
function hiddenForText(el: Element): boolean {
  if (SKIP_TEXT_TAGS.has(el.tagName)) return true;
  if (el.hasAttribute('hidden')) return true;
  const style = el.getAttribute('style');
  return !!style && /display\s*:\s*none/i.test(style);
}

/**
 * The text a person sees in an element, whitespace-collapsed: text nodes, the value of button-like
 * inputs, and open shadow content; skipping scripts, styles and hidden subtrees. `max` bounds the
 * work on huge containers.
 */
export function visibleText(el: Element, max = 500): string {
  const parts: string[] = [];
  let length = 0;
  const walk = (node: Node): void => {
    if (length > max) return;
    if (node.nodeType === TEXT_NODE) {
      // Whitespace-only nodes matter too: they separate inline words ("<b>Add</b> <i>to cart</i>").
      const t = node.nodeValue ?? '';
      parts.push(t);
      length += t.trim().length;
      return;
    }
    if (!isElement(node)) return;
    if (hiddenForText(node)) return;
    if (node.tagName === 'INPUT') {
      const type = (node.getAttribute('type') ?? '').toLowerCase();
      if (type === 'submit' || type === 'button' || type === 'reset') parts.push(` ${node.getAttribute('value') ?? ''} `);
      return;
    }
    if (node.tagName === 'BR') parts.push(' ');
    if (node.shadowRoot) for (const child of node.shadowRoot.childNodes) if (!(isElement(child) && child.tagName === 'SLOT')) walk(child);
    for (const child of node.childNodes) walk(child);
    // Block boundaries separate words ("Price</div><div>12"), inline ones do not ("<b>Add</b>ed").
    if (!INLINE_TAGS.has(node.tagName)) parts.push(' ');
  };
  walk(el);
  const text = parts.join('').replace(/\s+/g, ' ').trim();
  return text.length > max ? text.slice(0, max) : text;
}
