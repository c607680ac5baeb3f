/**
 * A retry never repeats a harm.
 *
 * A step whose element was healed, picked among look-alikes, or found after a selector had matched
 * an element that contradicted the recording is an *uncertain* action: it may have clicked the
 * wrong thing (added the wrong product to the cart). When the flow fails after such a step, a blind
 * retry would repeat that action, so the flow is reported, not retried, and the report names the
 * earlier step that probably went wrong.
 */
export interface StepDoubt {
  /** 0-based index of the uncertain step in the flow. */
  stepIndex: number;
  label: string;
  reason: string;
}

export interface DoubtfulStep {
  index: number;
  label: string;
  status: string;
  /** Set by the runner when the action was uncertain (see the module comment). */
  doubt?: string;
}

/** Why a resolved element is uncertain, or null when a selector matched it and nothing contradicted the recording. */
export function doubtOf(res: { status: string; confidence: number | null; contradicted?: string | null; tieBroken?: boolean }): string | null {
  if (res.tieBroken) return 'its element was picked among look-alikes by the tie-breaker';
  if (res.status === 'healed') {
    const conf = res.confidence === null ? '' : ` (confidence ${Math.round(res.confidence * 100) / 100})`;
    return `its element was healed${conf}${res.contradicted ? ` after a selector matched an element that contradicted the recording: ${res.contradicted}` : ''}`;
  }
  if (res.contradicted) return `a selector matched an element that contradicted the recording (${res.contradicted}); another selector's match was used`;
  return null;
}

/** The last uncertain step before the failed one (the likeliest cause), or null. */
export function doubtBefore(steps: readonly DoubtfulStep[], failedIndex: number): StepDoubt | null {
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i]!;
    if (s.index >= failedIndex || !s.doubt || s.status === 'skipped' || s.status === 'failed') continue;
    return { stepIndex: s.index, label: s.label, reason: s.doubt };
  }
  return null;
}

/** The sentence appended to the failure message. */
export function describeDoubt(d: StepDoubt): string {
  return `Step ${d.stepIndex + 1} "${d.label}" probably went wrong: ${d.reason}. The flow was not retried, so that action was not repeated.`;
}
