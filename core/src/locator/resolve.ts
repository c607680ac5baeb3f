/**
 * resolveStep: find the element a recorded step acts on, healing when the page has drifted.
 *
 * 1. Ranked selectors, best first. A selector that matches exactly one visible element gives a
 *    candidate, not a verdict: it is taken (`found`) only when it does not contradict the recorded
 *    element (verify.ts: role, name/text, its card when the recording had look-alikes, its region,
 *    identifying attributes), and, unless the selector is an id or test id, when it also clears the
 *    healing threshold. Structural selectors (CSS path, XPath) must moreover be the best metadata
 *    match on the page; a CSS path that now lands on another list item is not trusted. A weak
 *    selector (text, XPath) never decides alone when every stronger one points at nothing.
 *    Imported steps without metadata are checked against the element derived from all their
 *    selectors (verify.ts deriveElementMeta).
 * 2. Otherwise heal: score the visible interactive elements (and elements with the recorded tag),
 *    at most `maxCandidates`, with scoreCandidate, and take the best only if it clears `threshold`
 *    AND beats the runner-up by `margin` (`healed`). A best that clears the threshold without the
 *    margin is `ambiguous`: two look-alikes and no way to tell which was meant. Otherwise
 *    `not_found`. Precision before recall: failing a step is recoverable, clicking the wrong
 *    button is not.
 */
import type { ElementMeta, Selector } from '../flow.ts';
import { accessibleName, elementText, getRole, INTERACTIVE_CSS } from './aria.ts';
import { deepQueryAll, isVisible as defaultIsVisible, type SearchRoot } from './dom.ts';
import { generateSelectors } from './generate.ts';
import { countLookalikes, describeElement } from './meta.ts';
import { querySelector, SelectorError } from './query.ts';
import type { CandidateScore, ScoreOptions } from './score.ts';
import { describeSelector, TEST_ID_ATTRIBUTES } from './syntax.ts';
import { textSimilarity } from './text.ts';
import { deriveElementMeta, isDerived, onlySubmitOfForm, scoreAgainst, STRONG_KINDS, verifyMatch, WEAK_KINDS } from './verify.ts';

export const DEFAULT_HEAL_THRESHOLD = 0.75;
export const DEFAULT_HEAL_MARGIN = 0.15;
export const DEFAULT_MAX_CANDIDATES = 500;

export type ResolveStatus = 'found' | 'healed' | 'not_found' | 'ambiguous';

export interface ResolveOptions extends ScoreOptions {
  /** Minimum score to heal onto a candidate. Default 0.75. */
  threshold?: number;
  /** Minimum lead of the best candidate over the runner-up. Default 0.15. */
  margin?: number;
  /** Bound on candidates scored, for huge pages. Default 500. */
  maxCandidates?: number;
  /** How many top candidates to return. Default 5. */
  candidateCount?: number;
  /** Visibility rule; defaults to dom.ts isVisible (no layout needed). */
  isVisible?: (el: Element) => boolean;
  /** Set false to skip healing (selectors only). Default true. */
  heal?: boolean;
}

export interface ResolveCandidate extends CandidateScore {
  element: Element;
  meta: ElementMeta;
}

export interface SelectorAttempt {
  selector: Selector;
  /** Elements matched, visible or not. */
  matched: number;
  visible: number;
  /** Why a unique match was not taken, or why the selector could not run. */
  note?: string;
  /** Its unique match contradicted the recorded element (another product's card, another region). */
  contradicted?: boolean;
}

export interface ResolveResult {
  status: ResolveStatus;
  element?: Element;
  /** The selector that found the element; for a healed element, the best fresh selector for it. */
  selectorUsed?: Selector;
  /** 1 for a selector match, the candidate score when healed. */
  confidence?: number;
  /** Top candidates by score, best first (empty when a trusted selector matched). */
  candidates: ResolveCandidate[];
  attempts: SelectorAttempt[];
}

/** What resolveStep needs from a step: its ranked selectors and, for healing, the recorded element. */
export interface ResolvableStep {
  selectors?: readonly Selector[] | undefined;
  element?: ElementMeta | undefined;
}

const STRUCTURAL_KINDS = new Set<Selector['kind']>(['css', 'xpath']);
/** A structural match within this much of the best candidate counts as the best. */
const STRUCTURAL_TIE = 0.02;

function gatherCandidates(root: SearchRoot, recorded: ElementMeta, visible: (el: Element) => boolean, max: number): Element[] {
  const tag = /^[a-z][a-z0-9-]*$/.test(recorded.tag) ? recorded.tag : null;
  const css = tag ? `${INTERACTIVE_CSS}, ${tag}` : INTERACTIVE_CSS;
  const all = deepQueryAll(root, css).filter(visible);
  if (all.length <= max) return all;
  // Too many: keep the ones most likely to be it, cheaply (same tag, then text overlap), stable order.
  const cheap = (el: Element): number => (el.localName === recorded.tag ? 1 : 0) + (textSimilarity(recorded.text || recorded.name, el.textContent ?? '') ?? 0);
  return all
    .map((el, i) => ({ el, i, k: cheap(el) }))
    .sort((a, b) => b.k - a.k || a.i - b.i)
    .slice(0, max)
    .map((x) => x.el);
}

function scoreAll(root: SearchRoot, recorded: ElementMeta, visible: (el: Element) => boolean, options: ResolveOptions): ResolveCandidate[] {
  const elements = gatherCandidates(root, recorded, visible, options.maxCandidates ?? DEFAULT_MAX_CANDIDATES);
  return elements
    .map((element, i) => {
      const meta = describeElement(element, { countLookalikes: false });
      return { element, meta, i, ...scoreAgainst(recorded, meta, options) };
    })
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map(({ i: _i, ...c }) => c);
}

/** The recorded id or test id when it ends in a number (`add-2`, `item_3`): a position, not a name. */
function positionalId(recorded: ElementMeta): string | null {
  for (const [k, v] of Object.entries(recorded.attributes)) {
    if ((k === 'id' || TEST_ID_ATTRIBUTES.includes(k as (typeof TEST_ID_ATTRIBUTES)[number])) && /\d+$/.test(v)) return v;
  }
  return null;
}

/** Resolves one step's target under `root`. Never throws for bad selectors: they are reported in `attempts`. */
export function resolveStep(root: SearchRoot, step: ResolvableStep, options: ResolveOptions = {}): ResolveResult {
  const visible = options.isVisible ?? defaultIsVisible;
  const threshold = options.threshold ?? DEFAULT_HEAL_THRESHOLD;
  const margin = options.margin ?? DEFAULT_HEAL_MARGIN;
  const keep = options.candidateCount ?? 5;
  // Imported (Chrome Recorder) steps have no metadata: the expected element comes from the selectors.
  const recorded = step.element ?? deriveElementMeta(step.selectors ?? []) ?? undefined;
  const attempts: SelectorAttempt[] = [];
  // A weak selector (text, XPath) alone never decides when the stronger ones point at nothing.
  let strongEmpty: boolean | null = null;
  // An imported step whose only identity is a positional id among look-alikes: never healed either.
  let positionalGuess = false;
  const strongPointAtNothing = (): boolean =>
    (strongEmpty ??= (() => {
      const strong = (step.selectors ?? []).filter((s) => STRONG_KINDS.has(s.kind));
      if (strong.length === 0) return false;
      return strong.every((s) => {
        try {
          return querySelector(root, s).filter(visible).length === 0;
        } catch {
          return true;
        }
      });
    })());
  let scored: ResolveCandidate[] | null = null;
  const candidates = (): ResolveCandidate[] => (scored ??= recorded ? scoreAll(root, recorded, visible, options) : []);
  let sawAmbiguousSelector = false;

  for (const selector of step.selectors ?? []) {
    let matched: Element[];
    try {
      matched = querySelector(root, selector);
    } catch (e) {
      attempts.push({ selector, matched: 0, visible: 0, note: e instanceof SelectorError ? e.message : String(e) });
      continue;
    }
    const shown = matched.filter(visible);
    const attempt: SelectorAttempt = { selector, matched: matched.length, visible: shown.length };
    attempts.push(attempt);
    if (shown.length > 1) sawAmbiguousSelector = true;
    if (shown.length !== 1) continue;
    const element = shown[0] as Element;
    if (WEAK_KINDS.has(selector.kind) && strongPointAtNothing()) {
      attempt.note = `only this ${selector.kind} selector matched; the stronger selectors point at nothing, so it does not decide alone`;
      continue;
    }
    if (recorded && STRUCTURAL_KINDS.has(selector.kind)) {
      const list = candidates();
      const best = list[0];
      const mine = list.find((c) => c.element === element) ?? { ...scoreAgainst(recorded, describeElement(element, { countLookalikes: false }), options), element };
      if (best && best.element !== element && best.score - mine.score > STRUCTURAL_TIE) {
        attempt.note = `matched an element scoring ${mine.score}, but another scores ${best.score}: the ${selector.kind} path now points elsewhere`;
        continue;
      }
    }
    // Imported steps: one of several look-alikes told apart only by a positional id (#add-2) is a guess.
    if (recorded && isDerived(recorded) && positionalId(recorded)) {
      const alike = 1 + countLookalikes(element, getRole(element), accessibleName(element), elementText(element), visible);
      if (alike > 1) {
        positionalGuess = true;
        attempt.note = `the recording names one of ${alike} look-alikes only by a positional-looking id (${positionalId(recorded)}); nothing recorded tells them apart`;
        attempt.contradicted = true;
        continue;
      }
    }
    // A selector match is a candidate, not a verdict: it must not contradict the recording.
    if (recorded) {
      const meta = describeElement(element, { countLookalikes: false });
      const verdict = verifyMatch(recorded, scoreAgainst(recorded, meta, options), meta, selector.kind, threshold);
      if (!verdict.ok) {
        attempt.note = `matched an element that contradicts the recording (score ${verdict.score.score}): ${verdict.reason ?? 'it differs from the recorded one'}`;
        attempt.contradicted = true;
        continue;
      }
    }
    return { status: 'found', element, selectorUsed: selector, confidence: 1, candidates: [], attempts };
  }

  if (positionalGuess) return { status: 'ambiguous', candidates: [], attempts };
  if (!recorded || options.heal === false) {
    return { status: sawAmbiguousSelector ? 'ambiguous' : 'not_found', candidates: [], attempts };
  }

  const list = candidates();
  const top = list.slice(0, keep);
  const best = list[0];
  const clears = !!best && best.score >= threshold && best.score - (list[1]?.score ?? 0) >= margin;
  if (!clears) {
    // The form's only submit button, where the recorded one was, with new words (verify.ts).
    const submit = onlySubmitOfForm(root, recorded, visible);
    const mine = submit ? (list.find((c) => c.element === submit) ?? null) : null;
    const meta = submit ? (mine?.meta ?? describeElement(submit, { countLookalikes: false })) : null;
    const sc = submit && meta ? (mine ?? scoreAgainst(recorded, meta, options)) : null;
    // New words and a moved place are what this rule accepts; another role or the opposite action never.
    if (submit && sc && !sc.breakdown.caps.some((c) => c.cap === 'opposite' || c.cap === 'role-family' || c.cap === 'field-kind')) {
      const fresh = generateSelectors(submit, undefined, { isVisible: visible })[0];
      return { status: 'healed', element: submit, ...(fresh ? { selectorUsed: fresh } : {}), confidence: Math.max(sc.score, threshold), candidates: top, attempts };
    }
  }
  if (!best || best.score < threshold) {
    return { status: sawAmbiguousSelector ? 'ambiguous' : 'not_found', candidates: top, attempts };
  }
  const runnerUp = list[1]?.score ?? 0;
  if (best.score - runnerUp < margin) return { status: 'ambiguous', candidates: top, attempts };
  const fresh = generateSelectors(best.element, undefined, { isVisible: visible })[0];
  return {
    status: 'healed',
    element: best.element,
    ...(fresh ? { selectorUsed: fresh } : {}),
    confidence: best.score,
    candidates: top,
    attempts,
  };
}

/** One sentence on why a step could not be resolved, for reports and bug messages. */
export function explainResolveFailure(result: ResolveResult, options: Pick<ResolveOptions, 'threshold' | 'margin'> = {}): string {
  const threshold = options.threshold ?? DEFAULT_HEAL_THRESHOLD;
  const tried = result.attempts.map((a) => `${describeSelector(a.selector)} (${a.visible} visible${a.note ? `; ${a.note}` : ''})`).join(', ');
  const best = result.candidates[0];
  const second = result.candidates[1];
  const why =
    result.status === 'ambiguous'
      ? best && second
        ? `two elements look alike ("${best.meta.name || best.meta.text}" ${best.score} and "${second.meta.name || second.meta.text}" ${second.score}), so none was picked`
        : 'a selector matched several visible elements and healing could not tell them apart'
      : best
        ? `the closest element, "${best.meta.name || best.meta.text || best.meta.tag}", scored ${best.score} (needs ${threshold})`
        : 'no element on the page resembles the recorded one';
  return `${tried ? `Tried ${tried}; ` : 'The step has no selectors; '}${why}.`;
}
