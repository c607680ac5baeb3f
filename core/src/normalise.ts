/**
 * Message and selector normalisation for fingerprints: strip what changes between runs and
 * machines (ids, numbers, hashes, hosts, query strings) and keep what identifies the problem.
 *
 * An ordered, named list of patterns (Sentry's parameterization.py is the model): each rule runs on
 * the output of the previous one, and the result says which rules changed something, so a
 * fingerprint's parts can explain themselves. Changing these rules changes fingerprints: bump
 * FINGERPRINT_VERSION in fingerprint.ts when you do.
 */
import { isGeneratedToken } from './locator/generated.ts';
import { splitShadowCss } from './locator/syntax.ts';
import { urlTemplate } from './url-template.ts';

export interface NormaliseRule {
  name: string;
  apply: (text: string) => string;
}

/** URL path template without origin, so `https://staging.x/api/orders/12?a=1` and `http://localhost:3000/api/orders/99` agree. */
function urlToPathTemplate(url: string): string {
  const t = urlTemplate(url);
  return t.replace(/^https?:\/\/[^/]+/i, '') || '/';
}

export const MESSAGE_RULES: readonly NormaliseRule[] = [
  {
    name: 'url',
    // Absolute URLs up to whitespace, quotes or closing brackets; trailing punctuation is not part of them.
    apply: (t) => t.replace(/\b(?:https?|wss?):\/\/[^\s"'`<>()[\]{}]+/gi, (url) => {
      const trail = /[.,;:!?]+$/.exec(url)?.[0] ?? '';
      return urlToPathTemplate(url.slice(0, url.length - trail.length)) + trail;
    }),
  },
  { name: 'email', apply: (t) => t.replace(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, '<email>') },
  { name: 'uuid', apply: (t) => t.replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>') },
  {
    name: 'hex',
    apply: (t) => t.replace(/\b(?:0x[0-9a-f]+|[0-9a-f]{8,})\b/gi, (h) => (/^0x/i.test(h) || (/\d/.test(h) && /[a-f]/i.test(h)) ? '<hex>' : h)),
  },
  { name: 'number', apply: (t) => t.replace(/\d+(?:[.,]\d+)*/g, '<n>') },
  { name: 'long-quoted', apply: (t) => t.replace(/(["'`])([^"'`]{41,})\1/g, '$1<text>$1') },
  { name: 'whitespace', apply: (t) => t.replace(/\s+/g, ' ').trim() },
];

export const MESSAGE_MAX = 300;

export interface Normalised {
  text: string;
  /** Names of the rules that changed something, in order. */
  applied: string[];
}

/** Normalises a JS error or console message for grouping. */
export function normaliseMessage(message: string): Normalised {
  let text = message;
  const applied: string[] = [];
  for (const rule of MESSAGE_RULES) {
    const next = rule.apply(text);
    if (next !== text) applied.push(rule.name);
    text = next;
  }
  if (text.length > MESSAGE_MAX) {
    text = text.slice(0, MESSAGE_MAX);
    applied.push('truncate');
  }
  return { text, applied };
}

/**
 * The file of the top stack frame that has one, as a path template without line and column:
 * `at render (https://shop.example.com/assets/index-4f9a8c1b.js:12:345)` → `/assets/index-:id.js`.
 * Understands V8 (`at fn (url:l:c)`, `at url:l:c`) and Firefox/Safari (`fn@url:l:c`) frames.
 */
export function stackTopFile(stack: string): string | null {
  for (const line of stack.split('\n')) {
    const m = /(?:\bat\s+(?:.*?\()?|@)((?:https?|file|webpack|chrome-extension):\/\/[^\s)]+?)(?::\d+){1,2}\)?\s*$/.exec(line.trim());
    if (m?.[1]) return /^https?:/i.test(m[1]) ? urlToPathTemplate(m[1]) : m[1].replace(/\d+/g, '<n>');
  }
  return null;
}

/**
 * An axe target (CSS selector) without what changes between renders: nth-child/nth-of-type
 * positions (the same fault in every list item is one bug), generated ids and classes, digits in
 * attribute values. Shadow steps (` >>> `) are kept.
 */
export function normaliseTarget(target: string): string {
  const { deep, parts } = splitShadowCss(target.trim());
  const cleaned = parts.map((part) =>
    part
      .replace(/:nth-(?:last-)?(?:child|of-type)\([^)]*\)/g, '')
      .replace(/#((?:\\.|[\w-])+)/g, (all, id: string) => (isGeneratedToken(id.replace(/\\/g, '')) ? '' : all))
      .replace(/\.((?:\\.|[\w-])+)/g, (all, cls: string) => (isGeneratedToken(cls.replace(/\\/g, '')) ? '' : all))
      .replace(/\d+/g, '#')
      .replace(/\s*>\s*/g, ' > ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
  return `${deep ? '>>> ' : ''}${cleaned.join(' >>> ')}`;
}

const LANDMARK_TAGS = /(?:^|[\s>+~])(header|footer|nav)(?=$|[\s>+~.#[:])/i;
const LANDMARK_ROLES = /\[role=["']?(banner|contentinfo|navigation)["']?\]/i;
const LANDMARK_NAMES = /[#.][\w-]*(?:site-header|site-footer|page-header|page-footer|navbar|top-nav|main-nav|header|footer)\b/i;

/** Whether an axe target sits inside a page-wide landmark (header, footer, navigation). */
export function isSharedLandmarkTarget(target: string): boolean {
  return LANDMARK_TAGS.test(target) || LANDMARK_ROLES.test(target) || LANDMARK_NAMES.test(target);
}
