/**
 * scoreCandidate: how likely a candidate element is the element that was recorded, from metadata
 * alone (no DOM), so it is testable in isolation and the crawler can show the breakdown to Claude
 * when it asks for a tie-break.
 *
 * score = min(weighted mean of the available features, every cap that applies)
 *
 * Weighted mean: each feature gives a similarity in [0, 1], or null when neither side has the
 * information (then it is left out and the other weights are renormalised, so missing data is not
 * a mismatch). Weights (sum 1):
 *
 * | feature    | weight | similarity                                                             |
 * |------------|--------|------------------------------------------------------------------------|
 * | role       | 0.15   | same role 1, same family (button/link, textbox/searchbox…) 0.5, else 0 |
 * | tag        | 0.05   | same tag 1, a/button 0.5, else 0                                       |
 * | name       | 0.20   | text similarity of accessible names                                    |
 * | text       | 0.10   | text similarity of visible text                                        |
 * | attributes | 0.15   | mean over identifying attributes present on either side (not class)   |
 * | classes    | 0.05   | Dice over stable class names (restyles rename them, so they weigh little) |
 * | label      | 0.05   | text similarity of <label> text                                        |
 * | nearby     | 0.10   | text similarity of nearby text                                         |
 * | ancestors  | 0.10   | Dice over ancestor tokens (tag, #id, .class, testid)                   |
 * | position   | 0.05   | 1 − centre distance / 400 px (only when both boxes have a size)        |
 *
 * Caps: evidence that contradicts the recording limits the score below the default healing
 * threshold (0.75) whatever else matches, because healing onto the wrong element is worse than
 * failing (precision before recall):
 *
 * - `role-family`   0.50  both have roles and they are of different families (a textbox is not a button)
 * - `field-kind`    0.50  both are form fields and their input type or `name` attribute differ (never type a password into the email field)
 * - `identity`      0.60  the recording had a name or text, the candidate's are both < 0.34 similar, and no identifying attribute (test id, id, name, href) is equal
 * - `context`       0.60  the recorded element had look-alikes (ElementMeta.lookalikes > 0: one "Add to cart"
 *                         among many) and the candidate's nearby text is < 0.9 similar to the recorded
 *                         one: only the surroundings told the look-alikes apart, so they must still match.
 *                         (Without look-alikes, changed surroundings only lower the `nearby` feature.)
 * - `surroundings`  0.70  both elements sit in a headed region (ElementMeta.region: the nearest form,
 *                         section, dialog or landmark's heading) and the headings are unlike (< 0.34):
 *                         the same "Subscribe" button under "Restock alerts" instead of under
 *                         "Get the weekly digest" is another action.
 * - `opposite`      0.50  the names differ by an opposite word (Sign in / Sign out, Subscribe / Unsubscribe):
 *                         it does the other thing.
 *
 * Strong identity (equalIdentifiers: a test id, the text and href of a link, or two of id, name and
 * a test id equal) outweighs restyled classes and moved ancestors: `surroundings` does not apply
 * (a translated or renamed heading), `context` does not apply when the region still matches, and a
 * candidate with no contradiction scores at least STRONG_IDENTITY_FLOOR. Field names that differ
 * are no contradiction when the labels still say the same field of the same type (hashed names).
 */
import type { ElementMeta } from '../flow.ts';
import { isStableToken } from './generated.ts';
import { TEST_ID_ATTRIBUTES } from './syntax.ts';
import { dice, textSimilarity } from './text.ts';

export const SCORE_WEIGHTS = {
  role: 0.15,
  tag: 0.05,
  name: 0.2,
  text: 0.1,
  attributes: 0.15,
  classes: 0.05,
  label: 0.05,
  nearby: 0.1,
  ancestors: 0.1,
  position: 0.05,
} as const;
export type ScoreFeature = keyof typeof SCORE_WEIGHTS;

export const SCORE_CAPS = {
  opposite: 0.5,
  'role-family': 0.5,
  'field-kind': 0.5,
  identity: 0.6,
  context: 0.6,
  surroundings: 0.7,
} as const;

/** The least score of a candidate with strong identity and no contradiction. */
export const STRONG_IDENTITY_FLOOR = 0.8;

/** Word pairs that name opposite actions; a name that swaps one for the other does the other thing. */
const OPPOSITES: readonly (readonly [string, string])[] = [
  ['in', 'out'], ['on', 'off'], ['add', 'remove'], ['subscribe', 'unsubscribe'], ['accept', 'decline'], ['accept', 'reject'],
  ['open', 'close'], ['show', 'hide'], ['enable', 'disable'], ['yes', 'no'], ['next', 'previous'], ['next', 'back'],
  ['save', 'delete'], ['confirm', 'cancel'], ['place', 'cancel'], ['follow', 'unfollow'], ['like', 'unlike'], ['start', 'stop'],
  ['up', 'down'], ['increase', 'decrease'], ['buy', 'sell'], ['allow', 'deny'], ['lock', 'unlock'], ['join', 'leave'],
];

/** The opposite pair two names differ by ("in/out"), or null. */
export function oppositeWords(a: string, b: string): string | null {
  const wa = a.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const wb = b.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  if (wa.length === 0 || wb.length === 0) return null;
  const onlyA = wa.filter((w) => !wb.includes(w));
  const onlyB = wb.filter((w) => !wa.includes(w));
  for (const [x, y] of OPPOSITES) {
    if ((onlyA.includes(x) && onlyB.includes(y)) || (onlyA.includes(y) && onlyB.includes(x))) return `${x}/${y}`;
  }
  return null;
}

/**
 * Identifying attributes equal on both sides: id, name, each test id attribute, and the pair
 * "same text and same href" (a link that kept its words and its target).
 */
export function equalIdentifiers(recorded: ElementMeta, candidate: ElementMeta): string[] {
  const out: string[] = [];
  for (const a of ['id', 'name', ...TEST_ID_ATTRIBUTES]) {
    const v = attributeValue(recorded, a);
    if (v !== undefined && v === attributeValue(candidate, a)) out.push(a);
  }
  const href = attributeValue(recorded, 'href');
  if (href !== undefined && href === attributeValue(candidate, 'href') && recorded.text !== '' && recorded.text === candidate.text) out.push('text+href');
  return out;
}

/** A test id, a link's text + href, or two of id / name equal: identity that outweighs restyles and moves. */
export function strongIdentity(recorded: ElementMeta, candidate: ElementMeta): boolean {
  const equal = equalIdentifiers(recorded, candidate);
  return equal.length >= 2 || equal.some((a) => a === 'text+href' || (TEST_ID_ATTRIBUTES as readonly string[]).includes(a));
}

/** Region headings less similar than this name different parts of the page (see the `surroundings` cap). */
export const SURROUNDINGS_REGION_MIN = 0.34;

/** Nearby-text similarity below which a look-alike is treated as a different item. */
export const LOOKALIKE_CONTEXT_MIN = 0.9;
export type ScoreCap = keyof typeof SCORE_CAPS;

export interface ScoreBreakdown {
  /** Similarity per feature; null when neither side had the information. */
  features: Record<ScoreFeature, number | null>;
  /** Weighted mean before caps. */
  raw: number;
  caps: { cap: ScoreCap; limit: number; reason: string }[];
}

export interface CandidateScore {
  /** In [0, 1], rounded to 3 decimals. */
  score: number;
  breakdown: ScoreBreakdown;
}

export interface ScoreOptions {
  /** Compare positions (off when replaying on a different viewport than the recording). Default true. */
  usePosition?: boolean;
  /**
   * The recorded side was derived from selectors (an imported step): compare only the attributes it
   * has, and skip the field-kind check (its input type is unknown).
   */
  derived?: boolean;
  /** Features the recorded side cannot know (an imported step has no nearby text): left out, not a mismatch. */
  unknown?: readonly ScoreFeature[];
}

const ROLE_FAMILIES: readonly (readonly string[])[] = [
  ['button', 'link', 'menuitem', 'menuitemcheckbox', 'menuitemradio', 'tab', 'option', 'treeitem', 'gridcell'],
  ['textbox', 'searchbox', 'combobox', 'spinbutton'],
  ['checkbox', 'radio', 'switch'],
];

function roleFamily(role: string): string {
  const i = ROLE_FAMILIES.findIndex((f) => f.includes(role));
  return i >= 0 ? `family-${i}` : role;
}

function roleSimilarity(a: string, b: string): number | null {
  if (a === '' && b === '') return null;
  if (a === b) return 1;
  if (a !== '' && b !== '' && roleFamily(a) === roleFamily(b)) return 0.5;
  return 0;
}

function tagSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const clickable = ['a', 'button'];
  return clickable.includes(a) && clickable.includes(b) ? 0.5 : 0;
}

/** Attributes compared by the `attributes` feature; text-like ones fuzzily. */
const COMPARED_ATTRIBUTES = ['id', 'name', 'type', 'href', 'src', 'placeholder', 'aria-label', 'alt', 'title', 'for', 'value', ...TEST_ID_ATTRIBUTES] as const;
const FUZZY_ATTRIBUTES = new Set(['placeholder', 'aria-label', 'alt', 'title', 'value']);
/** Attributes whose equality is strong evidence of identity (used by the `identity` cap). */
const IDENTIFYING_ATTRIBUTES = ['id', 'name', 'href', ...TEST_ID_ATTRIBUTES] as const;

function attributeValue(meta: ElementMeta, name: string): string | undefined {
  const v = meta.attributes[name];
  if (v === undefined || v === '') return undefined;
  // Generated ids say nothing about identity (they change between renders).
  if (name === 'id' && !isStableToken(v)) return undefined;
  if (name === 'type') return v.toLowerCase();
  return v;
}

function attributesSimilarity(a: ElementMeta, b: ElementMeta, onlyRecorded = false): number | null {
  let total = 0;
  let count = 0;
  for (const name of COMPARED_ATTRIBUTES) {
    const va = attributeValue(a, name);
    const vb = attributeValue(b, name);
    if (va === undefined && (vb === undefined || onlyRecorded)) continue;
    count++;
    if (va === undefined || vb === undefined) continue;
    if (va === vb) total += 1;
    else if (FUZZY_ATTRIBUTES.has(name)) total += textSimilarity(va, vb) ?? 0;
  }
  return count === 0 ? null : total / count;
}

function classesSimilarity(a: ElementMeta, b: ElementMeta): number | null {
  const ca = (a.attributes['class'] ?? '').split(/\s+/).filter(isStableToken);
  const cb = (b.attributes['class'] ?? '').split(/\s+/).filter(isStableToken);
  if (ca.length === 0 && cb.length === 0) return null;
  return dice(ca, cb);
}

function ancestorTokens(meta: ElementMeta): string[] {
  const out: string[] = [];
  for (const a of meta.ancestors) {
    out.push(a.tag);
    if (a.role) out.push(`role=${a.role}`);
    if (a.id) out.push(`#${a.id}`);
    if (a.testid) out.push(`testid=${a.testid}`);
    for (const c of a.classes) out.push(`.${c}`);
  }
  return out;
}

function ancestorsSimilarity(a: ElementMeta, b: ElementMeta): number | null {
  if (a.ancestors.length === 0 && b.ancestors.length === 0) return null;
  return dice(ancestorTokens(a), ancestorTokens(b));
}

function positionSimilarity(a: ElementMeta, b: ElementMeta): number | null {
  const ba = a.box;
  const bb = b.box;
  if (!ba || !bb || ba.width * ba.height === 0 || bb.width * bb.height === 0) return null;
  const dx = ba.x + ba.width / 2 - (bb.x + bb.width / 2);
  const dy = ba.y + ba.height / 2 - (bb.y + bb.height / 2);
  return Math.max(0, 1 - Math.hypot(dx, dy) / 400);
}

const FIELD_TAGS = new Set(['input', 'textarea', 'select']);

function fieldKind(meta: ElementMeta): string {
  if (meta.tag !== 'input') return meta.tag;
  return (meta.attributes['type'] ?? 'text').toLowerCase() || 'text';
}

/** Best similarity between any heading of one region path ("Inner › Outer") and any of the other's. */
function regionSimilarity(a: string, b: string): number {
  let best = 0;
  for (const x of a.split(' › ')) for (const y of b.split(' › ')) best = Math.max(best, textSimilarity(x, y) ?? 0);
  return best;
}

/** Scores how well `candidate` matches the `recorded` element; see the module comment for the formula. */
export function scoreCandidate(recorded: ElementMeta, candidate: ElementMeta, options: ScoreOptions = {}): CandidateScore {
  const features: Record<ScoreFeature, number | null> = {
    role: roleSimilarity(recorded.role, candidate.role),
    tag: tagSimilarity(recorded.tag, candidate.tag),
    name: textSimilarity(recorded.name, candidate.name),
    text: textSimilarity(recorded.text, candidate.text),
    attributes: attributesSimilarity(recorded, candidate, options.derived === true),
    classes: classesSimilarity(recorded, candidate),
    label: textSimilarity(recorded.labelText, candidate.labelText),
    nearby: textSimilarity(recorded.nearbyText, candidate.nearbyText),
    ancestors: ancestorsSimilarity(recorded, candidate),
    position: options.usePosition === false ? null : positionSimilarity(recorded, candidate),
  };
  for (const key of options.unknown ?? []) features[key] = null;

  let weighted = 0;
  let weights = 0;
  for (const key of Object.keys(SCORE_WEIGHTS) as ScoreFeature[]) {
    const sim = features[key];
    if (sim === null) continue;
    weighted += SCORE_WEIGHTS[key] * sim;
    weights += SCORE_WEIGHTS[key];
  }
  const raw = weights === 0 ? 0 : weighted / weights;

  const caps: ScoreBreakdown['caps'] = [];
  const cap = (name: ScoreCap, reason: string) => caps.push({ cap: name, limit: SCORE_CAPS[name], reason });

  if (recorded.role !== '' && candidate.role !== '' && roleFamily(recorded.role) !== roleFamily(candidate.role)) {
    cap('role-family', `role ${candidate.role} is not like the recorded ${recorded.role}`);
  }
  if (FIELD_TAGS.has(recorded.tag) && FIELD_TAGS.has(candidate.tag) && options.derived !== true) {
    const ra = attributeValue(recorded, 'name');
    const ca = attributeValue(candidate, 'name');
    // Hashed field names: the label still says which field it is, and the type agrees.
    const sameLabel = recorded.labelText !== '' && (textSimilarity(recorded.labelText, candidate.labelText) ?? 0) >= 0.9;
    if (fieldKind(recorded) !== fieldKind(candidate)) cap('field-kind', `field kind ${fieldKind(candidate)} differs from the recorded ${fieldKind(recorded)}`);
    else if (ra !== undefined && ca !== undefined && ra !== ca && !sameLabel) cap('field-kind', `field name "${ca}" differs from the recorded "${ra}"`);
  }
  if (recorded.name !== '' || recorded.text !== '') {
    const nameSim = features.name ?? 0;
    const textSim = features.text ?? 0;
    const sameIdentifier = IDENTIFYING_ATTRIBUTES.some((a) => {
      const v = attributeValue(recorded, a);
      return v !== undefined && v === attributeValue(candidate, a);
    });
    if (nameSim < 0.34 && textSim < 0.34 && !sameIdentifier) cap('identity', 'its name and text are unlike the recorded ones and no identifying attribute matches');
  }
  const strong = strongIdentity(recorded, candidate);
  const sameRegion = recorded.region !== '' && candidate.region !== '' && regionSimilarity(recorded.region, candidate.region) >= LOOKALIKE_CONTEXT_MIN;
  if (recorded.lookalikes > 0 && (features.nearby ?? 0) < LOOKALIKE_CONTEXT_MIN && !(strong && sameRegion)) {
    cap('context', `the recorded element was one of ${recorded.lookalikes + 1} look-alikes and the text around this one differs from the text around it`);
  }

  if (recorded.region !== '' && candidate.region !== '' && regionSimilarity(recorded.region, candidate.region) < SURROUNDINGS_REGION_MIN && !strong) {
    cap('surroundings', `it is under "${candidate.region}", the recorded element was under "${recorded.region}"`);
  }

  const opposite = oppositeWords(recorded.name || recorded.text, candidate.name || candidate.text);
  if (opposite) cap('opposite', `"${candidate.name || candidate.text}" does the opposite of "${recorded.name || recorded.text}" (${opposite})`);

  const floor = strong && caps.length === 0 ? STRONG_IDENTITY_FLOOR : 0;
  const score = Math.min(Math.max(raw, floor), ...caps.map((c) => c.limit));
  return { score: Math.round(score * 1000) / 1000, breakdown: { features, raw: Math.round(raw * 1000) / 1000, caps } };
}
