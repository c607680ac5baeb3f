/**
 * A selector match is a candidate, not a verdict.
 *
 * verifyMatch: does an element some selector found agree with what was recorded? The caps of
 * scoreCandidate are the contradictions (a textbox is not a button; one "Add to cart" among many
 * whose card now names another product; a look-alike under another region's heading). An id or test
 * id is evidence of its own, so its match does not need the healing score, only the absence of a
 * contradiction; a position-derived id (`#add-2`) that now sits on another product's card is caught
 * by the `context` cap, because the recorded element had look-alikes and its card said otherwise.
 *
 * deriveElementMeta: imported Chrome Recorder steps carry no element metadata, only selectors. The
 * expected element is derived from all of them (aria role and name, id, test id, text, the XPath's
 * path), and marked `derived` so the resolver treats a match that none of the identifying selectors
 * confirm with suspicion (see `unconfirmedReason`).
 */
import type { ElementMeta, Selector } from '../flow.ts';
import { scoreCandidate, strongIdentity, type CandidateScore, type ScoreCap, type ScoreFeature, type ScoreOptions } from './score.ts';

export { equalIdentifiers, strongIdentity } from './score.ts';
import { deepQueryAll, parentElementOrHost, type SearchRoot } from './dom.ts';
import { regionHeading } from './meta.ts';
import { parseRoleValue, parseTestIdValue, TEST_ID_ATTRIBUTES } from './syntax.ts';
import { textSimilarity } from './text.ts';

/** Selector kinds that say what an element is or is called; text and XPath are weak (they describe words or a place). */
export const STRONG_KINDS = new Set<Selector['kind']>(['testid', 'id', 'role', 'label']);
export const WEAK_KINDS = new Set<Selector['kind']>(['text', 'xpath']);
/** Kinds that name the element itself: their match needs no similarity score, only no contradiction. */
export const IDENTIFIER_KINDS = new Set<Selector['kind']>(['testid', 'id']);

/** Caps that are a contradiction whatever selector found the element. */
const ALWAYS_CONTRADICTS: readonly ScoreCap[] = ['opposite', 'role-family', 'field-kind', 'context', 'identity'];

/** The cap a derived (imported) expectation applies when nothing identifying confirms the candidate. */
export const UNCONFIRMED_CAP = 0.7;

export interface MatchVerdict {
  ok: boolean;
  /** Why the match contradicts the recording (the first contradiction). */
  reason?: string;
  score: CandidateScore;
}

/**
 * Checks a unique selector match against the recording. `score` must already include the derived
 * expectation's `unconfirmed` cap when the step was imported (see scoreAgainst).
 */
export function verifyMatch(recorded: ElementMeta, score: CandidateScore, candidate: ElementMeta, kind: Selector['kind'], threshold: number): MatchVerdict {
  const caps = score.breakdown.caps;
  for (const c of caps) {
    if (ALWAYS_CONTRADICTS.includes(c.cap)) return { ok: false, reason: c.reason, score };
    if (c.cap === 'surroundings' && !strongIdentity(recorded, candidate)) return { ok: false, reason: c.reason, score };
  }
  if (IDENTIFIER_KINDS.has(kind)) return { ok: true, score };
  if (score.score < threshold) {
    return { ok: false, reason: caps[0]?.reason ?? `it scores only ${score.score} against the recording (needs ${threshold})`, score };
  }
  return { ok: true, score };
}

// ---------------------------------------------------------------------------------------------
// Imported steps: the expected element, from the selectors alone

/** An ancestor step of an XPath: a tag ('*' for any) and, when the step pins it, an id. */
export interface PathStep {
  tag: string;
  id?: string;
}

export interface DerivedMeta extends ElementMeta {
  derived: true;
  /** Ancestors from the XPath, nearest first (none when the XPath had no path). */
  xpathAncestors: PathStep[];
  /**
   * Whether a selector said what kind of element it is (a role, or the XPath's own tag). A label or
   * text selector alone does not: `tag` is then a placeholder the score leaves out.
   */
  tagKnown: boolean;
}

const ROLE_TAGS: Readonly<Record<string, string>> = { button: 'button', link: 'a', textbox: 'input', checkbox: 'input', radio: 'input', combobox: 'select', searchbox: 'input', heading: 'h2' };

/** `//*[@id="x"]/div/form/button[2]` → steps; null when the XPath is not a plain path. */
export function parseXPathPath(xpath: string): { steps: PathStep[]; self: PathStep } | null {
  const text = xpath.trim();
  const re = /^\/{1,2}(\*|[a-zA-Z][\w-]*)((?:\[[^\]]*\])*)/;
  const steps: PathStep[] = [];
  let rest = text;
  while (rest !== '') {
    const m = re.exec(rest);
    if (!m || m[1] === undefined) return null;
    const step: PathStep = { tag: m[1].toLowerCase() };
    const id = /\[@id=(?:"([^"]*)"|'([^']*)')\]/.exec(m[2] ?? '');
    if (id) step.id = id[1] ?? id[2] ?? '';
    steps.push(step);
    rest = rest.slice(m[0].length);
  }
  const self = steps.pop();
  if (!self) return null;
  return { steps: steps.filter((s) => s.tag !== 'html' && s.tag !== 'body').reverse(), self };
}

/**
 * The element an imported step expects, from every selector it has; null when the selectors say
 * nothing about the element (only CSS paths).
 */
export function deriveElementMeta(selectors: readonly Selector[]): DerivedMeta | null {
  let role = '';
  let name = '';
  let text = '';
  let tag = '';
  const attributes: Record<string, string> = {};
  let xpathAncestors: PathStep[] = [];
  for (const s of selectors) {
    switch (s.kind) {
      case 'role': {
        const r = parseRoleValue(s.value);
        if (r && role === '') {
          role = r.role;
          if (r.name !== undefined && name === '') name = r.name;
        }
        break;
      }
      case 'label':
        if (name === '') name = s.value;
        break;
      case 'text':
        if (text === '') text = s.value;
        break;
      case 'id':
        attributes['id'] ??= s.value;
        break;
      case 'testid': {
        const t = parseTestIdValue(s.value);
        attributes[t.attribute] ??= t.value;
        break;
      }
      case 'xpath': {
        const p = parseXPathPath(s.value);
        if (!p) break;
        if (p.self.tag !== '*' && tag === '') tag = p.self.tag;
        if (p.self.id !== undefined) attributes['id'] ??= p.self.id;
        if (p.steps.length > xpathAncestors.length) xpathAncestors = p.steps;
        break;
      }
      default:
        break;
    }
  }
  if (role === '' && name === '' && text === '' && Object.keys(attributes).length === 0) return null;
  if (name === '' && text !== '') name = text;
  if (tag === '') tag = ROLE_TAGS[role] ?? '';
  const tagKnown = tag !== '';
  return {
    derived: true,
    xpathAncestors,
    tagKnown,
    tag: tagKnown ? tag : 'button',
    role,
    name,
    labelText: '',
    nearbyText: '',
    text,
    attributes,
    box: null,
    ancestors: xpathAncestors.map((a) => ({ tag: a.tag === '*' ? 'div' : a.tag, classes: [], ...(a.id ? { id: a.id } : {}) })).slice(0, 5),
    lookalikes: 0,
    region: '',
  };
}

export function isDerived(meta: ElementMeta): meta is DerivedMeta {
  return (meta as Partial<DerivedMeta>).derived === true;
}

/** Does the candidate sit where the XPath said (same ancestor tags, and ids where the XPath pinned them)? */
function pathAgrees(path: readonly PathStep[], candidate: ElementMeta): boolean {
  if (path.length === 0) return false;
  const n = Math.min(path.length, candidate.ancestors.length);
  if (n < Math.min(path.length, 2)) return false;
  for (let i = 0; i < n; i++) {
    const want = path[i]!;
    const got = candidate.ancestors[i]!;
    if (want.tag !== '*' && want.tag !== got.tag) return false;
    if (want.id !== undefined) return got.id === want.id;
  }
  return true;
}

/**
 * For a derived expectation: why nothing identifying confirms the candidate, or null. The
 * recording had an id or test id; the candidate has none of them, and it does not sit where the
 * XPath's path said. Then only its words match: the "Place order" in the "Gift cards" section.
 */
export function unconfirmedReason(recorded: DerivedMeta, candidate: ElementMeta): string | null {
  const ids = ['id', ...TEST_ID_ATTRIBUTES].filter((a) => recorded.attributes[a] !== undefined);
  if (ids.length === 0) return null;
  if (ids.some((a) => recorded.attributes[a] === candidate.attributes[a])) return null;
  if (pathAgrees(recorded.xpathAncestors, candidate)) return null;
  return `the recording's ${ids.map((a) => (a === 'id' ? `id "${recorded.attributes[a]}"` : `test id "${recorded.attributes[a]}"`)).join(' and ')} point at nothing and the element is not where its XPath said: only its words match`;
}

/** What selectors cannot tell about the recorded element. */
const DERIVED_UNKNOWN: readonly ScoreFeature[] = ['nearby', 'label', 'classes', 'position'];

/** scoreCandidate, plus the `unconfirmed` cap for derived (imported) expectations. */
export function scoreAgainst(recorded: ElementMeta, candidate: ElementMeta, options: ScoreOptions = {}): CandidateScore {
  if (!isDerived(recorded)) return scoreCandidate(recorded, candidate, options);
  const unknown: ScoreFeature[] = [...DERIVED_UNKNOWN];
  if (recorded.text === '') unknown.push('text');
  if (recorded.name === '') unknown.push('name');
  if (!recorded.tagKnown) unknown.push('tag');
  if (recorded.role === '') unknown.push('role');
  if (recorded.xpathAncestors.length === 0) unknown.push('ancestors');
  const s = scoreCandidate(recorded, candidate, { ...options, unknown, derived: true });
  const why = unconfirmedReason(recorded, candidate);
  if (!why) return s;
  return {
    score: Math.min(s.score, UNCONFIRMED_CAP),
    breakdown: { ...s.breakdown, caps: [...s.breakdown.caps, { cap: 'identity', limit: UNCONFIRMED_CAP, reason: why }] },
  };
}

// ---------------------------------------------------------------------------------------------
// The form's only submit button

const SUBMIT_CSS = 'button:not([type]), button[type="submit" i], input[type="submit" i], input[type="image" i]';

function isSubmitLike(meta: ElementMeta): boolean {
  const type = (meta.attributes['type'] ?? '').toLowerCase();
  return type === 'submit' || type === 'image' || (meta.tag === 'button' && type === '');
}

/** The form a control submits: its form owner (which follows form="…"), else the form around it, across shadow roots. */
export function formOf(el: Element): Element | null {
  const owner = (el as Element & { form?: Element | null }).form;
  if (owner) return owner;
  for (let cur = parentElementOrHost(el); cur; cur = parentElementOrHost(cur)) if (cur.localName === 'form') return cur;
  return null;
}

/**
 * Where a careful tester clicks a submit button whose words and ids changed: the recorded element
 * submitted the form headed like the recording's region; if exactly one such form is on the page and
 * it has exactly one visible submit button (in the form, in an open shadow root inside it, or
 * associated with it by form="…" from elsewhere), that button is the one. Null otherwise (two
 * submit buttons, no such form, a derived expectation without a region).
 */
export function onlySubmitOfForm(root: SearchRoot, recorded: ElementMeta, visible: (el: Element) => boolean): Element | null {
  if (isDerived(recorded) || !isSubmitLike(recorded) || recorded.region === '') return null;
  const headings = recorded.region.split(' › ');
  const byForm = new Map<Element, Element[]>();
  for (const el of deepQueryAll(root, SUBMIT_CSS)) {
    if (!visible(el)) continue;
    const form = formOf(el);
    if (!form) continue;
    byForm.set(form, [...(byForm.get(form) ?? []), el]);
  }
  const forms = [...byForm.keys()].filter((f) => {
    const h = regionHeading(f);
    return h !== '' && headings.some((r) => (textSimilarity(r, h) ?? 0) >= 0.9);
  });
  if (forms.length !== 1) return null;
  const submits = byForm.get(forms[0]!) ?? [];
  return submits.length === 1 ? submits[0]! : null;
}
