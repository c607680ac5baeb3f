/**
 * The locator engine: describe, generate, query, resolve and heal. DOM-only (standard APIs on the
 * nodes passed in), no globals at import time, no zod at runtime — small enough to bundle into the
 * page the crawler drives and into the extension's content scripts.
 */
export { accessibleName, getRole, implicitRole, isInteractive, labelText, labelsOf } from './aria.ts';
export { deepQueryAll, isVisible, parentElementOrHost, visibleText, type SearchRoot } from './dom.ts';
export { cssPath, generateSelectors, SELECTOR_SCORES, xpathFor, type GenerateOptions } from './generate.ts';
export { GENERATED_RULES, generatedReason, isGeneratedToken, isStableToken, type GeneratedRule } from './generated.ts';
export { countLookalikes, describeElement, META_ATTRIBUTES, nearbyText, regionOf, type DescribeOptions } from './meta.ts';
export { querySelector, SelectorError } from './query.ts';
export {
  DEFAULT_HEAL_MARGIN,
  DEFAULT_HEAL_THRESHOLD,
  DEFAULT_MAX_CANDIDATES,
  explainResolveFailure,
  resolveStep,
  type ResolvableStep,
  type ResolveCandidate,
  type ResolveOptions,
  type ResolveResult,
  type ResolveStatus,
  type SelectorAttempt,
} from './resolve.ts';
export { LOOKALIKE_CONTEXT_MIN, SCORE_CAPS, SCORE_WEIGHTS, scoreCandidate, type CandidateScore, type ScoreBreakdown, type ScoreCap, type ScoreFeature, type ScoreOptions } from './score.ts';
export {
  cssEscape,
  cssString,
  describeSelector,
  formatRoleValue,
  formatSelector,
  formatTestIdValue,
  joinShadowCss,
  normaliseSpace,
  parseRoleValue,
  parseSelectorString,
  parseTestIdValue,
  selectorSyntaxProblem,
  splitShadowCss,
  TEST_ID_ATTRIBUTES,
  xpathLiteral,
  type RoleValue,
  type ShadowCss,
  type TestIdAttribute,
} from './syntax.ts';
export { meaningfulTarget } from './target.ts';
export {
  deriveElementMeta,
  equalIdentifiers,
  IDENTIFIER_KINDS,
  isDerived,
  parseXPathPath,
  scoreAgainst,
  STRONG_KINDS,
  strongIdentity,
  unconfirmedReason,
  verifyMatch,
  WEAK_KINDS,
  type DerivedMeta,
  type MatchVerdict,
  type PathStep,
} from './verify.ts';
export { dice, foldText, textSimilarity, tokens, trigrams, truncate } from './text.ts';
