/**
 * Finding each bug's element on the live page with core's locator engine (the crawler's own), and
 * keeping it found while the page changes.
 *
 * - First resolution: the bug's ranked selectors (a recorded step's selectors, the bug's selector,
 *   an axe target) through resolveStep; with the recorded element's metadata when the bug comes
 *   from a recorded step, so the engine can heal onto a changed element — and refuses to when two
 *   candidates look alike or none scores high enough.
 * - Once found, the element's metadata is captured (describeElement), so when the page re-renders
 *   it (new node, renamed id, moved elsewhere) the pin heals onto it the same way a replay would.
 * - Not found, ambiguous or gone: the bug becomes a page-level entry. Never a pin on a guess.
 */
import type { ElementMeta, Selector } from '@flowlens/core/flow';
import { describeElement, parseSelectorString, resolveStep } from '@flowlens/core/locator';
import type { OverlayBug } from './protocol.ts';

export interface Tracked {
  bug: OverlayBug;
  selectors: Selector[];
  /** Recorded (from the step) or captured (first time found here) metadata, for healing. */
  meta: ElementMeta | null;
  el: Element | null;
  how: 'found' | 'healed' | 'kept' | 'unresolved';
}

/** Cheap structural sanity for metadata coming over the wire before the engine trusts it. */
function asMeta(v: unknown): ElementMeta | null {
  if (!v || typeof v !== 'object') return null;
  const m = v as Partial<ElementMeta>;
  return typeof m.tag === 'string' && m.tag ? ({ role: '', name: '', labelText: '', nearbyText: '', text: '', attributes: {}, ancestors: [], ...m } as ElementMeta) : null;
}

export function track(bug: OverlayBug): Tracked {
  const selectors = bug.selectors.map(parseSelectorString);
  return { bug, selectors, meta: asMeta(bug.element), el: null, how: 'unresolved' };
}

/** Elements of the overlay itself are never a target. */
function isOurs(el: Element, host: Element | null): boolean {
  return host !== null && (el === host || host.contains(el));
}

/**
 * (Re)resolves one tracked bug. A still-connected element is kept (node identity is the strongest
 * evidence) unless it no longer looks like what was captured.
 */
export function resolveTracked(t: Tracked, doc: Document, host: Element | null): void {
  if (t.selectors.length === 0 && !t.meta) {
    t.el = null;
    t.how = 'unresolved';
    return;
  }
  if (t.el && t.el.isConnected) {
    t.how = 'kept';
    return;
  }
  const r = resolveStep(doc, { selectors: t.selectors, element: t.meta ?? undefined }, { candidateCount: 2, maxCandidates: 300 });
  if ((r.status === 'found' || r.status === 'healed') && r.element && !isOurs(r.element, host)) {
    t.el = r.element;
    t.how = r.status;
    if (!t.meta) {
      try {
        t.meta = describeElement(r.element, { countLookalikes: false });
      } catch {
        t.meta = null;
      }
    }
    return;
  }
  t.el = null;
  t.how = 'unresolved';
}
