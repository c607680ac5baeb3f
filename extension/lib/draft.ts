/**
 * The recorder's editing rules as pure functions over RecorderState (lib/state.ts), so they are
 * unit-tested without a browser: how a captured interaction becomes a step, what a navigation
 * means, and every edit the side panel can make.
 */
import { formatSecretPlaceholder, isValidSecretName, parseSecretPlaceholder, parseStep, stableUrlFragment, type Step } from '@flowlens/core';
import type { CapturedAction } from './capture.ts';
import { FriendlyError } from './errors.ts';
import { templateLabel } from './labels.ts';
import type { EditRequest } from './protocol.ts';
import type { DraftStep, RecorderState } from './state.ts';

/** A navigation this soon after a recorded action is that action's consequence (a link, a submit). */
export const CONSEQUENCE_MS = 5000;
/** The same step twice within this window is one interaction reported twice (e.g. by two frames). */
const DUPLICATE_MS = 400;

export function newUid(): string {
  return crypto.randomUUID();
}

function withLabel(step: Step): Step {
  return { ...step, label: templateLabel(step), labelSource: 'template' };
}

/** The core Step for a captured interaction, validated; throws if the capture is not a valid step. */
export function stepFromCapture(c: CapturedAction): Step {
  const common = { selectors: c.selectors, element: c.element, page: c.page, ...(c.frame && c.frame.length > 0 ? { frame: c.frame } : {}) };
  let raw: Record<string, unknown>;
  switch (c.action) {
    case 'click':
    case 'submit':
      raw = { action: c.action, ...common };
      break;
    case 'input':
      raw = { action: 'input', ...common, value: c.value };
      break;
    case 'select':
      raw = { action: 'select', ...common, value: c.value, optionText: c.optionText };
      break;
    case 'check':
      raw = { action: 'check', ...common, checked: c.checked };
      break;
    case 'keypress':
      raw = { action: 'keypress', ...common, key: c.key };
      break;
  }
  return withLabel(parseStep(raw));
}

function sameStep(a: Step, b: Step): boolean {
  if (a.action !== b.action) return false;
  const sel = (s: Step) => ('selectors' in s && s.selectors ? s.selectors[0]?.value : undefined);
  const val = (s: Step) => ('value' in s ? s.value : 'checked' in s ? String(s.checked) : 'key' in s ? s.key : undefined);
  return sel(a) === sel(b) && val(a) === val(b) && JSON.stringify(a.frame ?? []) === JSON.stringify(b.frame ?? []);
}

export function ensureDraft(state: RecorderState, startUrl: string): RecorderState {
  if (state.draft) return state;
  const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
  let host = startUrl;
  try {
    host = new URL(startUrl).host;
  } catch {
    /* keep the raw URL */
  }
  return { ...state, draft: { name: `Flow on ${host} ${stamp}`, startUrl, critical: false, steps: [] } };
}

/** Appends a captured step; returns the new state and the new step's uid (null when it was a duplicate). */
export function addCapturedStep(state: RecorderState, step: Step, now: number): { state: RecorderState; uid: string | null } {
  if (!state.draft) return { state, uid: null };
  const last = state.draft.steps.at(-1);
  if (last && sameStep(last.step, step) && now - state.lastActionAt < DUPLICATE_MS) return { state, uid: null };
  const uid = newUid();
  const steps: DraftStep[] = [...state.draft.steps, { uid, step }];
  return { state: { ...state, draft: { ...state.draft, steps }, lastActionAt: now, dirty: true }, uid };
}

/**
 * A page load or SPA route change in the recorded tab. Soon after a recorded action it is that
 * action's consequence: it becomes a "URL contains" check (the stable part of the path), which also
 * makes replay wait for the new page before the next step. Otherwise the user went there directly
 * (address bar, bookmark, back button): a navigate step.
 */
export function addPageChange(state: RecorderState, url: string, now: number): RecorderState {
  if (!state.draft || url === state.lastUrl) return { ...state, lastUrl: url };
  const previous = state.lastUrl;
  const next = { ...state, lastUrl: url };
  const draft = state.draft;
  let step: Step;
  if (now - state.lastActionAt < CONSEQUENCE_MS && draft.steps.length > 0) {
    const fragment = stableUrlFragment(url, draft.startUrl);
    const before = previous ? stableUrlFragment(previous, draft.startUrl) : null;
    // "/" is in every URL, and an unchanged path (a query-string change) says nothing new.
    if (fragment === '/' || fragment === before) return next;
    step = { action: 'assert', assertion: 'urlContains', value: fragment, label: '', labelSource: 'template' } as Step;
  } else {
    step = { action: 'navigate', url, label: '', labelSource: 'template' } as Step;
  }
  const labelled = withLabel(parseStep(step));
  const last = draft.steps.at(-1)?.step;
  if (last && sameStep(last, labelled)) return next;
  return { ...next, dirty: true, draft: { ...draft, steps: [...draft.steps, { uid: newUid(), step: labelled }] } };
}

function findIndex(state: RecorderState, uid: string): number {
  const i = state.draft?.steps.findIndex((s) => s.uid === uid) ?? -1;
  if (i < 0) throw new FriendlyError('That step is no longer in the flow. It may have been deleted; the list is up to date now.');
  return i;
}

function replaceStep(state: RecorderState, index: number, step: Step): RecorderState {
  const draft = state.draft!;
  const steps = draft.steps.slice();
  steps[index] = { uid: steps[index]!.uid, step };
  return { ...state, dirty: true, draft: { ...draft, steps } };
}

/** Applies one edit from the side panel. Throws FriendlyError when it cannot apply. */
export function applyEdit(state: RecorderState, edit: EditRequest): RecorderState {
  if (edit.op === 'dismissNotice') return { ...state, notice: null };
  if (!state.draft) throw new FriendlyError('There is no flow to edit yet. Press Record to start one.');
  const draft = state.draft;
  switch (edit.op) {
    case 'delete': {
      const i = findIndex(state, edit.uid);
      return { ...state, dirty: true, draft: { ...draft, steps: draft.steps.filter((_, j) => j !== i) } };
    }
    case 'move': {
      const i = findIndex(state, edit.uid);
      const to = Math.max(0, Math.min(draft.steps.length - 1, Math.trunc(edit.to)));
      const steps = draft.steps.slice();
      const [moved] = steps.splice(i, 1);
      steps.splice(to, 0, moved!);
      return { ...state, dirty: true, draft: { ...draft, steps } };
    }
    case 'rename': {
      const name = edit.name.replace(/\s+/g, ' ').trim();
      if (name === '') throw new FriendlyError('Give the flow a name.');
      if (name.length > 200) throw new FriendlyError('Keep the flow name under 200 characters.');
      return { ...state, dirty: true, draft: { ...draft, name } };
    }
    case 'critical':
      return { ...state, dirty: true, draft: { ...draft, critical: edit.critical } };
    case 'label': {
      const i = findIndex(state, edit.uid);
      const label = edit.label.replace(/\s+/g, ' ').trim().slice(0, 300);
      const current = draft.steps[i]!.step;
      // An empty label returns the step to its template label (and lets AI improve it again).
      const step: Step = label === '' ? { ...current, label: templateLabel(current), labelSource: 'template', labelConfidence: undefined } : { ...current, label, labelSource: 'user', labelConfidence: undefined };
      return replaceStep(state, i, step);
    }
    case 'secret': {
      const i = findIndex(state, edit.uid);
      const current = draft.steps[i]!.step;
      if (current.action !== 'input') throw new FriendlyError('Only typed values can be secret. Pick an "Enter …" step.');
      const name = edit.name.trim().toUpperCase();
      if (!isValidSecretName(name) || name.length > 64) throw new FriendlyError('Secret names use capital letters, digits and _ (for example PASSWORD or API_TOKEN).');
      // The screenshot may show the typed value: drop it with the value.
      const { screenshot: _dropped, ...rest } = current;
      const step = { ...rest, value: formatSecretPlaceholder(name) } as Step;
      return replaceStep(state, i, step.labelSource === 'user' ? step : { ...step, label: templateLabel(step) });
    }
    case 'renameSecret': {
      const to = edit.to.trim().toUpperCase();
      if (!isValidSecretName(to)) throw new FriendlyError('Secret names use capital letters, digits and _ (for example PASSWORD or API_TOKEN).');
      let changed = false;
      const steps = draft.steps.map((d) => {
        if (d.step.action !== 'input' || parseSecretPlaceholder(d.step.value) !== edit.from) return d;
        changed = true;
        const step = { ...d.step, value: formatSecretPlaceholder(to) } as Step;
        return { ...d, step: step.labelSource === 'user' ? step : { ...step, label: templateLabel(step) } };
      });
      if (!changed) throw new FriendlyError(`No step uses the secret ${edit.from} any more.`);
      return { ...state, dirty: true, draft: { ...draft, steps } };
    }
    case 'assert': {
      const a = edit.assertion;
      const text = a.kind === 'elementVisible' ? '' : a.text.replace(/\s+/g, ' ').trim().slice(0, 200);
      if (text === '' && a.kind !== 'elementVisible') throw new FriendlyError(a.kind === 'urlContains' ? 'Enter the part of the URL to check, for example /thanks.' : 'Enter the text that should be visible.');
      const step = withLabel(
        parseStep(
          a.kind === 'elementVisible' || a.kind === 'elementText'
            ? {
                action: 'assert',
                assertion: a.kind === 'elementVisible' ? 'elementVisible' : 'textVisible',
                ...(a.kind === 'elementText' ? { value: text } : {}),
                selectors: a.target.selectors,
                element: a.target.element,
                ...(a.target.frame && a.target.frame.length > 0 ? { frame: a.target.frame } : {}),
              }
            : { action: 'assert', assertion: a.kind, value: text },
        ),
      );
      const steps = draft.steps.slice();
      const at = edit.after ? findIndex(state, edit.after) + 1 : steps.length;
      steps.splice(at, 0, { uid: newUid(), step });
      return { ...state, dirty: true, draft: { ...draft, steps } };
    }
  }
}

/** Names of the secrets a draft uses, in order of first use. */
export function secretNames(steps: readonly DraftStep[]): string[] {
  const out: string[] = [];
  for (const { step } of steps) {
    if (step.action !== 'input') continue;
    const name = parseSecretPlaceholder(step.value);
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}
