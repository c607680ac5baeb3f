/**
 * Best-effort AI labels (issue 4): after a recording stops, the `label-steps` edge function may
 * improve labels and instructions with Claude. Template labels already stand on their own; a 503
 * ({available:false}, no ANTHROPIC_API_KEY), a missing function or a network error changes
 * nothing. Labels the user wrote are never replaced, also when they were edited while the request
 * was in flight. Typed values are not sent.
 */
import type { Step } from '@flowlens/core';
import { FunctionErrorSchema, type LabelStepsRequest, LabelStepsResponseSchema } from '@flowlens/core/edge-functions';
import { rateLimitedMessage } from '../lib/errors.ts';
import { readRecorderState, updateRecorderState } from '../lib/state.ts';
import { signedIn } from './backend-access.ts';

/** The body label-steps takes (core's contract): the draft's steps in order, without typed values. */
export function labelStepsBody(siteId: string, draft: readonly Step[]): LabelStepsRequest {
  return {
    site_id: siteId,
    steps: draft.map((step, index) => ({
      index,
      action: step.action,
      label: step.label,
      element: 'element' in step ? (step.element ?? null) : null,
      page: step.page ? { url: step.page.url, title: step.page.title } : null,
      ...(step.action === 'assert' ? { assertion: step.assertion, value: step.value } : {}),
      ...(step.action === 'navigate' ? { url: step.url } : {}),
      ...(step.action === 'keypress' ? { key: step.key } : {}),
      ...(step.screenshot ? { screenshot_path: step.screenshot } : {}),
    })),
  };
}

/** The sentence of a 429 from label-steps (supabase-js keeps the Response as the error's `context`). */
async function labelsRefusal(error: unknown): Promise<string | null> {
  const res = typeof error === 'object' && error !== null ? (error as { context?: unknown }).context : null;
  if (!(res instanceof Response) || res.status !== 429) return null;
  const body = FunctionErrorSchema.safeParse(await res.clone().json().catch(() => null));
  return rateLimitedMessage(body.success ? body.data.error : undefined, res.headers.get('retry-after')) ?? 'too many requests right now; try again in a minute.';
}

export async function improveLabels(): Promise<number> {
  const state = await readRecorderState();
  if (!state.draft || !state.siteId || state.draft.steps.length === 0) return 0;
  const { db } = await signedIn();
  const snapshot = state.draft.steps.map((s) => s.uid);
  const body = labelStepsBody(state.siteId, state.draft.steps.map((d) => d.step));
  const { data, error } = await db.functions.invoke('label-steps', { body });
  if (error) {
    // Still best-effort, but a refused limit (429) says so in the panel with the server's sentence.
    const refusal = await labelsRefusal(error);
    if (refusal) await updateRecorderState((s) => ({ ...s, notice: `Labels were not improved: ${refusal}` }));
    return 0;
  }
  const parsed = LabelStepsResponseSchema.safeParse(data);
  if (!parsed.success) return 0;
  let changed = 0;
  await updateRecorderState((s) => {
    if (!s.draft) return s;
    for (const l of parsed.data.labels) {
      const uid = snapshot[l.index];
      const d = s.draft.steps.find((x) => x.uid === uid);
      if (!d || d.step.labelSource === 'user') continue;
      d.step = { ...d.step, label: l.label, labelSource: 'ai', ...(l.confidence != null ? { labelConfidence: l.confidence } : {}), ...(l.instruction ? { instruction: l.instruction } : {}) };
      changed++;
    }
    if (changed > 0) s.dirty = true;
    if (changed > 0) s.notice = `Labels improved for ${changed} step${changed === 1 ? '' : 's'}. Your own edits were kept.`;
    return s;
  });
  return changed;
}
