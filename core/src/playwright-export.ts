/**
 * A FlowLens flow as a `@playwright/test` spec (issue 17): the one generator behind
 * `flowlens export --format playwright`, the dashboard's "Download as Playwright test" and the side
 * panel's saved flows. Pure string code: no DOM, Node or Deno imports.
 *
 * What it writes (docs in README, "Take your flows with you"):
 * - one `test()` per flow, one `test.step()` per step named by the step's label;
 * - for each element, one locator from the recorded selectors in Playwright's preferred order —
 *   getByTestId, getByRole with a name, getByLabel, getByText, then CSS (id, CSS path, XPath) —
 *   each checked here to be well-formed and expressible, the first that passes is used;
 * - `{{secret:NAME}}` read from `process.env.FLOWLENS_SECRET_NAME` (the `flowlens check` naming),
 *   with a clear error when it is unset: a secret value is never written into the code;
 * - web-first `expect()` assertions and Playwright's auto-waiting, never fixed sleeps;
 * - comments only where a step healed on the last run or is optional.
 *
 * Everything user- or page-written (flow name, labels, values, selectors) reaches the code only
 * through {@link jsString} / {@link jsRegExp} (escaped literals) or {@link commentText} (one line,
 * no comment terminator), so a hostile flow cannot break out of a literal or a comment.
 */
import type { ElementMeta, Flow, Selector, Step } from './flow.ts';
import { z } from 'zod';
import { FLOW_SCHEMA_VERSION, LABEL_SOURCES, SelectorSchema, STEP_ACTIONS } from './flow.ts';
import { flowFromRows } from './flow-rows.ts';
import { describeSelector, formatSelector, normaliseSpace, parseRoleValue, parseTestIdValue, selectorSyntaxProblem, splitShadowCss } from './locator/syntax.ts';
import { findMalformedSecretPlaceholders, findSecretNames } from './secrets.ts';
import { parseWith } from './validation.ts';
import { VIEWPORT_NAMES, VIEWPORT_PRESETS, VIEWPORT_USER_AGENTS } from './viewport.ts';

// Runtime globals of the *generated* test (Node, the page), kept as data: core itself touches none.
const ENV = 'process.env';
const WINDOW_SCROLL = 'window.scrollTo';

/** FlowLens's default per-step wait (crawler DEFAULT_STEP_TIMEOUT); the generated config uses it too. */
export const PLAYWRIGHT_EXPORT_STEP_TIMEOUT_MS = 10_000;

/** The step healed on the last run: the generated code uses the healed selector and says so. */
export interface HealedStepInfo {
  /** The recorded selector that stopped matching (null when unknown). */
  from: Selector | null;
  /** The selector FlowLens found the element by instead. */
  to: Selector;
  /** 0–1. */
  confidence: number;
}

export interface PlaywrightExportOptions {
  /** The flow's version (database `flows.version`), named in the header. */
  version?: number;
  /** Default address the test runs against (overridable with BASE_URL); default the start URL's origin. */
  baseUrl?: string;
  /** Steps (by index in `flow.steps`) that healed on the last run. */
  healed?: ReadonlyMap<number, HealedStepInfo>;
  /** Names the generator in the header, e.g. `FlowLens 0.1.0`. */
  generator?: string;
}

export interface PlaywrightExport {
  /** `checkout.spec.ts`: a slug of the flow name. */
  filename: string;
  code: string;
}

/** Thrown when a flow cannot become a test; lists every problem, one per line. */
export class PlaywrightExportError extends Error {
  override readonly name = 'PlaywrightExportError';
  readonly problems: readonly string[];

  constructor(flowName: string, problems: readonly string[]) {
    super(`"${flowName}" cannot be exported as a Playwright test:\n  ${problems.join('\n  ')}\nFix those steps in FlowLens (or record them again) and export once more.`);
    this.problems = problems;
  }
}

// ---------------------------------------------------------------------------------------------
// Safe literals

const LINE_TERMINATORS = /[\n\r\u2028\u2029\u0085]/g;

/** Control characters, line and paragraph separators, the BOM and lone surrogates are written as \\u escapes. */
function mustEscape(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 || code === 0xfeff || (code >= 0xd800 && code <= 0xdfff);
}

/**
 * A JavaScript string literal: single-quoted, or double-quoted when that needs fewer escapes (as
 * Prettier does); every control and line-terminator character escaped.
 */
export function jsString(value: string): string {
  const q = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (mustEscape(code)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}${q}`;
}

/** A regular-expression literal matching `value` literally (for toHaveURL / toHaveTitle "contains"). */
export function jsRegExp(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (/[\\^$.*+?()[\]{}|/]/.test(ch)) out += `\\${ch}`;
    else if (mustEscape(code)) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `/${out === '' ? '(?:)' : out}/`;
}

/** Text for inside a comment: one line, no `*\/`, capped. */
export function commentText(value: string, max = 160): string {
  const one = value.replace(LINE_TERMINATORS, ' ').replace(/\*\//g, '* /').replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** A finite number literal, `10_000` style from five digits on. */
function jsNumber(n: number): string {
  if (!Number.isFinite(n)) return '0';
  return Number.isInteger(n) && Math.abs(n) >= 10_000 ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '_') : String(n);
}

// ---------------------------------------------------------------------------------------------
// Locators

/** Roles Playwright's getByRole accepts (its AriaRole type). */
const PLAYWRIGHT_ROLES = new Set(
  (
    'alert alertdialog application article banner blockquote button caption cell checkbox code columnheader combobox complementary contentinfo ' +
    'definition deletion dialog directory document emphasis feed figure form generic grid gridcell group heading img insertion link list listbox ' +
    'listitem log main marquee math meter menu menubar menuitem menuitemcheckbox menuitemradio navigation none note option paragraph presentation ' +
    'progressbar radio radiogroup region row rowgroup rowheader scrollbar search searchbox separator slider spinbutton status strong subscript ' +
    'superscript switch tab table tablist tabpanel term textbox time timer toolbar tooltip tree treegrid treeitem'
  ).split(' '),
);

/** Tags getByLabel finds by their <label>; other elements only by aria-label / aria-labelledby. */
const LABELLABLE = new Set(['input', 'select', 'textarea', 'meter', 'output', 'progress']);

type Rank = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Playwright's preferred order: test id, role with name, label, text, then role alone, id, CSS, XPath. */
function rank(selector: Selector): Rank {
  switch (selector.kind) {
    case 'testid':
      return 0;
    case 'role':
      return parseRoleValue(selector.value)?.name === undefined ? 4 : 1;
    case 'label':
      return 2;
    case 'text':
      return 3;
    case 'id':
      return 5;
    case 'css':
      return 6;
    case 'xpath':
      return 7;
  }
}

/**
 * Checks a CSS or XPath string without a DOM: quotes closed, brackets and parentheses balanced.
 * Returns the problem or null.
 */
function bracketProblem(value: string): string | null {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[' };
  let quote: string | null = null;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '[') stack.push(ch);
    else if (ch === ')' || ch === ']') {
      if (stack.pop() !== pairs[ch]) return `unbalanced "${ch}"`;
    }
  }
  if (quote) return 'a string is not closed';
  if (stack.length > 0) return `unclosed "${stack.at(-1)}"`;
  return null;
}

/** Outside quotes and brackets, does `value` contain `>>` (Playwright's chaining operator)? */
function hasChainOperator(value: string): boolean {
  let quote: string | null = null;
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(' || ch === '[') depth++;
    else if (ch === ')' || ch === ']') depth--;
    else if (depth === 0 && ch === '>' && value[i + 1] === '>') return true;
  }
  return false;
}

function cssPartProblem(part: string): string | null {
  if (part.trim() === '') return 'an empty part';
  if (/[>+~,]\s*$/.test(part.trim())) return 'it ends with a combinator';
  if (hasChainOperator(part)) return 'it contains ">>"';
  // Playwright reads `xpath=…`, `text=…`, `//…` as other selector engines; a CSS selector never starts so.
  if (/^(\/\/|\.\.|[a-z-]+=)/i.test(part.trim())) return 'it would be read as another Playwright selector engine';
  return bracketProblem(part);
}

const SIMPLE_ID = /^[A-Za-z_][\w-]*$/;

/**
 * The Playwright locator expression (from `root`, e.g. `page`) for one selector, or the reason it
 * cannot be one. Both the syntax and Playwright's meaning of the kind are checked.
 */
export function playwrightLocator(selector: Selector, root: string, element?: ElementMeta): { code: string } | { problem: string } {
  const syntax = selectorSyntaxProblem(selector);
  const what = formatSelector(selector);
  if (syntax) return { problem: `${what}: ${syntax}` };
  const value = selector.value;
  switch (selector.kind) {
    case 'testid': {
      const t = parseTestIdValue(value);
      if (t.attribute === 'data-testid') return { code: `${root}.getByTestId(${jsString(t.value)})` };
      return { code: `${root}.locator(${jsString(`[${t.attribute}=${cssQuoted(t.value)}]`)})` };
    }
    case 'role': {
      const r = parseRoleValue(value);
      if (!r) return { problem: `${what}: not a role selector` };
      if (!PLAYWRIGHT_ROLES.has(r.role)) return { problem: `${what}: "${r.role}" is not an ARIA role Playwright knows` };
      if (r.name === undefined) return { code: `${root}.getByRole(${jsString(r.role)})` };
      const name = normaliseSpace(r.name);
      if (name === '') return { problem: `${what}: empty name` };
      return { code: `${root}.getByRole(${jsString(r.role)}, { name: ${jsString(name)}, exact: true })` };
    }
    case 'label': {
      const name = normaliseSpace(value);
      // FlowLens's label kind is any accessible name; Playwright's getByLabel finds form controls by
      // their <label>, and other elements only by aria-label / aria-labelledby.
      if (element && !LABELLABLE.has(element.tag) && element.attributes['aria-label'] === undefined) {
        return { problem: `${what}: getByLabel does not find a <${element.tag}> by its name` };
      }
      return { code: `${root}.getByLabel(${jsString(name)}, { exact: true })` };
    }
    case 'text':
      return { code: `${root}.getByText(${jsString(normaliseSpace(value))}, { exact: true })` };
    case 'id':
      return { code: `${root}.locator(${jsString(SIMPLE_ID.test(value) ? `#${value}` : `[id=${cssQuoted(value)}]`)})` };
    case 'css': {
      // Playwright's CSS engine already pierces open shadow roots, so FlowLens's `>>>` steps become chained locators.
      const { parts } = splitShadowCss(value);
      for (const part of parts) {
        const problem = cssPartProblem(part);
        if (problem) return { problem: `${what}: not well-formed CSS (${problem})` };
      }
      return { code: parts.reduce((acc, part) => `${acc}.locator(${jsString(part)})`, root) };
    }
    case 'xpath': {
      const v = value.trim();
      if (!/^(\/|\(|\.)/.test(v)) return { problem: `${what}: an XPath must start with "/", "(" or "."` };
      const problem = bracketProblem(v);
      if (problem) return { problem: `${what}: not well-formed XPath (${problem})` };
      return { code: `${root}.locator(${jsString(`xpath=${v}`)})` };
    }
  }
}

function cssQuoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\a ').replace(/\r/g, '\\d ')}"`;
}

/**
 * The selectors in the order the export tries them: FlowLens's first-ranked selector leads when it
 * is semantic (test id, role+name, label, text) — what the recorder found best, or a healed
 * selector someone accepted — and the rest follow in Playwright's preferred order.
 */
export function exportSelectorOrder(selectors: readonly Selector[]): Selector[] {
  const [first, ...rest] = selectors;
  if (!first) return [];
  const sorted = (list: readonly Selector[]) => list.map((s, i) => ({ s, i })).sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i).map((x) => x.s);
  return rank(first) <= 3 ? [first, ...sorted(rest)] : sorted(selectors);
}

// ---------------------------------------------------------------------------------------------
// Steps

/** `PASSWORD` → `secretPassword`, `API_TOKEN` → `secretApiToken`. */
function secretVariable(name: string): string {
  return `secret${name
    .toLowerCase()
    .split('_')
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')}`;
}

/** A typed value as an expression: literal text and secret variables joined with `+`. */
function valueExpression(value: string): string {
  if (findSecretNames(value).length === 0) return jsString(value);
  const parts: string[] = [];
  let last = 0;
  for (const m of value.matchAll(/\{\{secret:([A-Z0-9_]+)\}\}/g)) {
    if (m.index > last) parts.push(jsString(value.slice(last, m.index)));
    parts.push(secretVariable(m[1] ?? ''));
    last = m.index + m[0].length;
  }
  if (last < value.length) parts.push(jsString(value.slice(last)));
  return parts.join(' + ');
}

function timeoutOption(ms: number | undefined): string {
  return ms === undefined ? '' : `{ timeout: ${jsNumber(ms)} }`;
}

function withOptions(...objects: string[]): string {
  return objects.filter(Boolean).join(', ');
}

interface StepCode {
  lines: string[];
  problems: string[];
}

function relativeUrl(url: string, origin: string): string {
  try {
    const u = new URL(url);
    return u.origin === origin ? `${u.pathname}${u.search}${u.hash}` : u.href;
  } catch {
    return url;
  }
}

function stepCode(step: Step, index: number, flow: Flow, origin: string, healed: HealedStepInfo | undefined): StepCode {
  const problems: string[] = [];
  const lines: string[] = [];
  // A flow-wide timeout is the spec's actionTimeout (test.use); assertions are not covered by it, so
  // they carry it themselves. An optional step gets a bounded wait, so a step that does not apply
  // cannot eat the test's time.
  const isAssertion = step.action === 'assert' || step.action === 'waitFor';
  const explicitTimeout = step.timeoutMs ?? (isAssertion ? flow.timeoutMs : undefined);
  const timeout = step.optional ? (explicitTimeout ?? flow.timeoutMs ?? PLAYWRIGHT_EXPORT_STEP_TIMEOUT_MS) : explicitTimeout;
  const root = step.frame && step.frame.length > 0 ? step.frame.reduce((acc, i) => `${acc}.locator('iframe').nth(${jsNumber(i)}).contentFrame()`, 'page') : 'page';

  let locator: string | null = null;
  const selectors = 'selectors' in step && step.selectors ? step.selectors : [];
  if (selectors.length > 0 || healed) {
    const element = 'element' in step ? step.element : undefined;
    const ordered = exportSelectorOrder(healed ? [healed.to, ...selectors] : selectors);
    const tried: string[] = [];
    for (const s of ordered) {
      const r = playwrightLocator(s, root, element);
      if ('code' in r) {
        locator = r.code;
        break;
      }
      tried.push(r.problem);
    }
    if (locator === null) problems.push(`step ${index + 1} (${step.label || step.action}): no selector can be a Playwright locator — ${tried.join('; ')}`);
  }
  if (healed) {
    const conf = Math.round(healed.confidence * 100);
    lines.push(
      `// Healed on the last FlowLens run: ${healed.from ? `${commentText(formatSelector(healed.from), 80)} no longer matched; ` : ''}the element was found by ${commentText(formatSelector(healed.to), 80)} (${conf}% sure). Review it in FlowLens.`,
    );
  }
  const loc = locator ?? 'page';
  const t = timeoutOption(timeout);
  let action: string;
  switch (step.action) {
    case 'navigate':
      action = `await page.goto(${jsString(relativeUrl(step.url, origin))}${t ? `, ${t}` : ''});`;
      break;
    case 'click': {
      const opts: string[] = [];
      if (step.button && step.button !== 'left') opts.push(`button: ${jsString(step.button)}`);
      if (step.clickCount === 3) opts.push('clickCount: 3');
      if (timeout !== undefined) opts.push(`timeout: ${jsNumber(timeout)}`);
      action = `await ${loc}.${step.clickCount === 2 ? 'dblclick' : 'click'}(${opts.length > 0 ? `{ ${opts.join(', ')} }` : ''});`;
      break;
    }
    case 'input':
      action = `await ${loc}.fill(${withOptions(valueExpression(step.value), t)});`;
      break;
    case 'select':
      action = `await ${loc}.selectOption(${withOptions(jsString(step.value), t)});`;
      break;
    case 'check':
      action = `await ${loc}.${step.checked ? 'check' : 'uncheck'}(${t});`;
      break;
    case 'submit':
      action = `await ${loc}.evaluate((el) => el.closest('form')!.requestSubmit());`;
      break;
    case 'keypress':
      action = locator ? `await ${loc}.press(${withOptions(jsString(step.key), t)});` : `await page.keyboard.press(${jsString(step.key)});`;
      break;
    case 'scroll': {
      const x = jsNumber(step.x ?? 0);
      const y = jsNumber(step.y ?? 0);
      action = locator ? `await ${loc}.evaluate((el) => el.scrollTo(${x}, ${y}));` : `await page.evaluate(() => ${WINDOW_SCROLL}(${x}, ${y}));`;
      break;
    }
    case 'waitFor': {
      const op = step.operator ?? '>=';
      const count = step.count ?? 1;
      const not = step.state === 'absent' ? '.not' : '';
      const te = t ? `, ${t}` : '';
      if (op === '>=' && count === 1) action = step.state === 'absent' ? `await expect(${loc}).toHaveCount(0${te});` : `await expect(${loc}.first()).toBeAttached(${t});`;
      else if (op === '==') action = `await expect(${loc})${not}.toHaveCount(${jsNumber(count)}${te});`;
      else action = `await expect.poll(() => ${loc}.count()${te})${not}.${op === '>=' ? 'toBeGreaterThanOrEqual' : 'toBeLessThanOrEqual'}(${jsNumber(count)});`;
      break;
    }
    case 'assert': {
      const value = step.value ?? '';
      const te = t ? `, ${t}` : '';
      if (step.assertion === 'urlContains') action = `await expect(page).toHaveURL(${jsRegExp(value)}${te});`;
      else if (step.assertion === 'titleContains') action = `await expect(page).toHaveTitle(${jsRegExp(value)}${te});`;
      else if (step.assertion === 'elementVisible') action = `await expect(${loc}).toBeVisible(${t});`;
      else if (locator) action = `await expect(${loc}).toContainText(${jsString(value)}${te});`;
      else action = `await expect(${root}.getByText(${jsString(value)}).first()).toBeVisible(${t});`;
      break;
    }
  }
  if (step.optional) {
    lines.push('// Optional in FlowLens: when this step fails the flow carries on, so the test does too.');
    lines.push('try {', `  ${action}`, '} catch {', `  test.info().annotations.push({ type: 'optional step failed', description: ${jsString(step.label || step.action)} });`, '}');
  } else {
    lines.push(action);
  }
  return { lines, problems };
}

// ---------------------------------------------------------------------------------------------
// The spec

/** A label for a step that has none (hand-written or imported flows): the action and its target. */
function fallbackLabel(step: Step, origin: string): string {
  const first = 'selectors' in step ? step.selectors?.[0] : undefined;
  const target = first ? describeSelector(first) : '';
  switch (step.action) {
    case 'navigate':
      return `Go to ${relativeUrl(step.url, origin)}`;
    case 'click':
      return `${step.clickCount === 2 ? 'Double-click' : 'Click'} ${target}`;
    case 'input':
      return `Fill ${target}`;
    case 'select':
      return `Select ${JSON.stringify(step.optionText || step.value)} in ${target}`;
    case 'check':
      return `${step.checked ? 'Check' : 'Uncheck'} ${target}`;
    case 'submit':
      return `Submit ${target}`;
    case 'keypress':
      return target ? `Press ${step.key} in ${target}` : `Press ${step.key}`;
    case 'scroll':
      return target ? `Scroll ${target}` : 'Scroll the page';
    case 'waitFor':
      return `Wait for ${target}${step.state === 'absent' ? ' to go' : ''}`;
    case 'assert':
      return step.assertion === 'elementVisible' ? `Check ${target} is visible` : `Check ${step.assertion === 'urlContains' ? 'the URL contains' : step.assertion === 'titleContains' ? 'the title contains' : 'the page shows'} ${JSON.stringify(step.value ?? '')}`;
  }
}

/** `Sign up & pay!` → `sign-up-pay`. */
export function playwrightSpecSlug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60)
      .replace(/-$/, '') || 'flow'
  );
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

/**
 * The flow as a readable `@playwright/test` spec. Throws {@link PlaywrightExportError} listing
 * every step that cannot be expressed (no usable selector, a malformed secret placeholder).
 */
export function generatePlaywrightTest(flow: Flow, options: PlaywrightExportOptions = {}): PlaywrightExport {
  const origin = originOf(flow.startUrl);
  const baseUrl = options.baseUrl ? originOf(options.baseUrl) : origin;
  const problems: string[] = [];
  const secrets: string[] = [];
  flow.steps.forEach((step, i) => {
    const value = step.action === 'input' ? step.value : undefined;
    if (value === undefined) return;
    const bad = findMalformedSecretPlaceholders(value);
    if (bad.length > 0) problems.push(`step ${i + 1} (${step.label || step.action}): malformed secret placeholder ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
    for (const n of findSecretNames(value)) if (!secrets.includes(n)) secrets.push(n);
  });

  // The test starts at the start URL; a first navigate step is that same visit (as the crawler replays it).
  const steps: { step: Step; index: number | null }[] = flow.steps.map((step, index) => ({ step, index }));
  if (flow.steps[0]?.action !== 'navigate') steps.unshift({ step: { action: 'navigate', url: flow.startUrl, label: 'Open the start page', labelSource: 'template' } as Step, index: null });

  const body: string[] = [];
  for (const name of secrets) {
    const v = secretVariable(name);
    body.push(`const ${v} = ${ENV}.FLOWLENS_SECRET_${name};`);
    body.push(`if (${v} === undefined) throw new Error(${jsString(`Set FLOWLENS_SECRET_${name} to the ${name} secret this flow types (the same variable flowlens check reads).`)});`);
  }
  if (secrets.length > 0) body.push('');
  steps.forEach(({ step, index }, n) => {
    const healed = index === null ? undefined : options.healed?.get(index);
    const code = stepCode(step, index ?? 0, flow, origin, healed);
    problems.push(...code.problems);
    const label = step.label.trim() || fallbackLabel(step, origin);
    if (n > 0) body.push('');
    body.push(`await test.step(${jsString(label)}, async () => {`, ...code.lines.map((l) => `  ${l}`), '});');
  });
  if (problems.length > 0) throw new PlaywrightExportError(flow.name, problems);

  const filename = `${playwrightSpecSlug(flow.name)}.spec.ts`;
  const header = [
    '/**',
    ` * ${commentText(flow.name, 200)} — FlowLens flow${options.version !== undefined ? `, version ${jsNumber(options.version)}` : ''} (flow schema ${FLOW_SCHEMA_VERSION}), as a Playwright test.`,
    ` * Recorded on ${commentText(flow.startUrl, 200)}${flow.critical ? '; a critical flow' : ''}.`,
    ' *',
    ' * Run it:',
    ` *   ${secrets.map((s) => `FLOWLENS_SECRET_${s}=… `).join('')}npx playwright test ${filename}`,
    ' * Against another address (staging, localhost):',
    ` *   BASE_URL=http://localhost:3000 ${secrets.map((s) => `FLOWLENS_SECRET_${s}=… `).join('')}npx playwright test ${filename}`,
    ...(secrets.length > 0 ? [` * Secrets are read from the environment, never written here: ${secrets.map((s) => `FLOWLENS_SECRET_${s}`).join(', ')}.`] : []),
    ' *',
    ` * Generated by ${commentText(options.generator ?? 'FlowLens', 60)} (flowlens export --format playwright).`,
    ' */',
  ];
  const code = [
    ...header,
    "import { expect, test } from '@playwright/test';",
    '',
    `test.use({ baseURL: ${ENV}.BASE_URL || ${jsString(baseUrl)}${flow.timeoutMs !== undefined ? `, actionTimeout: ${jsNumber(flow.timeoutMs)}, navigationTimeout: ${jsNumber(flow.timeoutMs)}` : ''} });`,
    '',
    `test(${jsString(flow.name)}, async ({ page }) => {`,
    ...body.map((l) => (l === '' ? '' : `  ${l}`)),
    '});',
    '',
  ].join('\n');
  return { filename, code };
}

// ---------------------------------------------------------------------------------------------
// From the database: the dashboard's and the side panel's download

/**
 * A stored flow as the dashboard and the side panel read it (flows, flow_steps and pending
 * selector_proposals rows); parsed here so callers pass PostgREST data as it came, without casts.
 */
export const StoredFlowExportInputSchema = z.object({
  flow: z.object({
    id: z.string(),
    site_id: z.string(),
    name: z.string(),
    start_url: z.string(),
    critical: z.boolean(),
    schema_version: z.number(),
    version: z.number().int().min(1),
  }),
  steps: z
    .array(
      z.object({
        id: z.string(),
        position: z.number().int().min(0),
        action: z.enum(STEP_ACTIONS),
        data: z.record(z.string(), z.unknown()),
        label: z.string(),
        label_source: z.enum(LABEL_SOURCES),
        label_confidence: z.number().nullable(),
        instruction: z.string().nullable(),
        screenshot_path: z.string().nullable(),
      }),
    )
    .max(500),
  proposals: z
    .array(z.object({ step_id: z.string(), from_selector: z.unknown(), to_selector: z.unknown(), confidence: z.number(), status: z.string() }))
    .max(500)
    .default([]),
});
export type StoredFlowExportInput = z.input<typeof StoredFlowExportInputSchema>;

/**
 * The stored flow as a spec, with its database version in the header and each pending healed
 * selector used (with a comment). Rows are validated through the flow schema, never cast.
 */
export function generatePlaywrightTestFromRows(rows: unknown, options: Omit<PlaywrightExportOptions, 'version' | 'healed'> = {}): PlaywrightExport {
  const input = parseWith(StoredFlowExportInputSchema, rows, 'Stored flow');
  const flow = flowFromRows(input.flow, input.steps);
  const ordered = [...input.steps].sort((a, b) => a.position - b.position);
  const healed = new Map<number, HealedStepInfo>();
  for (const p of input.proposals) {
    if (p.status !== 'pending') continue;
    const index = ordered.findIndex((s) => s.id === p.step_id);
    const to = SelectorSchema.safeParse(p.to_selector);
    const from = SelectorSchema.safeParse(p.from_selector);
    if (index < 0 || !to.success || !Number.isFinite(p.confidence)) continue;
    const prev = healed.get(index);
    if (!prev || p.confidence > prev.confidence) healed.set(index, { from: from.success ? from.data : null, to: to.data, confidence: Math.min(1, Math.max(0, p.confidence)) });
  }
  return generatePlaywrightTest(flow, { ...options, version: input.flow.version, healed });
}

// ---------------------------------------------------------------------------------------------
// playwright.config.ts

/**
 * A `playwright.config.ts` with one project per FlowLens viewport (the crawler's sizes, touch and
 * user agents) and FlowLens's per-step wait for actions and assertions.
 */
export function generatePlaywrightConfig(options: { generator?: string } = {}): string {
  const projects = VIEWPORT_NAMES.map((name) => {
    const p = VIEWPORT_PRESETS[name];
    const ua = VIEWPORT_USER_AGENTS[name];
    const use = [
      "browserName: 'chromium'",
      `viewport: { width: ${p.width}, height: ${p.height} }`,
      `deviceScaleFactor: ${p.deviceScaleFactor}`,
      `isMobile: ${p.isMobile}`,
      `hasTouch: ${p.hasTouch}`,
      ...(ua ? [`userAgent: ${jsString(ua)}`] : []),
    ];
    return [`    {`, `      name: ${jsString(name)},`, `      use: {`, ...use.map((u) => `        ${u},`), `      },`, `    },`];
  });
  const ms = PLAYWRIGHT_EXPORT_STEP_TIMEOUT_MS.toLocaleString('en-US').replace(/,/g, '_');
  return [
    '/**',
    ' * Playwright configuration for tests exported from FlowLens: one project per viewport FlowLens',
    ' * replays on (desktop, tablet and mobile, the crawler\'s sizes), and FlowLens\'s per-step wait.',
    ' *',
    ' *   npx playwright test                      every exported flow on every viewport',
    ' *   npx playwright test --project=mobile     one viewport',
    ' *',
    ` * Generated by ${commentText(options.generator ?? 'FlowLens', 60)} (flowlens export --format playwright --config).`,
    ' */',
    "import { defineConfig } from '@playwright/test';",
    '',
    'export default defineConfig({',
    `  expect: { timeout: ${ms} },`,
    `  use: { actionTimeout: ${ms}, trace: 'retain-on-failure' },`,
    '  projects: [',
    ...projects.flat(),
    '  ],',
    '});',
    '',
  ].join('\n');
}
