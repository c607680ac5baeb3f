/**
 * meaningfulTarget: what a click "meant". People click the <svg> inside a button, the <span> inside
 * a link or the text of a <label>; the step should point at the button, the link, the control.
 * Recording the inner node would give brittle selectors (an icon path) and a misleading label.
 */
import { isInteractive } from './aria.ts';
import { parentElementOrHost } from './dom.ts';

const MAX_CLIMB = 8;

/** The control a <label> is for, when it has one. */
function labelControl(label: Element): Element | null {
  const withControl = label as Element & { control?: Element | null };
  if (withControl.control !== undefined) return withControl.control;
  const forId = label.getAttribute('for');
  if (forId) return label.ownerDocument.getElementById(forId);
  return label.querySelector('input, select, textarea, button');
}

/**
 * The interactive element a pointer event on `el` was aimed at: `el` itself or its nearest
 * interactive ancestor (button, link, form control, summary, [role=button] and other widget roles,
 * [onclick], [tabindex>=0], contenteditable), crossing shadow-root boundaries; a <label> (or an
 * element inside one) resolves to the control it labels. Returns `el` when nothing interactive is
 * near, because then the element itself is the best we know.
 */
export function meaningfulTarget(el: Element): Element {
  let cur: Element | null = el;
  for (let i = 0; cur && i < MAX_CLIMB; i++, cur = parentElementOrHost(cur)) {
    const tag = cur.localName;
    if (tag === 'body' || tag === 'html') break;
    if (tag === 'label') return labelControl(cur) ?? cur;
    if (isInteractive(cur)) return cur;
  }
  return el;
}
