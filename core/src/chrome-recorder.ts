/**
 * Chrome DevTools Recorder JSON (the @puppeteer/replay UserFlow schema) to and from FlowLens flows.
 *
 * Import (Chrome → FlowLens), step by step:
 *
 * | Chrome step                | FlowLens                                                                  |
 * |----------------------------|---------------------------------------------------------------------------|
 * | setViewport                | the `page.viewport` of the steps that follow (no step of its own)         |
 * | navigate (first)           | the flow's startUrl                                                       |
 * | navigate (later)           | navigate                                                                  |
 * | click / doubleClick        | click (clickCount 2 for doubleClick); button and offset kept              |
 * | change                     | select when a selector names a <select>, else input; a value typed into a |
 * |                            | field whose selectors say "password" becomes {{secret:PASSWORD}}           |
 * | keyDown … keyUp            | one keypress per key, modifiers held at the time joined: `Control+a`      |
 * | scroll                     | scroll                                                                    |
 * | waitForElement             | waitFor (operator, count; `visible: false` → state absent)               |
 * | waitForExpression          | assert, only for the three expressions export writes (URL, title, text)   |
 * | assertedEvents navigation  | on a click/key/change: an assert urlContains after it (the URL's path up  |
 * |                            | to its first id segment — ids and query strings differ every run)         |
 * | hover, close, customStep,  | rejected, naming the step (index and type); with `skipUnsupported` they   |
 * | emulateNetworkConditions,  | are skipped with a warning instead                                        |
 * | waitForExpression (other), |                                                                           |
 * | a `target` other than main |                                                                           |
 *
 * Selectors: `aria/Name[role="r"]` → role, `aria/Name` → label (accessible name), `text/…` → text,
 * `xpath/…` → xpath, `pierce/X` → css `>>> X`, nested arrays (shadow paths) → css parts joined by
 * ` >>> `, `[data-testid="x"]` (and data-test/qa/cy) → testid, `#id` → id, other strings → css.
 *
 * Export (FlowLens → Chrome) is the inverse; what Chrome cannot express is mapped to its closest
 * equivalent: check → click, submit → Enter, assert elementVisible/textVisible → waitForElement,
 * urlContains → the previous step's assertedEvents (else a waitForExpression), titleContains → a
 * waitForExpression. So that nothing is lost on a round trip through a file, export also writes the
 * exact flow under a top-level `flowlens` key (Chrome ignores unknown keys); import uses it only if
 * exporting it again reproduces the file's Chrome steps exactly — if someone edited the recording in
 * Chrome, the Chrome steps win.
 */
import { z } from 'zod';
import {
  FLOW_SCHEMA_VERSION,
  parseFlow,
  safeParseFlow,
  type AssertStep,
  type ClickStep,
  type Flow,
  type PageContext,
  type Selector,
  type Step,
} from './flow.ts';
import { cssEscape, cssString, formatRoleValue, parseRoleValue, parseTestIdValue, splitShadowCss, TEST_ID_ATTRIBUTES } from './locator/syntax.ts';
import { formatSecretPlaceholder } from './secrets.ts';
import { idSegmentRule, originOf } from './url-template.ts';
import { ValidationError, formatPath, parseWith, type ValidationIssue } from './validation.ts';
import { importedStepLabel } from './import-labels.ts';

// ---------------------------------------------------------------------------------------------
// The Chrome Recorder shape (what we read and write)

export type ChromeSelector = string | string[];

export interface ChromeNavigationEvent {
  type: 'navigation';
  url?: string;
  title?: string;
}

export interface ChromeStep {
  type: string;
  target?: string;
  frame?: number[];
  timeout?: number;
  selectors?: ChromeSelector[];
  assertedEvents?: ChromeNavigationEvent[];
  [key: string]: unknown;
}

export interface ChromeRecording {
  title: string;
  timeout?: number;
  selectorAttribute?: string;
  steps: ChromeStep[];
  /** FlowLens extension: the exact flow this recording was exported from (see module comment). */
  flowlens?: { schemaVersion: number; flow: Flow };
}

const ChromeSelectorSchema = z.union([z.string(), z.array(z.string()).min(1)]);
const ChromeStepSchema = z.looseObject({
  type: z.string().min(1),
  target: z.string().optional(),
  frame: z.array(z.number().int().min(0)).optional(),
  timeout: z.number().positive().optional(),
  selectors: z.array(ChromeSelectorSchema).optional(),
  assertedEvents: z.array(z.looseObject({ type: z.string(), url: z.string().optional(), title: z.string().optional() })).optional(),
});
const ChromeRecordingSchema = z.looseObject({
  title: z.string(),
  timeout: z.number().positive().optional(),
  selectorAttribute: z.string().optional(),
  steps: z.array(ChromeStepSchema),
});

/** True when `input` looks like a Chrome Recorder file rather than a FlowLens flow. */
export function isChromeRecording(input: unknown): boolean {
  if (typeof input !== 'object' || input === null) return false;
  const o = input as Record<string, unknown>;
  return typeof o['title'] === 'string' && Array.isArray(o['steps']) && !('startUrl' in o) && (o['steps'] as unknown[]).every((s) => typeof s === 'object' && s !== null && typeof (s as Record<string, unknown>)['type'] === 'string');
}

// ---------------------------------------------------------------------------------------------
// Selectors

/** Undoes CSS escapes: `\31 23` → `123`, `\:` → `:` (out-of-range code points become U+FFFD, as in CSS). */
function cssUnescape(text: string): string {
  return text.replace(/\\([0-9a-fA-F]{1,6}\s?|.)/g, (_m, esc: string) => {
    if (!/^[0-9a-fA-F]/.test(esc)) return esc;
    const code = Number.parseInt(esc.trim(), 16);
    return code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? '\uFFFD' : String.fromCodePoint(code);
  });
}

const TEST_ID_CSS = new RegExp(`^\\[(${TEST_ID_ATTRIBUTES.join('|')})=(?:"((?:[^"\\\\]|\\\\.)*)"|'((?:[^'\\\\]|\\\\.)*)'|([^\\]\\s"']+))\\]$`);
const ID_CSS = /^#((?:\\[0-9a-fA-F]{1,6}\s?|\\.|[\w-]|[^\p{ASCII}])+)$/u;

function fromCssString(css: string): Selector {
  const t = TEST_ID_CSS.exec(css);
  if (t?.[1]) {
    const raw = t[2] ?? t[3] ?? t[4] ?? '';
    const attribute = t[1] as (typeof TEST_ID_ATTRIBUTES)[number];
    const value = cssUnescape(raw);
    return { kind: 'testid', value: attribute === 'data-testid' ? value : `${attribute}=${value}` };
  }
  const id = ID_CSS.exec(css);
  if (id?.[1]) return { kind: 'id', value: cssUnescape(id[1]) };
  return { kind: 'css', value: css };
}

/** One Chrome selector → ours, or null with a reason when it has no FlowLens equivalent. */
export function fromChromeSelector(selector: ChromeSelector): Selector | { unsupported: string } {
  const parts = typeof selector === 'string' ? [selector] : selector;
  if (parts.length > 1) {
    const bad = parts.find((p, i) => /^(aria|text|xpath)\//.test(p) || (i > 0 && p.startsWith('pierce/')));
    if (bad !== undefined) return { unsupported: `shadow path ${JSON.stringify(parts)} mixes in ${bad.split('/')[0]} selectors` };
    const deep = parts[0]?.startsWith('pierce/') ?? false;
    const cssParts = parts.map((p, i) => (i === 0 && deep ? p.slice('pierce/'.length) : p));
    return { kind: 'css', value: `${deep ? '>>> ' : ''}${cssParts.join(' >>> ')}` };
  }
  const s = parts[0] ?? '';
  if (s.startsWith('aria/')) {
    const body = s.slice('aria/'.length);
    const m = /^(.*)\[role="([a-z][a-z-]*)"\]$/.exec(body);
    if (m?.[2] !== undefined) return { kind: 'role', value: m[1] === '' ? m[2] : formatRoleValue(m[2], m[1] ?? '') };
    return { kind: 'label', value: body };
  }
  if (s.startsWith('text/')) return { kind: 'text', value: s.slice('text/'.length) };
  if (s.startsWith('xpath/')) return { kind: 'xpath', value: s.slice('xpath/'.length) };
  if (s.startsWith('pierce/')) return { kind: 'css', value: `>>> ${s.slice('pierce/'.length)}` };
  return fromCssString(s);
}

/** Ours → Chrome; null when Chrome cannot express it (a role without a name). */
export function toChromeSelector(selector: Selector): string[] | null {
  switch (selector.kind) {
    case 'testid': {
      const t = parseTestIdValue(selector.value);
      return [`[${t.attribute}=${cssString(t.value)}]`];
    }
    case 'role': {
      const r = parseRoleValue(selector.value);
      if (!r || r.name === undefined) return null;
      return [`aria/${r.name}[role="${r.role}"]`];
    }
    case 'label':
      return [`aria/${selector.value}`];
    case 'text':
      return [`text/${selector.value}`];
    case 'id':
      return [`#${cssEscape(selector.value)}`];
    case 'xpath':
      return [`xpath/${selector.value}`];
    case 'css': {
      const { deep, parts } = splitShadowCss(selector.value);
      return deep ? [`pierce/${parts[0] ?? ''}`, ...parts.slice(1)] : parts;
    }
  }
}

function toChromeSelectors(selectors: readonly Selector[]): ChromeSelector[] {
  return selectors.map(toChromeSelector).filter((s): s is string[] => s !== null);
}

// ---------------------------------------------------------------------------------------------
// Import

export interface ChromeImportOptions {
  /** Skip unsupported steps with a warning instead of rejecting the recording. Default false. */
  skipUnsupported?: boolean;
  /** Flow name; defaults to the recording's title. */
  name?: string;
  critical?: boolean;
  siteId?: string;
}

export interface ChromeImportResult {
  flow: Flow;
  /** Things worth telling the user (skipped steps, values replaced by secret placeholders). */
  warnings: string[];
}

const MODIFIERS = new Set(['Control', 'Shift', 'Alt', 'Meta']);

/** The part of a navigated-to URL that stays the same every run: its path up to the first id segment. */
export function stableUrlFragment(url: string, startUrl: string): string {
  let u: URL;
  try {
    u = new URL(url, startUrl);
  } catch {
    return url;
  }
  const segments = u.pathname.split('/').filter((s) => s !== '');
  const firstId = segments.findIndex((s) => idSegmentRule(s) !== null);
  const kept = firstId === -1 ? segments : segments.slice(0, firstId);
  const trailing = kept.length > 0 && (firstId !== -1 || u.pathname.endsWith('/'));
  const path = `/${kept.join('/')}${trailing ? '/' : ''}`;
  return u.origin === originOf(startUrl) ? path : `${u.origin}${path}`;
}

function looksLikeSelect(selectors: readonly Selector[]): boolean {
  return selectors.some((s) => (s.kind === 'css' && /(^|[\s>+~])select(?=$|[.#[:\s>+~])/i.test(s.value.split('>>>').pop() ?? '')) || (s.kind === 'xpath' && /\/select(\[\d+\])?$/i.test(s.value)) || (s.kind === 'role' && /^(combobox|listbox)\b/.test(s.value)));
}

function looksLikePassword(selectors: readonly Selector[]): boolean {
  return selectors.some((s) => /(?<![a-z])(pass(word|wd)?\b|pwd)/i.test(s.value));
}

const EXPORTED_EXPRESSIONS: readonly { assertion: AssertStep['assertion']; pattern: RegExp; make: (value: string) => string }[] = [
  { assertion: 'urlContains', pattern: /^location\.href\.includes\(("(?:[^"\\]|\\.)*")\)$/, make: (v) => `location.href.includes(${JSON.stringify(v)})` },
  { assertion: 'titleContains', pattern: /^document\.title\.includes\(("(?:[^"\\]|\\.)*")\)$/, make: (v) => `document.title.includes(${JSON.stringify(v)})` },
  { assertion: 'textVisible', pattern: /^document\.body\.innerText\.includes\(("(?:[^"\\]|\\.)*")\)$/, make: (v) => `document.body.innerText.includes(${JSON.stringify(v)})` },
];

/** A stable JSON text of a value (sorted keys, undefined dropped) for structural comparison. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

function fromExtension(raw: Record<string, unknown>, recording: z.output<typeof ChromeRecordingSchema>): Flow | null {
  const ext = raw['flowlens'];
  if (typeof ext !== 'object' || ext === null) return null;
  const parsed = safeParseFlow((ext as Record<string, unknown>)['flow']);
  if (!parsed.ok) return null;
  const again = exportChromeRecording(parsed.value, { includeFlowLensData: false });
  const { flowlens: _ignored, ...standard } = recording as Record<string, unknown>;
  return canonical(again) === canonical(standard) ? parsed.value : null;
}

/**
 * Converts a Chrome Recorder recording (parsed JSON) into a FlowLens flow. Throws a ValidationError
 * listing every step that cannot be converted (`steps[4] (hover): …`) unless `skipUnsupported`.
 */
export function importChromeRecording(input: unknown, options: ChromeImportOptions = {}): ChromeImportResult {
  const recording = parseWith(ChromeRecordingSchema, input, 'Chrome Recorder recording', 'Export the recording again from Chrome DevTools → Recorder → Export → JSON.');
  const exact = fromExtension(input as Record<string, unknown>, recording);
  if (exact) {
    const flow = { ...exact, ...(options.name ? { name: options.name } : {}), ...(options.critical !== undefined ? { critical: options.critical } : {}), ...(options.siteId ? { siteId: options.siteId } : {}) };
    return { flow, warnings: [] };
  }

  const problems: ValidationIssue[] = [];
  const warnings: string[] = [];
  const steps: Record<string, unknown>[] = [];
  let startUrl: string | null = null;
  let viewport: PageContext['viewport'];
  let pageUrl: string | null = null;
  let pageTitle = '';
  const pressed = new Set<string>();
  const heldModifiers: { key: string; used: boolean }[] = [];

  const where = (i: number, type: string) => `${formatPath(['steps', i])} (${type})`;
  const unsupported = (i: number, type: string, why: string) => {
    const message = `${why}`;
    if (options.skipUnsupported) warnings.push(`${where(i, type)} skipped: ${message}`);
    else problems.push({ path: `${formatPath(['steps', i])} (${type})`, message: `${message}; remove the step in Chrome's Recorder, or import with "skip unsupported steps"` });
  };
  const page = (): { page?: PageContext } => (pageUrl ? { page: { url: pageUrl, title: pageTitle, ...(viewport ? { viewport } : {}) } } : {});
  const common = (s: z.output<typeof ChromeStepSchema>) => ({
    ...(s.frame && s.frame.length > 0 ? { frame: s.frame } : {}),
    ...(s.timeout !== undefined ? { timeoutMs: Math.round(s.timeout) } : {}),
  });
  const selectorsOf = (i: number, type: string, s: z.output<typeof ChromeStepSchema>): Selector[] => {
    const out: Selector[] = [];
    for (const raw of s.selectors ?? []) {
      const converted = fromChromeSelector(raw);
      if ('unsupported' in converted) warnings.push(`${where(i, type)}: dropped selector — ${converted.unsupported}`);
      else if (!out.some((o) => o.kind === converted.kind && o.value === converted.value)) out.push(converted);
    }
    return out;
  };
  const navigationAssert = (s: z.output<typeof ChromeStepSchema>) => {
    for (const ev of s.assertedEvents ?? []) {
      if (ev.type !== 'navigation') continue;
      if (ev.title !== undefined) pageTitle = ev.title;
      if (ev.url && startUrl) {
        pageUrl = ev.url;
        steps.push({ action: 'assert', assertion: 'urlContains', value: stableUrlFragment(ev.url, startUrl), label: 'Check the page address', ...page() });
      }
    }
  };

  recording.steps.forEach((s, i) => {
    const type = s.type;
    if (s.target !== undefined && s.target !== 'main') {
      unsupported(i, type, `it acts on another tab or window (${s.target}); FlowLens replays one page`);
      return;
    }
    switch (type) {
      case 'setViewport': {
        const width = s['width'];
        const height = s['height'];
        if (typeof width !== 'number' || typeof height !== 'number' || width <= 0 || height <= 0) {
          problems.push({ path: where(i, type), message: 'needs positive numbers width and height' });
          return;
        }
        viewport = { width: Math.round(width), height: Math.round(height) };
        return;
      }
      case 'navigate': {
        const url = s['url'];
        if (typeof url !== 'string' || url === '') {
          problems.push({ path: where(i, type), message: 'needs a url' });
          return;
        }
        const title = s.assertedEvents?.find((e) => e.type === 'navigation')?.title;
        if (startUrl === null) {
          startUrl = url;
        } else {
          steps.push({ action: 'navigate', url, ...common(s), ...page() });
        }
        pageUrl = url;
        pageTitle = title ?? '';
        return;
      }
      case 'click':
      case 'doubleClick': {
        const selectors = selectorsOf(i, type, s);
        const button = s['button'];
        const buttons: Record<string, ClickStep['button']> = { primary: 'left', auxiliary: 'middle', secondary: 'right' };
        if (button !== undefined && (typeof button !== 'string' || !(button in buttons))) {
          unsupported(i, type, `mouse button ${JSON.stringify(button)} cannot be replayed (left, middle and right can)`);
          return;
        }
        const offsetX = s['offsetX'];
        const offsetY = s['offsetY'];
        steps.push({
          action: 'click',
          selectors,
          ...(type === 'doubleClick' ? { clickCount: 2 } : {}),
          ...(typeof button === 'string' && button !== 'primary' ? { button: buttons[button] } : {}),
          ...(typeof offsetX === 'number' && typeof offsetY === 'number' ? { offset: { x: offsetX, y: offsetY } } : {}),
          ...common(s),
          ...page(),
        });
        navigationAssert(s);
        return;
      }
      case 'change': {
        const selectors = selectorsOf(i, type, s);
        let value = typeof s['value'] === 'string' ? s['value'] : '';
        if (looksLikePassword(selectors) && value !== '' && !/^\{\{secret:[A-Z0-9_]+\}\}$/.test(value)) {
          value = formatSecretPlaceholder('PASSWORD');
          warnings.push(`${where(i, type)}: the typed value looked like a password and was replaced by {{secret:PASSWORD}}; add the PASSWORD secret to the site's credentials`);
        }
        steps.push({ action: looksLikeSelect(selectors) ? 'select' : 'input', selectors, value, ...common(s), ...page() });
        navigationAssert(s);
        return;
      }
      case 'keyDown':
      case 'keyUp': {
        const key = s['key'];
        if (typeof key !== 'string' || key === '') {
          problems.push({ path: where(i, type), message: 'needs a key' });
          return;
        }
        const emit = (combo: string) => steps.push({ action: 'keypress', key: combo, ...common(s), ...page() });
        if (type === 'keyDown') {
          if (MODIFIERS.has(key)) {
            if (!heldModifiers.some((m) => m.key === key)) heldModifiers.push({ key, used: false });
          } else {
            heldModifiers.forEach((m) => (m.used = true));
            emit([...heldModifiers.map((m) => m.key), key].join('+'));
            pressed.add(key);
          }
        } else if (MODIFIERS.has(key)) {
          const held = heldModifiers.findIndex((m) => m.key === key);
          // A modifier pressed and released on its own is a keypress of its own (e.g. Shift to close a tooltip).
          if (held === -1 || !heldModifiers[held]?.used) emit(key);
          if (held !== -1) heldModifiers.splice(held, 1);
        } else if (pressed.has(key)) {
          pressed.delete(key);
        } else {
          emit([...heldModifiers.map((m) => m.key), key].join('+'));
        }
        navigationAssert(s);
        return;
      }
      case 'scroll': {
        const selectors = selectorsOf(i, type, s);
        const x = s['x'];
        const y = s['y'];
        steps.push({
          action: 'scroll',
          ...(selectors.length > 0 ? { selectors } : {}),
          ...(typeof x === 'number' ? { x } : {}),
          ...(typeof y === 'number' ? { y } : {}),
          ...common(s),
          ...page(),
        });
        return;
      }
      case 'waitForElement': {
        if (s['attributes'] !== undefined || s['properties'] !== undefined) {
          unsupported(i, type, 'waiting on element attributes or properties is not supported (presence and count are)');
          return;
        }
        const operator = s['operator'];
        const count = s['count'];
        steps.push({
          action: 'waitFor',
          selectors: selectorsOf(i, type, s),
          ...(s['visible'] === false ? { state: 'absent' } : {}),
          ...(typeof operator === 'string' ? { operator } : {}),
          ...(typeof count === 'number' ? { count } : {}),
          ...common(s),
          ...page(),
        });
        return;
      }
      case 'waitForExpression': {
        const expression = typeof s['expression'] === 'string' ? s['expression'].trim() : '';
        for (const known of EXPORTED_EXPRESSIONS) {
          const m = known.pattern.exec(expression);
          if (m?.[1]) {
            steps.push({ action: 'assert', assertion: known.assertion, value: JSON.parse(m[1]) as string, ...common(s), ...page() });
            return;
          }
        }
        unsupported(i, type, 'arbitrary JavaScript expressions are not replayed (only URL, title and text checks written by FlowLens)');
        return;
      }
      case 'hover':
        unsupported(i, type, 'hover steps are not replayed; FlowLens clicks menu items directly');
        return;
      case 'close':
        unsupported(i, type, 'closing the page is not a step FlowLens replays');
        return;
      case 'emulateNetworkConditions':
        unsupported(i, type, 'network throttling is set per site by FlowLens, not per flow');
        return;
      case 'customStep':
        unsupported(i, type, `custom step ${JSON.stringify(s['name'] ?? '')} belongs to a Recorder extension FlowLens does not have`);
        return;
      default:
        unsupported(i, type, `unknown step type ${JSON.stringify(type)}`);
    }
  });

  if (startUrl === null) problems.push({ path: 'steps', message: 'has no navigate step, so there is no start URL; record from the page load (Chrome adds a navigate step first)' });
  if (problems.length > 0) throw new ValidationError('Chrome Recorder recording', problems, 'Nothing was imported.');

  const flow = parseFlow({
    schemaVersion: FLOW_SCHEMA_VERSION,
    name: options.name ?? (recording.title.trim() || 'Imported flow'),
    startUrl,
    critical: options.critical ?? false,
    ...(options.siteId ? { siteId: options.siteId } : {}),
    ...(recording.timeout !== undefined ? { timeoutMs: Math.round(recording.timeout) } : {}),
    // Recorder steps have no labels: name them from their selectors ("Click 'Sign in'").
    steps: steps.map((step) => (typeof step['label'] === 'string' && step['label'] !== '' ? step : { ...step, label: importedStepLabel(step) || undefined })),
  });
  return { flow, warnings };
}

// ---------------------------------------------------------------------------------------------
// Export

export interface ChromeExportOptions {
  /** Write the exact flow under `flowlens` for a lossless re-import. Default true. */
  includeFlowLensData?: boolean;
}

/** Chrome Recorder accepts timeouts from 1 to 30 000 ms. */
function chromeTimeout(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.min(30_000, Math.max(1, Math.round(ms)));
}

function keySequence(combo: string): ChromeStep[] {
  // "Control+Shift+a" → down Control, down Shift, down a, up a, up Shift, up Control. A lone "+" is the plus key.
  const keys = combo === '+' ? ['+'] : combo.split('+').map((k, i, all) => (k === '' && i === all.length - 1 ? '+' : k)).filter((k) => k !== '');
  return [...keys.map((key) => ({ type: 'keyDown', key })), ...keys.reverse().map((key) => ({ type: 'keyUp', key }))];
}

function absoluteUrl(value: string, base: string): string {
  try {
    return new URL(value, base).href;
  } catch {
    return value;
  }
}

/** Converts a FlowLens flow to a Chrome Recorder recording (serialise it with JSON.stringify). */
export function exportChromeRecording(flow: Flow, options: ChromeExportOptions = {}): ChromeRecording {
  const out: ChromeStep[] = [];
  let viewport: { width: number; height: number } | undefined;
  const setViewport = (v: { width: number; height: number } | undefined) => {
    if (!v || (viewport && viewport.width === v.width && viewport.height === v.height)) return;
    viewport = v;
    out.push({ type: 'setViewport', width: v.width, height: v.height, deviceScaleFactor: 1, isMobile: false, hasTouch: false, isLandscape: v.width > v.height });
  };
  setViewport(flow.steps.find((s) => s.page?.viewport)?.page?.viewport);
  out.push({ type: 'navigate', url: flow.startUrl });
  let currentUrl = flow.startUrl;

  const extras = (step: Step): Partial<ChromeStep> => {
    const e: Partial<ChromeStep> = {};
    if (step.frame && step.frame.length > 0) e.frame = step.frame;
    const timeout = chromeTimeout(step.timeoutMs);
    if (timeout !== undefined) e.timeout = timeout;
    return e;
  };

  for (const step of flow.steps) {
    setViewport(step.page?.viewport);
    const base = extras(step);
    switch (step.action) {
      case 'navigate':
        out.push({ type: 'navigate', url: step.url, ...base });
        currentUrl = step.url;
        break;
      case 'click':
      case 'check': {
        const box = step.element?.box;
        const offset = step.action === 'click' && step.offset ? step.offset : box && box.width > 0 && box.height > 0 ? { x: Math.round(box.width / 2), y: Math.round(box.height / 2) } : { x: 1, y: 1 };
        const button = step.action === 'click' && step.button && step.button !== 'left' ? { button: step.button === 'middle' ? 'auxiliary' : 'secondary' } : {};
        out.push({
          type: step.action === 'click' && step.clickCount === 2 ? 'doubleClick' : 'click',
          ...base,
          selectors: toChromeSelectors(step.selectors),
          offsetX: offset.x,
          offsetY: offset.y,
          ...button,
        });
        break;
      }
      case 'input':
      case 'select':
        out.push({ type: 'change', ...base, selectors: toChromeSelectors(step.selectors), value: step.value });
        break;
      case 'submit':
        out.push(...keySequence('Enter').map((k) => ({ ...k, ...base })));
        break;
      case 'keypress':
        out.push(...keySequence(step.key).map((k) => ({ ...k, ...base })));
        break;
      case 'scroll':
        out.push({
          type: 'scroll',
          ...base,
          ...(step.selectors && step.selectors.length > 0 ? { selectors: toChromeSelectors(step.selectors) } : {}),
          ...(step.x !== undefined ? { x: step.x } : {}),
          ...(step.y !== undefined ? { y: step.y } : {}),
        });
        break;
      case 'waitFor':
        out.push({
          type: 'waitForElement',
          ...base,
          selectors: toChromeSelectors(step.selectors),
          ...(step.operator ? { operator: step.operator } : {}),
          ...(step.count !== undefined ? { count: step.count } : {}),
          ...(step.state === 'absent' ? { visible: false } : {}),
        });
        break;
      case 'assert': {
        const value = step.value ?? '';
        if (step.assertion === 'elementVisible') {
          out.push({ type: 'waitForElement', ...base, selectors: toChromeSelectors(step.selectors ?? []) });
        } else if (step.assertion === 'textVisible') {
          out.push({ type: 'waitForElement', ...base, selectors: [[`text/${value}`]] });
        } else if (step.assertion === 'urlContains') {
          const prev = out[out.length - 1];
          const canCarry = prev && ['click', 'doubleClick', 'keyUp', 'change'].includes(prev.type) && !prev.assertedEvents && Object.keys(base).length === 0;
          if (canCarry && (value.startsWith('/') || /^https?:\/\//.test(value))) {
            const url = absoluteUrl(value, currentUrl);
            prev.assertedEvents = [{ type: 'navigation', url, ...(step.page?.title ? { title: step.page.title } : {}) }];
            currentUrl = url;
          } else {
            out.push({ type: 'waitForExpression', ...base, expression: EXPORTED_EXPRESSIONS[0]?.make(value) ?? '' });
          }
        } else {
          const known = EXPORTED_EXPRESSIONS.find((e) => e.assertion === step.assertion);
          out.push({ type: 'waitForExpression', ...base, expression: known?.make(value) ?? '' });
        }
        break;
      }
    }
  }

  const recording: ChromeRecording = { title: flow.name, steps: out };
  const timeout = chromeTimeout(flow.timeoutMs);
  if (timeout !== undefined) recording.timeout = timeout;
  if (options.includeFlowLensData !== false) recording.flowlens = { schemaVersion: FLOW_SCHEMA_VERSION, flow };
  return recording;
}

/**
 * Reads either format — a FlowLens flow or a Chrome Recorder recording — as `flowlens check --flow`
 * accepts both. Throws a ValidationError listing every problem.
 */
export function loadFlowJson(input: unknown, options: ChromeImportOptions = {}): ChromeImportResult {
  return isChromeRecording(input) ? importChromeRecording(input, options) : { flow: parseFlow(input), warnings: [] };
}
