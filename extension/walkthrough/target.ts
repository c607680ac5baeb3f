/**
 * The current step's element and condition in the page (issue 9): which document the step lives
 * in, the locator engine's answer for it, and whether a step without an element (navigate,
 * assert, waitFor) is already satisfied. Reads the page; renders nothing.
 */
import type { ElementMeta, Selector } from '@flowlens/core/flow';
import { meaningfulTarget, resolveStep, type ResolveResult } from '@flowlens/core/locator';
import { pageCondition, sameDestination } from './perform.ts';
import type { WalkStep } from './protocol.ts';

/** The step's element as last resolved: found/healed (el), or not (el null, result says why), since when. */
export interface Target {
  result: ResolveResult;
  el: Element | null;
  since: number;
}

/** The document a step lives in: the top one, or a same-origin iframe's (the recorded frame path); null when gone. */
export function docFor(win: Window, step: WalkStep): Document | null {
  let w: Window = win;
  for (const i of step.frame ?? []) {
    const child = w.frames[i];
    if (!child) return null;
    w = child;
  }
  try {
    return w.document;
  } catch {
    return null; // cross-origin now: not ours to look into
  }
}

/** core's locator engine on the step's recorded selectors and element (healing included). */
export function locate(root: Document, step: WalkStep): ResolveResult {
  return resolveStep(root, { selectors: (step.selectors ?? []) as Selector[], element: step.element as ElementMeta | undefined });
}

/**
 * Resolves the step's element in its document (`docFor`; null: gone). The layer's own host is
 * never a target (the engine never sees inside its closed shadow root, and the host is excluded).
 */
export function resolveTarget(root: Document | null, step: WalkStep, host: Element | null, prev: Target | null): Target {
  const result: ResolveResult = root ? locate(root, step) : { status: 'not_found', candidates: [], attempts: [] };
  const el = result.status === 'found' || result.status === 'healed' ? (result.element ?? null) : null;
  const mine = el && host && (el === host || host.contains(el));
  return { result, el: mine ? null : el, since: prev?.since ?? Date.now() };
}

export function isShown(el: Element): boolean {
  const r = el.getBoundingClientRect();
  return r.width > 0 || r.height > 0;
}

/** Whether a step without an element to act on is satisfied now (navigate, assert, waitFor); keypress and scroll wait for the user. */
export function conditionMet(win: Window, step: WalkStep): boolean {
  switch (step.action) {
    case 'navigate':
      return !!step.url && sameDestination(win.location.href, step.url);
    case 'assert':
    case 'waitFor': {
      const root = docFor(win, step);
      if (!root) return false;
      let ok: boolean | null = step.action === 'assert' ? pageCondition(root, step) : null;
      if (ok === null) {
        const r = locate(root, step);
        const el = r.status === 'found' || r.status === 'healed' ? r.element : null;
        // An element-scoped text check: that element shows the text (as the crawler checks it).
        const present = !!el && (step.assertion !== 'textVisible' || ((el as HTMLElement).innerText ?? el.textContent ?? '').includes(step.value ?? ''));
        ok = step.action === 'waitFor' && step.state === 'absent' ? !present : present;
      }
      return ok;
    }
    default:
      return false;
  }
}

/** Whether an event happened on the target element (or inside it, or on what it stands for). */
export function onElement(e: Event, el: Element | null | undefined): boolean {
  if (!el) return false;
  const origin = e.composedPath()[0] as Element | undefined;
  // nodeType, not instanceof: the element may live in a same-origin iframe (another realm).
  if (!origin || (origin as Node).nodeType !== 1) return false;
  return origin === el || el.contains(origin) || meaningfulTarget(origin) === el;
}
