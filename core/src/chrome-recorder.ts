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

type RecordingStep = z.output<typeof ChromeStepSchema>;
type ParsedRecording = z.output<typeof ChromeRecordingSchema>;
/** A FlowLens step as built from Chrome's, before the flow schema reads it. */
type DraftStep = Record<string, unknown>;

const MOUSE_BUTTONS: Record<string, ClickStep['button']> = { primary: 'left', auxiliary: 'middle', secondary: 'right' };

/** The steps FlowLens cannot replay, each with the reason the user is told. */
const REJECTED_STEPS: Record<string, (s: RecordingStep) => string> = {
  hover: () => 'hover steps are not replayed; FlowLens clicks menu items directly',
  close: () => 'closing the page is not a step FlowLens replays',
  emulateNetworkConditions: () => 'network throttling is set per site by FlowLens, not per flow',
  customStep: (s) => `custom step ${JSON.stringify(s['name'] ?? '')} belongs to a Recorder extension FlowLens does not have`,
};

/**
 * One import in progress: walks the recording's steps in order, keeping what a step depends on from
 * the ones before it (the start URL, the page and viewport it happens on, the keys held down), and
 * collects the FlowLens steps, the problems (the import fails) and the warnings (it goes on).
 */
class RecordingImport {
  readonly problems: ValidationIssue[] = [];
  readonly warnings: string[] = [];
  readonly steps: DraftStep[] = [];
  startUrl: string | null = null;
  private viewport: PageContext['viewport'];
  private pageUrl: string | null = null;
  private pageTitle = '';
  private readonly pressed = new Set<string>();
  private readonly heldModifiers: { key: string; used: boolean }[] = [];

  constructor(private readonly options: ChromeImportOptions) {}

  /** One Chrome step: checked for its target, then handed to the importer of its kind. */
  step(s: RecordingStep, i: number): void {
    if (s.target !== undefined && s.target !== 'main') {
      this.unsupported(i, s.type, `it acts on another tab or window (${s.target}); FlowLens replays one page`);
      return;
    }
    const rejected = Object.hasOwn(REJECTED_STEPS, s.type) ? REJECTED_STEPS[s.type] : undefined;
    if (rejected) {
      this.unsupported(i, s.type, rejected(s));
      return;
    }
    switch (s.type) {
      case 'setViewport':
        return this.setViewport(s, i);
      case 'navigate':
        return this.navigate(s, i);
      case 'click':
      case 'doubleClick':
        return this.click(s, i);
      case 'change':
        return this.change(s, i);
      case 'keyDown':
      case 'keyUp':
        return this.key(s, i);
      case 'scroll':
        return this.scroll(s, i);
      case 'waitForElement':
        return this.waitForElement(s, i);
      case 'waitForExpression':
        return this.waitForExpression(s, i);
      default:
        this.unsupported(i, s.type, `unknown step type ${JSON.stringify(s.type)}`);
    }
  }

  // --- how each kind of Chrome step becomes FlowLens steps ----------------------------------------

  /** setViewport: no step of its own; the viewport of the steps that follow. */
  private setViewport(s: RecordingStep, i: number): void {
    const width = s['width'];
    const height = s['height'];
    if (typeof width !== 'number' || typeof height !== 'number' || width <= 0 || height <= 0) {
      this.problems.push({ path: where(i, s.type), message: 'needs positive numbers width and height' });
      return;
    }
    this.viewport = { width: Math.round(width), height: Math.round(height) };
  }

  /** navigate: the first is the flow's start URL, later ones are navigate steps. */
  private navigate(s: RecordingStep, i: number): void {
    const url = s['url'];
    if (typeof url !== 'string' || url === '') {
      this.problems.push({ path: where(i, s.type), message: 'needs a url' });
      return;
    }
    const title = s.assertedEvents?.find((e) => e.type === 'navigation')?.title;
    if (this.startUrl === null) {
      this.startUrl = url;
    } else {
      this.steps.push({ action: 'navigate', url, ...common(s), ...this.page() });
    }
    this.pageUrl = url;
    this.pageTitle = title ?? '';
  }

  /** click / doubleClick: a click (clickCount 2 for doubleClick), button and offset kept. */
  private click(s: RecordingStep, i: number): void {
    const selectors = this.selectorsOf(i, s);
    const button = s['button'];
    if (button !== undefined && (typeof button !== 'string' || !(button in MOUSE_BUTTONS))) {
      this.unsupported(i, s.type, `mouse button ${JSON.stringify(button)} cannot be replayed (left, middle and right can)`);
      return;
    }
    const offsetX = s['offsetX'];
    const offsetY = s['offsetY'];
    this.steps.push({
      action: 'click',
      selectors,
      ...(s.type === 'doubleClick' ? { clickCount: 2 } : {}),
      ...(typeof button === 'string' && button !== 'primary' ? { button: MOUSE_BUTTONS[button] } : {}),
      ...(typeof offsetX === 'number' && typeof offsetY === 'number' ? { offset: { x: offsetX, y: offsetY } } : {}),
      ...common(s),
      ...this.page(),
    });
    this.navigationAssert(s);
  }

  /** change: select or input (expectedChange), a password's value replaced by a secret placeholder. */
  private change(s: RecordingStep, i: number): void {
    const selectors = this.selectorsOf(i, s);
    const value = this.typedValue(s, i, selectors);
    this.steps.push({ action: expectedChange(selectors), selectors, value, ...common(s), ...this.page() });
    this.navigationAssert(s);
  }

  /** The value a change step types, or {{secret:PASSWORD}} (with a warning) when the field looks like a password's. */
  private typedValue(s: RecordingStep, i: number, selectors: readonly Selector[]): string {
    const value = typeof s['value'] === 'string' ? s['value'] : '';
    if (!looksLikePassword(selectors) || value === '' || /^\{\{secret:[A-Z0-9_]+\}\}$/.test(value)) return value;
    this.warnings.push(`${where(i, s.type)}: the typed value looked like a password and was replaced by {{secret:PASSWORD}}; add the PASSWORD secret to the site's credentials`);
    return formatSecretPlaceholder('PASSWORD');
  }

  /** keyDown … keyUp: one keypress per key, with the modifiers held at the time (`Control+a`). */
  private key(s: RecordingStep, i: number): void {
    const key = s['key'];
    if (typeof key !== 'string' || key === '') {
      this.problems.push({ path: where(i, s.type), message: 'needs a key' });
      return;
    }
    const emit = (combo: string) => this.steps.push({ action: 'keypress', key: combo, ...common(s), ...this.page() });
    const held = this.heldModifiers;
    if (s.type === 'keyDown') {
      if (MODIFIERS.has(key)) {
        if (!held.some((m) => m.key === key)) held.push({ key, used: false });
      } else {
        held.forEach((m) => (m.used = true));
        emit([...held.map((m) => m.key), key].join('+'));
        this.pressed.add(key);
      }
    } else if (MODIFIERS.has(key)) {
      const at = held.findIndex((m) => m.key === key);
      // A modifier pressed and released on its own is a keypress of its own (e.g. Shift to close a tooltip).
      if (at === -1 || !held[at]?.used) emit(key);
      if (at !== -1) held.splice(at, 1);
    } else if (this.pressed.has(key)) {
      this.pressed.delete(key);
    } else {
      emit([...held.map((m) => m.key), key].join('+'));
    }
    this.navigationAssert(s);
  }

  private scroll(s: RecordingStep, i: number): void {
    const selectors = this.selectorsOf(i, s);
    const x = s['x'];
    const y = s['y'];
    this.steps.push({
      action: 'scroll',
      ...(selectors.length > 0 ? { selectors } : {}),
      ...(typeof x === 'number' ? { x } : {}),
      ...(typeof y === 'number' ? { y } : {}),
      ...common(s),
      ...this.page(),
    });
  }

  /** waitForElement: waitFor (operator, count; `visible: false` → state absent). */
  private waitForElement(s: RecordingStep, i: number): void {
    if (s['attributes'] !== undefined || s['properties'] !== undefined) {
      this.unsupported(i, s.type, 'waiting on element attributes or properties is not supported (presence and count are)');
      return;
    }
    const operator = s['operator'];
    const count = s['count'];
    this.steps.push({
      action: 'waitFor',
      selectors: this.selectorsOf(i, s),
      ...(s['visible'] === false ? { state: 'absent' } : {}),
      ...(typeof operator === 'string' ? { operator } : {}),
      ...(typeof count === 'number' ? { count } : {}),
      ...common(s),
      ...this.page(),
    });
  }

  /** waitForExpression: an assert, only for the three expressions export writes. */
  private waitForExpression(s: RecordingStep, i: number): void {
    const assertion = assertionOfExpression(typeof s['expression'] === 'string' ? s['expression'] : '');
    if (!assertion) {
      this.unsupported(i, s.type, 'arbitrary JavaScript expressions are not replayed (only URL, title and text checks written by FlowLens)');
      return;
    }
    this.steps.push({ action: 'assert', ...assertion, ...common(s), ...this.page() });
  }

  // --- what several kinds share -----------------------------------------------------------------

  /** A step's selectors converted (duplicates dropped); one without a FlowLens equivalent is dropped with a warning. */
  private selectorsOf(i: number, s: RecordingStep): Selector[] {
    const out: Selector[] = [];
    for (const raw of s.selectors ?? []) {
      const converted = fromChromeSelector(raw);
      if ('unsupported' in converted) this.warnings.push(`${where(i, s.type)}: dropped selector — ${converted.unsupported}`);
      else if (!out.some((o) => o.kind === converted.kind && o.value === converted.value)) out.push(converted);
    }
    return out;
  }

  /** The page (and viewport) a step happens on, once the recording has navigated. */
  private page(): { page?: PageContext } {
    return this.pageUrl ? { page: { url: this.pageUrl, title: this.pageTitle, ...(this.viewport ? { viewport: this.viewport } : {}) } } : {};
  }

  /** A step's asserted navigation: an assert urlContains after it (the stable part of the URL). */
  private navigationAssert(s: RecordingStep): void {
    for (const ev of s.assertedEvents ?? []) {
      if (ev.type !== 'navigation') continue;
      if (ev.title !== undefined) this.pageTitle = ev.title;
      if (ev.url && this.startUrl) {
        this.pageUrl = ev.url;
        this.steps.push({ action: 'assert', assertion: 'urlContains', value: stableUrlFragment(ev.url, this.startUrl), label: 'Check the page address', ...this.page() });
      }
    }
  }

  /** A step FlowLens cannot replay: a problem, or with skipUnsupported a warning. */
  private unsupported(i: number, type: string, why: string): void {
    if (this.options.skipUnsupported) this.warnings.push(`${where(i, type)} skipped: ${why}`);
    else this.problems.push({ path: where(i, type), message: `${why}; remove the step in Chrome's Recorder, or import with "skip unsupported steps"` });
  }
}

/** Where a step is, for messages: `steps[4] (hover)`. */
function where(i: number, type: string): string {
  return `${formatPath(['steps', i])} (${type})`;
}

/** What every kind keeps: the frame and the step's timeout. */
function common(s: RecordingStep): { frame?: number[]; timeoutMs?: number } {
  return {
    ...(s.frame && s.frame.length > 0 ? { frame: s.frame } : {}),
    ...(s.timeout !== undefined ? { timeoutMs: Math.round(s.timeout) } : {}),
  };
}

/** The element a change step expects, from its selectors: a <select> (select step) or a field (input step). */
function expectedChange(selectors: readonly Selector[]): 'select' | 'input' {
  return looksLikeSelect(selectors) ? 'select' : 'input';
}

/** One of the expressions export writes, as the assertion it stands for; null for any other JavaScript. */
function assertionOfExpression(expression: string): { assertion: AssertStep['assertion']; value: string } | null {
  const text = expression.trim();
  for (const known of EXPORTED_EXPRESSIONS) {
    const m = known.pattern.exec(text);
    if (m?.[1]) return { assertion: known.assertion, value: JSON.parse(m[1]) as string };
  }
  return null;
}

/** Recorder steps have no labels: each is named from its selectors ("Click 'Sign in'"), unless it has one. */
function labelled(step: DraftStep): DraftStep {
  return typeof step['label'] === 'string' && step['label'] !== '' ? step : { ...step, label: importedStepLabel(step) || undefined };
}

/** The imported flow: the recording's title and timeout, the caller's name, criticality and site, the labelled steps. */
function importedFlow(recording: ParsedRecording, startUrl: string, steps: DraftStep[], options: ChromeImportOptions): Flow {
  return parseFlow({
    schemaVersion: FLOW_SCHEMA_VERSION,
    name: options.name ?? (recording.title.trim() || 'Imported flow'),
    startUrl,
    critical: options.critical ?? false,
    ...(options.siteId ? { siteId: options.siteId } : {}),
    ...(recording.timeout !== undefined ? { timeoutMs: Math.round(recording.timeout) } : {}),
    steps: steps.map(labelled),
  });
}

/** The exact flow a FlowLens export carried, with the caller's name, criticality and site. */
function withImportOptions(flow: Flow, options: ChromeImportOptions): Flow {
  return { ...flow, ...(options.name ? { name: options.name } : {}), ...(options.critical !== undefined ? { critical: options.critical } : {}), ...(options.siteId ? { siteId: options.siteId } : {}) };
}

/**
 * Converts a Chrome Recorder recording (parsed JSON) into a FlowLens flow. Throws a ValidationError
 * listing every step that cannot be converted (`steps[4] (hover): …`) unless `skipUnsupported`.
 */
export function importChromeRecording(input: unknown, options: ChromeImportOptions = {}): ChromeImportResult {
  const recording = parseWith(ChromeRecordingSchema, input, 'Chrome Recorder recording', 'Export the recording again from Chrome DevTools → Recorder → Export → JSON.');
  const exact = fromExtension(input as Record<string, unknown>, recording);
  if (exact) return { flow: withImportOptions(exact, options), warnings: [] };

  const run = new RecordingImport(options);
  recording.steps.forEach((s, i) => run.step(s, i));
  if (run.startUrl === null) run.problems.push({ path: 'steps', message: 'has no navigate step, so there is no start URL; record from the page load (Chrome adds a navigate step first)' });
  if (run.problems.length > 0 || run.startUrl === null) throw new ValidationError('Chrome Recorder recording', run.problems, 'Nothing was imported.');
  return { flow: importedFlow(recording, run.startUrl, run.steps, options), warnings: run.warnings };
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
