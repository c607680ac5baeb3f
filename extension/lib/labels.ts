/**
 * Template labels (issue 4): a plain sentence per step from its element metadata, shown the moment
 * a step is recorded. The label-steps edge function may improve them later; a label the user wrote
 * (labelSource 'user') is never replaced by either.
 */
import { parseSecretPlaceholder, type ElementMeta, type Step } from '@flowlens/core';

const MAX = 60;

/** At most MAX characters, cut at a word boundary with "…" (never mid-word, unless one word is that long). */
export function clip(text: string, max = MAX): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max - 1);
  // Ends on a word end already (the next character is a space): keep it whole.
  const space = t[max - 1] === ' ' ? cut.length : cut.lastIndexOf(' ');
  return `${(space >= max * 0.5 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, '')}…`;
}

/**
 * What changes from one run to the next is no part of a label (issue 19: "Click 'Cart 1 items'"):
 * counts ("3 items", "(2)", a number at either end), prices ("$12.00", "12,50 €"), e-mail addresses and
 * long digit runs (order numbers, phone numbers). What is left is the element's stable name; if
 * nothing is left, the caller falls back to the element's kind.
 */
export function stableName(text: string): string {
  return text
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, ' ')
    .replace(/(?:[$€£¥]|\b(?:USD|EUR|GBP)\s?)\s?\d[\d.,\s]*\d?|\b\d[\d.,]*\s?(?:[$€£¥]|USD|EUR|GBP)(?![\w])/gi, ' ')
    .replace(/\(\s*\d+\s*\)|\[\s*\d+\s*\]/g, ' ')
    .replace(/\b\d+(?:[.,]\d+)?\s*(?:items?|articles?|products?|pcs|x|×|results?|new|unread|notifications?|messages?)\b/gi, ' ')
    // A bare number at either end is a count or a badge ("Cart 3"); one inside is a name ("Top 10 lamps").
    .replace(/^\s*#?\d[\d.,]*(?=\s|$)|(^|\s)#?\d[\d.,]*\s*$/g, ' ')
    .replace(/\(\s*\)|\[\s*\]/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[\s·•|:,;–—-]+|[\s·•|:,;–—-]+$/g, '')
    .trim();
}

function quoted(text: string): string {
  return `'${clip(text)}'`;
}

/** What a person would call the element: its accessible name, label, visible text or placeholder. */
export function elementName(element: ElementMeta | undefined): string {
  if (!element) return '';
  const a = element.attributes;
  const candidates = [element.labelText, element.name, element.text, a['aria-label'], a['placeholder'], a['title'], a['alt'], a['name'], a['id']];
  for (const c of candidates) {
    const t = stableName((c ?? '').replace(/\s+/g, ' ').trim().replace(/[:*]+$/, '').trim());
    if (t !== '') return t;
  }
  return '';
}

/** "Email address" → "email address"; keeps acronyms ("CVC") and proper-looking words as written. */
function fieldPhrase(name: string): string {
  const t = clip(name);
  if (/^[A-Z][a-z]/.test(t) && !/^[A-Z][a-z]+[A-Z]/.test(t)) return t.charAt(0).toLowerCase() + t.slice(1);
  return t;
}

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

function kindOfThing(element: ElementMeta | undefined): string {
  const role = element?.role ?? '';
  if (role === 'link') return 'link';
  if (role === 'button') return 'button';
  if (role === 'tab') return 'tab';
  if (role === 'menuitem') return 'menu item';
  return 'element';
}

export function templateLabel(step: Step): string {
  const name = 'element' in step ? elementName(step.element) : '';
  switch (step.action) {
    case 'navigate':
      return `Go to ${pathOf(step.url)}`;
    case 'click':
      return name ? `Click ${quoted(name)}` : `Click the ${kindOfThing(step.element)}`;
    case 'input': {
      const secret = parseSecretPlaceholder(step.value);
      const field = name ? fieldPhrase(name) : secret ? 'the secret' : 'text';
      if (step.value === '') return `Clear ${field}`;
      return `Enter ${field}`;
    }
    case 'select':
      return `Select ${quoted(step.optionText || step.value)}${name ? ` in ${fieldPhrase(name)}` : ''}`;
    case 'check': {
      const radio = step.element?.attributes['type'] === 'radio' || step.element?.role === 'radio';
      if (radio) return `Choose ${name ? quoted(name) : 'an option'}`;
      return `${step.checked ? 'Check' : 'Uncheck'} ${name ? quoted(name) : 'the box'}`;
    }
    case 'submit':
      return name ? `Submit ${quoted(name)}` : 'Submit the form';
    case 'keypress':
      return name ? `Press ${step.key} in ${fieldPhrase(name)}` : `Press ${step.key}`;
    case 'scroll':
      return 'Scroll';
    case 'waitFor':
      return name ? `Wait for ${quoted(name)}` : 'Wait for the element';
    case 'assert':
      switch (step.assertion) {
        case 'urlContains':
          return `Check the URL contains ${step.value ?? ''}`;
        case 'titleContains':
          return `Check the title contains ${quoted(step.value ?? '')}`;
        case 'textVisible':
          // Element-scoped: the picked element shows the text (issue 19).
          if (step.selectors && step.selectors.length > 0) {
            // Named after its own text (a paragraph, a heading): "the element", not the text twice.
            const same = name !== '' && (step.value ?? '').replace(/\s+/g, ' ').trim().startsWith(name.slice(0, 20));
            return `Check ${name && !same ? quoted(name) : 'the element'} shows ${quoted(step.value ?? '')}`;
          }
          return `Check ${quoted(step.value ?? '')} is visible`;
        case 'elementVisible':
          return name ? `Check ${quoted(name)} is visible` : 'Check the element is visible';
      }
  }
  // Exhaustive above; a new action kind must get its own label.
  const unknown: never = step;
  return String((unknown as { action: string }).action);
}
