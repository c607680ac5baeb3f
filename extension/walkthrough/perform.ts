/**
 * "Do it for me": the extension performs the current step on the element the locator resolved.
 * DOM-only (runs in the content script's isolated world, on the page's real nodes); throws an
 * Error with a sentence the user can read when the step cannot be performed (disabled control,
 * missing option, a secret nobody typed).
 */
import type { WalkStep } from './protocol.ts';

function isDisabled(el: Element): boolean {
  if ((el as HTMLButtonElement).disabled === true) return true;
  if (el.getAttribute('aria-disabled') === 'true') return true;
  return !!el.closest('fieldset[disabled]');
}

function describe(el: Element): string {
  const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 60);
  return text ? `"${text}"` : `the ${el.localName}`;
}

/** Sets a form control's value the way typing would: native setter (so frameworks see it), then input and change. */
export function setValue(el: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, value: string): void {
  const proto = Object.getPrototypeOf(el) as object;
  const setter = Object.getOwnPropertyDescriptor(proto, 'value')?.set;
  if (setter) setter.call(el, value);
  else el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  el.dispatchEvent(new Event('change', { bubbles: true }));
}

/**
 * Performs `step` on `el`. `value` is the value to type for input steps, with any secret already
 * filled from what the user typed just now (the caller refuses to call without it).
 */
export function performStep(step: WalkStep, el: Element, value?: string): void {
  if (isDisabled(el)) throw new Error(`${describe(el)} is disabled, so it cannot be ${step.action === 'input' ? 'filled in' : 'used'}.`);
  (el as HTMLElement).focus?.({ preventScroll: true });
  // Tag names, not instanceof: the element may live in a same-origin iframe (another realm).
  const tag = el.localName;
  switch (step.action) {
    case 'click':
      (el as HTMLElement).click();
      return;
    case 'input': {
      if (!(tag === 'input' || tag === 'textarea')) {
        if ((el as HTMLElement).isContentEditable) {
          el.textContent = value ?? '';
          el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
          return;
        }
        throw new Error(`${describe(el)} is not a text field.`);
      }
      setValue(el as HTMLInputElement, value ?? '');
      return;
    }
    case 'select': {
      if (tag !== 'select') throw new Error(`${describe(el)} is not a list to choose from.`);
      const sel = el as HTMLSelectElement;
      const opts = [...sel.options];
      const opt = opts.find((o) => o.value === step.value) ?? opts.find((o) => step.optionText !== undefined && o.text.trim() === step.optionText.trim());
      if (!opt) throw new Error(`The option "${step.optionText ?? step.value ?? ''}" is not in the list any more.`);
      setValue(sel, opt.value);
      return;
    }
    case 'check': {
      const want = step.checked ?? true;
      if (tag === 'input') {
        const box = el as HTMLInputElement;
        if (box.checked !== want) box.click();
        return;
      }
      if (el.getAttribute('aria-checked') !== String(want)) (el as HTMLElement).click();
      return;
    }
    case 'submit': {
      const form = (tag === 'form' ? el : el.closest('form')) as HTMLFormElement | null;
      const type = (el.getAttribute('type') ?? '').toLowerCase();
      if ((tag === 'button' && type !== 'button' && type !== 'reset') || (tag === 'input' && (type === 'submit' || type === 'image'))) {
        (el as HTMLElement).click();
        return;
      }
      if (!form) throw new Error(`${describe(el)} is not in a form.`);
      form.requestSubmit();
      return;
    }
    default:
      throw new Error(`A ${step.action} step is not performed on an element.`);
  }
}

/** Keypress: a keydown/keyup pair on the focused element (Enter in a form field submits it, as a browser would). */
export function performKey(doc: Document, key: string, el?: Element | null): void {
  const target = el ?? doc.activeElement ?? doc.body;
  (target as HTMLElement).focus?.({ preventScroll: true });
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, composed: true }));
  target.dispatchEvent(new KeyboardEvent('keyup', { key, bubbles: true, cancelable: true, composed: true }));
  const form = target.localName === 'input' ? (target as HTMLInputElement).form : null;
  if (key === 'Enter' && form) form.requestSubmit();
}

/** assert / waitFor conditions that need no element (element ones resolve with the locator). */
export function pageCondition(doc: Document, step: WalkStep): boolean | null {
  const v = step.value ?? '';
  switch (step.assertion) {
    case 'textVisible':
      // Scoped to an element (a check picked on the page, issue 19): the guide resolves it first.
      if (step.selectors && step.selectors.length > 0) return null;
      return v !== '' && (doc.body?.innerText ?? doc.body?.textContent ?? '').includes(v);
    case 'urlContains':
      return doc.location.href.includes(v);
    case 'titleContains':
      return doc.title.includes(v);
    default:
      return null;
  }
}

/** Same page for a navigate step: origin, path and query equal (the hash does not matter). */
export function sameDestination(current: string, wanted: string): boolean {
  try {
    const a = new URL(current);
    const b = new URL(wanted, current);
    const path = (u: URL) => u.pathname.replace(/\/+$/, '') || '/';
    return a.origin === b.origin && path(a) === path(b) && a.search === b.search;
  } catch {
    return false;
  }
}
