/**
 * Recognising ids, classes and attribute values that a framework or build tool generated, and that
 * therefore change between builds or renders. A selector built on them would break on the next
 * deploy, so the generator skips them and the healer does not count them as identity.
 *
 * The rules are an ordered, named list so a rejection can say why (and a test can pin each rule).
 */

export interface GeneratedRule {
  name: string;
  /** Why this pattern is unstable, for docs and debugging. */
  why: string;
  test: (token: string) => boolean;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

export const GENERATED_RULES: readonly GeneratedRule[] = [
  {
    name: 'react-use-id',
    why: 'React useId output (`:r1:`, `«r1»`, `_r_1_`) depends on render order',
    test: (t) => /^:[^:\s]+:$/.test(t) || /[«»]/.test(t) || /^_r_[0-9a-z]+_$/i.test(t),
  },
  {
    name: 'framework-counter',
    why: 'component libraries number their instances (ember123, mui-12, radix-:r2:, headlessui-menu-button-3)',
    test: (t) => /^(ember|ext-gen|ext-comp|yui_|gwt-uid|mui-|radix-|headlessui-|react-select-|downshift-|rc-|dijit_|ui-id-|j_id|vaadin-|tippy-|select2-|ng-|cdk-|mat-|p-)[\w-]*\d/i.test(t),
  },
  {
    name: 'css-in-js',
    why: 'CSS-in-JS and scoped-style hashes (css-1x2y3z, sc-bdVaJa, jsx-123456, svelte-1abc2de) change when styles change',
    test: (t) => (/^(css|jsx|svelte|astro|emotion|tw|chakra|jss|makeStyles)-[\w-]*[a-z0-9]{4,}$/i.test(t) && /\d/.test(t)) || /^sc-[a-zA-Z0-9]{4,}$/.test(t),
  },
  {
    name: 'css-module-hash',
    why: 'CSS Modules suffix a content hash (Button_primary__3xYz1, _button_1q2w3_12)',
    test: (t) => (/__[\w-]*\d[\w-]*$/.test(t) && t.length >= 8) || /^_[a-z0-9]+_[a-z0-9]{5}_\d+$/i.test(t),
  },
  { name: 'uuid', why: 'UUIDs are per record or per render', test: (t) => UUID.test(t) },
  {
    name: 'hex-hash',
    why: 'a run of 8+ hex characters mixing letters and digits is a hash',
    test: (t) => (t.match(/[0-9a-f]{8,}/gi) ?? []).some((run) => /\d/.test(run) && /[a-f]/i.test(run)),
  },
  {
    name: 'utility-class',
    why: 'utility classes with variants or arbitrary values (md:flex, w-[200px], w-1/2) describe styling, not identity',
    test: (t) => /[:[\]/!@]/.test(t),
  },
  { name: 'many-digits', why: 'three or more digits in a row are a counter or an id (input-12345)', test: (t) => /\d{3,}/.test(t) },
  {
    name: 'digit-heavy',
    why: 'short random tokens mix many digits into letters (a1b2c3, x7fq2z9)',
    test: (t) => t.length >= 6 && /^[a-z0-9]+$/i.test(t) && /[a-z]/i.test(t) && (t.match(/\d/g) ?? []).length / t.length >= 0.3,
  },
  {
    name: 'random-case',
    why: 'styled-components class names are short random mixed-case letters (bZkfAO, hAgQeD)',
    test: (t) => /^[a-zA-Z]{5,10}$/.test(t) && (t.slice(1).match(/[A-Z]/g) ?? []).length >= 3,
  },
];

/** The first rule a token breaks, or null when it looks hand-written and stable. Empty is rejected as 'empty'. */
export function generatedReason(token: string): string | null {
  const t = token.trim();
  if (t === '') return 'empty';
  for (const rule of GENERATED_RULES) if (rule.test(t)) return rule.name;
  return null;
}

export function isGeneratedToken(token: string): boolean {
  return generatedReason(token) !== null;
}

/** A hand-written-looking, non-empty id or class. */
export function isStableToken(token: string | null | undefined): token is string {
  return typeof token === 'string' && generatedReason(token) === null;
}
