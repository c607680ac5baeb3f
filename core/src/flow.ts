/**
 * The Flow contract (DESIGN.md §4): what the extension records, the database stores (flow_steps.data
 * holds a Step minus its queryable columns) and the crawler replays.
 *
 * Versioned by FLOW_SCHEMA_VERSION. A file without `schemaVersion` is read as the current version
 * (hand-written flows for `flowlens check`); a file from a newer FlowLens is refused with a message
 * saying so, rather than half-understood.
 */
import { z } from 'zod';
import { selectorSyntaxProblem } from './locator/syntax.ts';
import { findMalformedSecretPlaceholders, parseSecretPlaceholder } from './secrets.ts';
import { parseWith, safeParseWith, type SafeParseResult } from './validation.ts';
import { webUrlProblem } from './web-url.ts';

export const FLOW_SCHEMA_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Selectors

/** Ranked from most to least robust; see locator/syntax.ts for each kind's value format. */
export const SELECTOR_KINDS = ['testid', 'role', 'label', 'text', 'id', 'css', 'xpath'] as const;
export type SelectorKind = (typeof SELECTOR_KINDS)[number];

export const SelectorSchema = z
  .object({
    kind: z.enum(SELECTOR_KINDS),
    value: z.string(),
    /** Higher is more robust (locator/generate.ts SELECTOR_SCORES); informational. */
    score: z.number().min(0).optional(),
  })
  .check((ctx) => {
    const problem = selectorSyntaxProblem(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value.value, path: ['value'] });
  });
export type Selector = z.output<typeof SelectorSchema>;

const RequiredSelectors = z.array(SelectorSchema).min(1, { error: 'must have at least one selector' });
const OptionalSelectors = z.array(SelectorSchema).optional();

// ---------------------------------------------------------------------------------------------
// Element metadata and page context

export const BoxSchema = z.object({
  x: z.number(),
  y: z.number(),
  width: z.number().min(0),
  height: z.number().min(0),
});
export type Box = z.output<typeof BoxSchema>;

/** A short description of one ancestor, nearest first; only stable-looking ids and classes. */
export const AncestorSchema = z.object({
  tag: z.string().min(1),
  role: z.string().optional(),
  id: z.string().optional(),
  classes: z.array(z.string()).default([]),
  testid: z.string().optional(),
});
export type Ancestor = z.output<typeof AncestorSchema>;

/**
 * What the element looked like when recorded; the healer compares candidates against it.
 * Strings are '' when absent so consumers never branch on undefined.
 */
export const ElementMetaSchema = z.object({
  tag: z.string().min(1),
  role: z.string().default(''),
  /** Accessible name (aria-labelledby, aria-label, label, alt, title, placeholder, content). */
  name: z.string().default(''),
  /** Text of the associated <label> elements, for form controls. */
  labelText: z.string().default(''),
  /** Visible text around the element (siblings, then further up), e.g. the product name in a card. */
  nearbyText: z.string().default(''),
  /** The element's own visible text. */
  text: z.string().default(''),
  /** A whitelist of identifying attributes (locator/meta.ts); never the value of a typed field. */
  attributes: z.record(z.string(), z.string()).default({}),
  /** Document coordinates in CSS pixels; null when unknown. */
  box: BoxSchema.nullable().default(null),
  ancestors: z.array(AncestorSchema).default([]),
  /**
   * How many other visible elements had the same role, name and text when this was recorded (the
   * other "Add to cart" buttons of a product list). When > 0 only the surroundings told this one
   * apart, so the healer insists they still match.
   */
  lookalikes: z.number().int().min(0).default(0),
  /**
   * The heading of the nearest form, fieldset, section, dialog or landmark around the element
   * ("Get the weekly digest"): which part of the page it acts in. '' when there is none.
   */
  region: z.string().default(''),
});
export type ElementMeta = z.output<typeof ElementMetaSchema>;

export const PageContextSchema = z.object({
  url: z.string().min(1),
  title: z.string().default(''),
  viewport: z.object({ width: z.number().int().positive(), height: z.number().int().positive() }).optional(),
});
export type PageContext = z.output<typeof PageContextSchema>;

// ---------------------------------------------------------------------------------------------
// Steps

export const STEP_ACTIONS = ['navigate', 'click', 'input', 'select', 'check', 'submit', 'keypress', 'scroll', 'waitFor', 'assert'] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

export const LABEL_SOURCES = ['template', 'ai', 'user'] as const;
export type LabelSource = (typeof LABEL_SOURCES)[number];

export const ASSERTION_KINDS = ['textVisible', 'elementVisible', 'urlContains', 'titleContains'] as const;
export type AssertionKind = (typeof ASSERTION_KINDS)[number];

/** Fields every step has. */
const stepBase = {
  /** Database id of the step, when it came from the database. */
  id: z.string().optional(),
  /** Human label, e.g. `Click "Place order"`. */
  label: z.string().default(''),
  labelSource: z.enum(LABEL_SOURCES).default('template'),
  labelConfidence: z.number().min(0).max(1).optional(),
  /** Instruction for a person doing the step by hand (guided walkthrough). */
  instruction: z.string().optional(),
  /** Storage path of the screenshot taken when recording. */
  screenshot: z.string().optional(),
  /**
   * Same-origin iframe path: child-frame indices from the top document down, the same meaning as
   * Chrome Recorder's `frame` (frames in document order). Absent means the top document.
   */
  frame: z.array(z.number().int().min(0)).optional(),
  page: PageContextSchema.optional(),
  timeoutMs: z.number().int().positive().optional(),
  /**
   * When true a failure of this step is recorded (status `skipped`) and the flow continues: for
   * steps that only sometimes apply, such as dismissing a cookie banner. Default: the flow stops.
   */
  optional: z.boolean().optional(),
};

/** A typed value: literal text or `{{secret:NAME}}` placeholders, checked for near-miss placeholders. */
const StepValue = z.string().check((ctx) => {
  for (const bad of findMalformedSecretPlaceholders(ctx.value)) {
    ctx.issues.push({ code: 'custom', input: ctx.value, message: `has a malformed secret placeholder ${JSON.stringify(bad)}; write {{secret:NAME}} with NAME in A-Z, 0-9 and _` });
  }
});

const targeted = { ...stepBase, selectors: RequiredSelectors, element: ElementMetaSchema.optional() };
const optionallyTargeted = { ...stepBase, selectors: OptionalSelectors, element: ElementMetaSchema.optional() };

/** An absolute http(s) URL (web-url.ts): a flow never opens `file:`, `data:`, `javascript:`… */
const WebUrl = z.string().check((ctx) => {
  const problem = webUrlProblem(ctx.value);
  if (problem) ctx.issues.push({ code: 'custom', input: ctx.value.slice(0, 200), message: problem });
});

export const NavigateStepSchema = z.object({ action: z.literal('navigate'), ...stepBase, url: WebUrl });
export const ClickStepSchema = z.object({
  action: z.literal('click'),
  ...targeted,
  button: z.enum(['left', 'middle', 'right']).optional(),
  /** 2 for a double click. */
  clickCount: z.number().int().min(1).max(3).optional(),
  /** Where inside the element, from its top-left corner, in CSS pixels. */
  offset: z.object({ x: z.number(), y: z.number() }).optional(),
});
export const InputStepSchema = z.object({ action: z.literal('input'), ...targeted, value: StepValue }).check((ctx) => {
  // Secrets: the last line of defence is in the database too (flow_steps_password_is_placeholder);
  // failing here gives the recorder and the CLI a readable message before anything is stored.
  const { element, value } = ctx.value;
  if (element?.attributes['type']?.toLowerCase() === 'password' && value !== '' && parseSecretPlaceholder(value) === null) {
    ctx.issues.push({ code: 'custom', input: '(hidden)', path: ['value'], message: 'is typed into a password field, so it must be a secret placeholder such as {{secret:PASSWORD}}, never the password itself' });
  }
});
export const SelectStepSchema = z.object({
  action: z.literal('select'),
  ...targeted,
  /** The option's value attribute. */
  value: z.string(),
  /** The option's visible text when recorded, a fallback when values are generated. */
  optionText: z.string().optional(),
});
export const CheckStepSchema = z.object({ action: z.literal('check'), ...targeted, checked: z.boolean().default(true) });
/** Submits the form the selectors point at (or the form of the control they point at). */
export const SubmitStepSchema = z.object({ action: z.literal('submit'), ...targeted });
/** `key` in Playwright notation: `Enter`, `Escape`, `Control+a`. Goes to the selectors' element, or the focused one. */
export const KeypressStepSchema = z.object({ action: z.literal('keypress'), ...optionallyTargeted, key: z.string().min(1) });
/** Scrolls the element (or the window when there are no selectors) to x/y. */
export const ScrollStepSchema = z.object({ action: z.literal('scroll'), ...optionallyTargeted, x: z.number().optional(), y: z.number().optional() });
/**
 * Waits until the number of matching elements satisfies `operator count` (`>= 1` by default);
 * `state: 'absent'` waits until it no longer does — the semantics of Chrome Recorder's
 * waitForElement with `visible: false`.
 */
export const WaitForStepSchema = z.object({
  action: z.literal('waitFor'),
  ...targeted,
  state: z.enum(['present', 'absent']).default('present'),
  operator: z.enum(['>=', '==', '<=']).optional(),
  count: z.number().int().min(0).optional(),
});
/**
 * - textVisible: `value` is visible (inside the selectors' element when given, else anywhere)
 * - elementVisible: the selectors' element is visible
 * - urlContains / titleContains: the page URL / title contains `value`
 */
export const AssertStepSchema = z
  .object({ action: z.literal('assert'), ...optionallyTargeted, assertion: z.enum(ASSERTION_KINDS), value: z.string().optional() })
  .check((ctx) => {
    const s = ctx.value;
    if (s.assertion === 'elementVisible' && (s.selectors?.length ?? 0) === 0) {
      ctx.issues.push({ code: 'custom', message: 'must have at least one selector (elementVisible checks an element)', input: s.selectors, path: ['selectors'] });
    }
    if (s.assertion !== 'elementVisible' && (s.value ?? '') === '') {
      ctx.issues.push({ code: 'custom', message: `is required for a ${s.assertion} assertion`, input: s.value, path: ['value'] });
    }
  });

export const StepSchema = z.discriminatedUnion('action', [
  NavigateStepSchema,
  ClickStepSchema,
  InputStepSchema,
  SelectStepSchema,
  CheckStepSchema,
  SubmitStepSchema,
  KeypressStepSchema,
  ScrollStepSchema,
  WaitForStepSchema,
  AssertStepSchema,
], { error: (iss) => (iss.input === undefined ? 'is required' : `must be one of ${STEP_ACTIONS.join(', ')}`) });

export type Step = z.output<typeof StepSchema>;
export type StepInput = z.input<typeof StepSchema>;
export type NavigateStep = z.output<typeof NavigateStepSchema>;
export type ClickStep = z.output<typeof ClickStepSchema>;
export type InputStep = z.output<typeof InputStepSchema>;
export type SelectStep = z.output<typeof SelectStepSchema>;
export type CheckStep = z.output<typeof CheckStepSchema>;
export type SubmitStep = z.output<typeof SubmitStepSchema>;
export type KeypressStep = z.output<typeof KeypressStepSchema>;
export type ScrollStep = z.output<typeof ScrollStepSchema>;
export type WaitForStep = z.output<typeof WaitForStepSchema>;
export type AssertStep = z.output<typeof AssertStepSchema>;
export type StepOf<A extends StepAction> = Extract<Step, { action: A }>;

/** Steps that act on an element and therefore must carry selectors. */
export function stepTargetsElement(step: Step): step is ClickStep | InputStep | SelectStep | CheckStep | SubmitStep | WaitForStep {
  return step.action === 'click' || step.action === 'input' || step.action === 'select' || step.action === 'check' || step.action === 'submit' || step.action === 'waitFor';
}

// ---------------------------------------------------------------------------------------------
// Flow

export const FlowSchema = z
  .object({
    schemaVersion: z
      .number({ error: 'must be a number' })
      .default(FLOW_SCHEMA_VERSION)
      .check((ctx) => {
        if (ctx.value !== FLOW_SCHEMA_VERSION) {
          ctx.issues.push({
            code: 'custom',
            input: ctx.value,
            message:
              ctx.value > FLOW_SCHEMA_VERSION
                ? `is ${ctx.value}, written by a newer FlowLens; this version reads flow schema ${FLOW_SCHEMA_VERSION} — update FlowLens`
                : `is ${ctx.value}, which no FlowLens version wrote; this version reads flow schema ${FLOW_SCHEMA_VERSION}`,
          });
        }
      }),
    id: z.string().optional(),
    name: z.string().trim().min(1, { error: 'must not be empty' }).max(200),
    siteId: z.string().optional(),
    startUrl: WebUrl,
    critical: z.boolean().default(false),
    /** Default per-step timeout for this flow. */
    timeoutMs: z.number().int().positive().optional(),
    steps: z.array(StepSchema),
  });

export type Flow = z.output<typeof FlowSchema>;
/** What parseFlow accepts: defaults (labels, critical, schemaVersion) may be left out. */
export type FlowInput = z.input<typeof FlowSchema>;

/**
 * Validates a flow (already JSON-parsed). Throws a ValidationError whose message lists every
 * problem with its path, e.g. `steps[3].selectors: must have at least one selector`.
 */
export function parseFlow(input: unknown): Flow {
  return parseWith(FlowSchema, input, 'Flow', 'Fix the fields above (or record the flow again) and load it once more.');
}

export function safeParseFlow(input: unknown): SafeParseResult<Flow> {
  return safeParseWith(FlowSchema, input);
}

/** Validates one step on its own (the recorder checks each step as it is captured). */
export function parseStep(input: unknown): Step {
  return parseWith(StepSchema, input, 'Step');
}
