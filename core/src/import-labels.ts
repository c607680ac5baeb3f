/**
 * Labels for imported steps (Chrome DevTools Recorder files carry no element metadata and no
 * labels): a plain sentence from the step's selectors — "Click 'Sign in'", "Type into 'Email'" —
 * instead of "click step". The name comes from the most human selector: the aria name, then the
 * visible text, then a test id or id turned into words.
 */
import type { Selector } from './flow.ts';
import { parseRoleValue, parseTestIdValue } from './locator/syntax.ts';

const MAX = 60;

function clip(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > MAX ? `${t.slice(0, MAX - 1).trimEnd()}…` : t;
}

/** `place-order-btn` / `placeOrder` → `place order btn` / `place order`. */
function words(token: string): string {
  return token
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[-_.:]+/g, ' ')
    .trim()
    .toLowerCase();
}

/** What a person would call the element the selectors point at; '' when they say nothing readable. */
export function nameFromSelectors(selectors: readonly Selector[] | undefined): { name: string; role: string } {
  let role = '';
  const byKind = (kind: Selector['kind']) => (selectors ?? []).find((s) => s.kind === kind)?.value;
  for (const s of selectors ?? []) {
    if (s.kind !== 'role') continue;
    const r = parseRoleValue(s.value);
    if (!r) continue;
    role ||= r.role;
    if (r.name) return { name: clip(r.name), role: r.role };
  }
  const label = byKind('label');
  if (label) return { name: clip(label), role };
  const text = byKind('text');
  if (text) return { name: clip(text), role };
  const testid = byKind('testid');
  if (testid) return { name: clip(words(parseTestIdValue(testid).value)), role };
  const id = byKind('id');
  if (id && /^[A-Za-z][\w-]*$/.test(id) && !/\d{3,}/.test(id)) return { name: clip(words(id)), role };
  return { name: '', role };
}

const q = (name: string) => `'${name}'`;

/** A label for an imported step, or '' to keep the generic one. */
export function importedStepLabel(step: Record<string, unknown>): string {
  const selectors = Array.isArray(step['selectors']) ? (step['selectors'] as Selector[]) : undefined;
  const { name, role } = nameFromSelectors(selectors);
  const str = (k: string) => (typeof step[k] === 'string' ? (step[k] as string) : '');
  switch (step['action']) {
    case 'click': {
      const verb = step['clickCount'] === 2 ? 'Double-click' : 'Click';
      return name ? `${verb} ${q(name)}` : `${verb} the ${role === 'link' ? 'link' : role === 'button' ? 'button' : 'element'}`;
    }
    case 'input':
      return name ? `Type into ${q(name)}` : 'Type text';
    case 'select':
      return `Select ${q(clip(str('value')))}${name ? ` in ${q(name)}` : ''}`;
    case 'keypress':
      return name ? `Press ${str('key')} in ${q(name)}` : `Press ${str('key')}`;
    case 'scroll':
      return name ? `Scroll ${q(name)}` : 'Scroll the page';
    case 'waitFor':
      return step['state'] === 'absent' ? (name ? `Wait for ${q(name)} to go` : 'Wait for the element to go') : name ? `Wait for ${q(name)}` : 'Wait for the element';
    case 'navigate': {
      try {
        const u = new URL(str('url'));
        return `Go to ${u.pathname}${u.search}`;
      } catch {
        return `Go to ${str('url')}`;
      }
    }
    case 'assert':
      return str('assertion') === 'textVisible' ? `Check ${q(clip(str('value')))} is visible` : str('assertion') === 'titleContains' ? `Check the title contains ${q(clip(str('value')))}` : '';
    default:
      return '';
  }
}
