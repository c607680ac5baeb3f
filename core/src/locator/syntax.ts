/**
 * The text format of each selector kind's `value`, shared by the recorder (which writes them), the
 * resolver (which reads them), the Chrome Recorder converter and the dashboard (which shows them).
 * Pure string code: no DOM, safe to import anywhere.
 *
 * | kind   | value                                   | matches                                                        |
 * |--------|-----------------------------------------|----------------------------------------------------------------|
 * | testid | `checkout` or `data-qa=checkout`        | `[data-testid="checkout"]`; a prefix names another test-id attribute |
 * | role   | `button "Add to cart"` or `navigation`  | elements with that ARIA role (explicit or implicit) and, if given, exactly that accessible name (JSON string) |
 * | label  | `Email address`                         | elements whose accessible name is exactly this (form controls by their `<label>`, `aria-label`, `aria-labelledby`) |
 * | text   | `Place order`                           | the innermost elements whose visible text is exactly this, retargeted to their interactive ancestor |
 * | id     | `checkout-button`                       | `[id="checkout-button"]`                                       |
 * | css    | `main > ul > li:nth-of-type(2) > button` | CSS; ` >>> ` steps into the open shadow root of the elements matched so far; a leading `>>> ` searches every open shadow root |
 * | xpath  | `//*[@id="cart"]/button[1]`             | XPath 1.0 over the document (does not enter shadow roots)      |
 *
 * Text comparisons collapse whitespace and trim, and are otherwise exact (case-sensitive): the
 * recorder verified each selector against the live page, so exactness costs nothing at record time
 * and buys precision at replay time; fuzzy matching is the healer's job.
 */
import type { Selector, SelectorKind } from '../flow.ts';

export const TEST_ID_ATTRIBUTES = ['data-testid', 'data-test', 'data-qa', 'data-cy'] as const;
export type TestIdAttribute = (typeof TEST_ID_ATTRIBUTES)[number];

/** Collapse runs of whitespace to one space and trim. */
export function normaliseSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------
// testid

export function formatTestIdValue(attribute: TestIdAttribute, value: string): string {
  return attribute === 'data-testid' ? value : `${attribute}=${value}`;
}

export function parseTestIdValue(value: string): { attribute: TestIdAttribute; value: string } {
  for (const attribute of TEST_ID_ATTRIBUTES) {
    if (attribute !== 'data-testid' && value.startsWith(`${attribute}=`)) return { attribute, value: value.slice(attribute.length + 1) };
  }
  if (value.startsWith('data-testid=')) return { attribute: 'data-testid', value: value.slice('data-testid='.length) };
  return { attribute: 'data-testid', value };
}

// ---------------------------------------------------------------------------------------------
// role

export interface RoleValue {
  role: string;
  /** Exact accessible name (whitespace-normalised); absent means any name. */
  name?: string;
}

export function formatRoleValue(role: string, name?: string): string {
  return name === undefined ? role : `${role} ${JSON.stringify(name)}`;
}

/** Parses `button "Add to cart"`; returns null when the value is not in that shape. */
export function parseRoleValue(value: string): RoleValue | null {
  const m = /^([a-z][a-z-]*)(?:\s+("(?:[^"\\]|\\.)*"))?\s*$/.exec(value.trim());
  if (!m || m[1] === undefined) return null;
  if (m[2] === undefined) return { role: m[1] };
  try {
    const name: unknown = JSON.parse(m[2]);
    return typeof name === 'string' ? { role: m[1], name } : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// css with shadow-root steps

export interface ShadowCss {
  /** True when the value starts with `>>>`: the first part is searched in every open shadow root too. */
  deep: boolean;
  /** Plain CSS selectors; each after the first is evaluated inside the shadow roots matched before. */
  parts: string[];
}

/** Splits on `>>>` outside strings, brackets and parentheses. */
export function splitShadowCss(value: string): ShadowCss {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (quote) {
      current += ch;
      if (ch === '\\' && i + 1 < value.length) current += value[++i];
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '(') depth++;
    else if (ch === ']' || ch === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && value.startsWith('>>>', i) && value[i + 3] !== '>') {
      parts.push(current.trim());
      current = '';
      i += 2;
      continue;
    }
    current += ch;
  }
  parts.push(current.trim());
  const deep = parts.length > 1 && parts[0] === '';
  return { deep, parts: deep ? parts.slice(1) : parts };
}

export function joinShadowCss(css: ShadowCss): string {
  return `${css.deep ? '>>> ' : ''}${css.parts.join(' >>> ')}`;
}

/** CSS.escape (CSSOM §2.1.1), reimplemented because Node and Deno have no `CSS` global. */
export function cssEscape(ident: string): string {
  let out = '';
  for (let i = 0; i < ident.length; i++) {
    const code = ident.charCodeAt(i);
    const ch = ident.charAt(i);
    if (code === 0) out += '\uFFFD';
    else if ((code >= 0x1 && code <= 0x1f) || code === 0x7f) out += `\\${code.toString(16)} `;
    else if (i === 0 && code >= 0x30 && code <= 0x39) out += `\\${code.toString(16)} `;
    else if (i === 1 && code >= 0x30 && code <= 0x39 && ident.charCodeAt(0) === 0x2d) out += `\\${code.toString(16)} `;
    else if (i === 0 && ident.length === 1 && code === 0x2d) out += `\\${ch}`;
    else if (code >= 0x80 || code === 0x2d || code === 0x5f || (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) out += ch;
    else out += `\\${ch}`;
  }
  return out;
}

/** A double-quoted CSS string, for attribute selectors. */
export function cssString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\a ').replace(/\r/g, '\\d ')}"`;
}

/** An XPath 1.0 string literal (XPath has no escapes, so mixed quotes need concat()). */
export function xpathLiteral(value: string): string {
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  return `concat(${value
    .split('"')
    .map((part) => `"${part}"`)
    .join(`, '"', `)})`;
}

// ---------------------------------------------------------------------------------------------
// whole selectors as one string (bug rows, CLI output, overlay pins)

const KINDS: readonly SelectorKind[] = ['testid', 'role', 'label', 'text', 'id', 'css', 'xpath'];

/** `{kind:'role', value:'button "Buy"'}` → `role=button "Buy"`; read back by {@link parseSelectorString}. */
export function formatSelector(selector: Pick<Selector, 'kind' | 'value'>): string {
  return `${selector.kind}=${selector.value}`;
}

/** Reads {@link formatSelector} output; anything without a known `kind=` prefix is CSS (axe targets). */
export function parseSelectorString(text: string): Selector {
  const eq = text.indexOf('=');
  if (eq > 0) {
    const kind = text.slice(0, eq) as SelectorKind;
    if (KINDS.includes(kind)) return { kind, value: text.slice(eq + 1) };
  }
  return { kind: 'css', value: text };
}

/** A short human description for messages: `button "Add to cart"`, `#checkout`, `text "Place order"`. */
export function describeSelector(selector: Pick<Selector, 'kind' | 'value'>): string {
  switch (selector.kind) {
    case 'testid': {
      const t = parseTestIdValue(selector.value);
      return `[${t.attribute}=${JSON.stringify(t.value)}]`;
    }
    case 'role':
      return selector.value;
    case 'label':
      return `label ${JSON.stringify(selector.value)}`;
    case 'text':
      return `text ${JSON.stringify(selector.value)}`;
    case 'id':
      return `#${selector.value}`;
    case 'css':
      return selector.value;
    case 'xpath':
      return `xpath ${selector.value}`;
  }
}

/** A syntax problem with a selector value, or null when it is well-formed (no DOM needed). */
export function selectorSyntaxProblem(selector: Pick<Selector, 'kind' | 'value'>): string | null {
  const { kind, value } = selector;
  if (value.trim() === '') return 'must not be empty';
  switch (kind) {
    case 'role':
      return parseRoleValue(value) ? null : `role selector must look like button "Add to cart" (a role, then optionally the exact name as a JSON string), got ${JSON.stringify(value)}`;
    case 'css': {
      const { parts } = splitShadowCss(value);
      return parts.some((p) => p === '') ? `css selector has an empty part around ">>>": ${JSON.stringify(value)}` : null;
    }
    case 'testid':
      return parseTestIdValue(value).value === '' ? 'test id must not be empty' : null;
    default:
      return null;
  }
}
