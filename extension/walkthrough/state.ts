/**
 * Background-side pure helpers for walkthroughs: the stored state's schema (browser.storage.session
 * is validated on every read: a sleeping service worker wakes up with whatever is there), steps
 * from the database rows, the bug's evidence, and the outcome row for flow_results.
 */
import { z } from 'zod';
import { ASSERTION_KINDS, STEP_ACTIONS, type Step } from '@flowlens/core/flow';
import { VIEWPORT_NAMES, viewportNameForWidth, type ViewportName } from '@flowlens/core/viewport';
import type { StepLogEntry, WalkBug, WalkState, WalkStep } from './protocol.ts';

const ACTIONS = STEP_ACTIONS;

const WalkStepSchema = z.object({
  action: z.enum(ACTIONS),
  label: z.string(),
  instruction: z.string().optional(),
  selectors: z.array(z.object({ kind: z.string(), value: z.string() })).optional(),
  element: z.unknown().optional(),
  url: z.string().optional(),
  value: z.string().optional(),
  optionText: z.string().optional(),
  checked: z.boolean().optional(),
  key: z.string().optional(),
  assertion: z.enum(ASSERTION_KINDS).optional(),
  state: z.enum(['present', 'absent']).optional(),
  x: z.number().optional(),
  y: z.number().optional(),
  screenshot: z.string().optional(),
  frame: z.array(z.number().int().min(0)).max(10).optional(),
  page: z.object({ viewport: z.object({ width: z.number(), height: z.number() }).optional() }).optional(),
});

const LogSchema = z.object({
  index: z.number().int().min(0),
  action: z.enum(ACTIONS),
  status: z.enum(['passed', 'healed', 'failed']),
  by: z.enum(['user', 'extension', 'auto']),
  confidence: z.number().optional(),
  error: z.string().optional(),
});

const BugSchema = z.object({
  id: z.string(),
  title: z.string(),
  stepIndex: z.number().int().min(0),
  error: z.string(),
  console: z.array(z.string()),
  request: z.object({ method: z.string(), url: z.string(), status: z.number().optional(), failure: z.string().optional() }).optional(),
  pageUrl: z.string().optional(),
  viewports: z.array(z.enum(VIEWPORT_NAMES)).max(3).optional(),
});

export const WalkStateSchema = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  tabId: z.number().int(),
  flow: z.object({ id: z.string(), name: z.string(), siteId: z.string(), version: z.number().int(), startUrl: z.string() }),
  steps: z.array(WalkStepSchema).min(1),
  index: z.number().int().min(0),
  status: z.enum(['active', 'at-bug', 'done']),
  log: z.array(LogSchema),
  bug: BugSchema.optional(),
  pastBug: z.boolean().optional(),
  viewport: z.enum(VIEWPORT_NAMES).optional(),
  startedAt: z.string(),
  offTarget: z.number().int().min(0),
  recorded: z.boolean().optional(),
});

/** The stored state, or null when absent or not what we wrote (never trusted blindly). */
export function parseWalkState(raw: unknown): WalkState | null {
  const r = WalkStateSchema.safeParse(raw);
  if (!r.success || r.data.index > r.data.steps.length) return null;
  return r.data as WalkState;
}

/** What the content script needs from a validated core Step. */
export function toWalkStep(step: Step): WalkStep {
  const s = step as Step & Record<string, unknown>;
  const out: WalkStep = { action: step.action, label: step.label || defaultLabel(step) };
  if (step.instruction) out.instruction = step.instruction;
  if (Array.isArray(s.selectors)) out.selectors = (s.selectors as { kind: string; value: string }[]).map((x) => ({ kind: x.kind, value: x.value }));
  if (s.element !== undefined) out.element = s.element;
  for (const k of ['url', 'value', 'optionText', 'key', 'assertion', 'state', 'screenshot'] as const) if (typeof s[k] === 'string') (out as unknown as Record<string, unknown>)[k] = s[k];
  for (const k of ['x', 'y'] as const) if (typeof s[k] === 'number') out[k] = s[k];
  if (typeof s.checked === 'boolean') out.checked = s.checked;
  if (step.frame?.length) out.frame = [...step.frame];
  const vp = step.page?.viewport;
  if (vp) out.page = { viewport: { width: vp.width, height: vp.height } };
  return out;
}

function defaultLabel(step: Step): string {
  const s = step as Step & Record<string, unknown>;
  switch (step.action) {
    case 'navigate':
      return `Go to ${String(s.url ?? 'the page')}`;
    case 'assert':
      return `Check: ${String(s.assertion ?? '')} ${String(s.value ?? '')}`.trim();
    default:
      return step.action.charAt(0).toUpperCase() + step.action.slice(1);
  }
}

/** The bug's failing step and what went wrong there, from the bug row and its newest occurrence's evidence. */
export function bugFromRows(
  bug: { id: string; title: string; message: string | null; step_index: number | null; page_url: string | null; viewports?: unknown },
  evidence: Record<string, unknown> | null | undefined,
  stepCount: number,
): WalkBug {
  const ev = evidence ?? {};
  const index = Math.min(Math.max(0, bug.step_index ?? 0), Math.max(0, stepCount - 1));
  const consoleLines = Array.isArray(ev.console) ? (ev.console as unknown[]).filter((l): l is string => typeof l === 'string').slice(0, 10).map((l) => l.slice(0, 500)) : [];
  const req = ev.request as Record<string, unknown> | undefined;
  const out: WalkBug = { id: bug.id, title: bug.title, stepIndex: index, error: (bug.message ?? '').slice(0, 2000) || bug.title, console: consoleLines };
  if (req && typeof req.url === 'string') {
    out.request = { method: typeof req.method === 'string' ? req.method : 'GET', url: req.url };
    if (typeof req.status === 'number') out.request.status = req.status;
    if (typeof req.failure === 'string') out.request.failure = req.failure;
  }
  if (bug.page_url) out.pageUrl = bug.page_url;
  // Where the crawler saw it fail: the walkthrough warns (and offers that width) when it runs elsewhere.
  const viewports = Array.isArray(bug.viewports) ? VIEWPORT_NAMES.filter((v) => (bug.viewports as unknown[]).includes(v)) : [];
  if (viewports.length > 0) out.viewports = viewports;
  return out;
}

export function viewportOf(width: number | undefined): WalkState['viewport'] {
  return typeof width === 'number' && width > 0 ? viewportNameForWidth(width) : undefined;
}

export interface OutcomeRow {
  site_id: string;
  flow_id: string;
  flow_version: number;
  viewport: ViewportName;
  source: 'walkthrough';
  status: 'passed' | 'failed';
  healed_steps: number[];
  failed_step: number | null;
  /** Per step, in the crawler report's shape (index, action, status, healing?, error?) plus who did it. */
  steps: { index: number; action: StepLogEntry['action']; status: StepLogEntry['status']; by: StepLogEntry['by']; healing?: { confidence: number }; error?: string }[];
  user_id: string;
  started_at: string;
  finished_at: string;
}

/**
 * The flow_results row for a walkthrough that ended: completed (passed, with the healed steps), or
 * failed at a step. Null when there is nothing to say about the flow (the user stopped before the
 * end on a step that was working: abandoning is not a failure).
 */
export function outcomeRow(state: WalkState, userId: string, now = new Date()): OutcomeRow | null {
  const failed = state.log.find((l) => l.status === 'failed');
  const complete = state.status === 'done';
  if (!failed && !complete) return null;
  const healed = [...new Set(state.log.filter((l) => l.status === 'healed').map((l) => l.index))].sort((a, b) => a - b);
  return {
    site_id: state.flow.siteId,
    flow_id: state.flow.id,
    flow_version: state.flow.version,
    viewport: state.viewport ?? 'desktop',
    source: 'walkthrough',
    status: failed ? 'failed' : 'passed',
    healed_steps: healed,
    failed_step: failed ? failed.index : null,
    steps: [...state.log]
      .sort((a, b) => a.index - b.index)
      .map((l) => ({ index: l.index, action: l.action, status: l.status, by: l.by, ...(l.confidence !== undefined ? { healing: { confidence: l.confidence } } : {}), ...(l.error ? { error: l.error } : {}) })),
    user_id: userId,
    started_at: state.startedAt,
    finished_at: now.toISOString(),
  };
}

/** Applies a step's completion: logs it, moves on, stops at the bug's step, or finishes. */
export function advanceState(state: WalkState, entry: StepLogEntry): WalkState {
  if (state.status === 'done' || entry.index !== state.index) return state;
  const log = [...state.log.filter((l) => l.index !== entry.index), entry];
  const index = state.index + 1;
  if (index >= state.steps.length) return { ...state, log, index: state.steps.length - 1, status: 'done' };
  const atBug = state.bug && !state.pastBug && index === state.bug.stepIndex;
  return { ...state, log, index, status: atBug ? 'at-bug' : 'active' };
}
