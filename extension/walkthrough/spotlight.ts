/**
 * Where the walkthrough's ring, tip and card go (issue 9): one layout pass reads the target's rect
 * (in the top viewport, through same-origin iframes), then writes the ring's transform, the tip's
 * place beside the element (covering no page content when it can), and the card's corner away
 * from the element. Reads the page and writes only the layer's own elements.
 */

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
  bottom: number;
}

/** The element's rect in the top viewport: its frame's rect plus each iframe's content-box offset. */
export function rectInTop(top: Window, el: Element): Rect {
  const r = el.getBoundingClientRect();
  let x = 0;
  let y = 0;
  let w: Window | null = el.ownerDocument.defaultView;
  while (w && w !== top) {
    const fe = w.frameElement;
    if (!fe) break;
    const fr = fe.getBoundingClientRect();
    const cs = w.parent.getComputedStyle(fe);
    x += fr.left + fe.clientLeft + (parseFloat(cs.paddingLeft) || 0);
    y += fr.top + fe.clientTop + (parseFloat(cs.paddingTop) || 0);
    w = w.parent;
  }
  return { left: r.left + x, top: r.top + y, width: r.width, height: r.height, bottom: r.bottom + y };
}

/**
 * Whether a box at (x, y) would hide page content: samples its corners and centre with
 * elementFromPoint (our own layers are pointer-events: none, so they are not hit) and counts a
 * hit on text, a control, a label, an image or a link as content. Containers and empty space are
 * free to cover.
 */
export function coversContent(doc: Document, host: Element | null, x: number, y: number, w: number, hgt: number): boolean {
  const points: [number, number][] = [[x + 2, y + 2], [x + w - 2, y + 2], [x + 2, y + hgt - 2], [x + w - 2, y + hgt - 2], [x + w / 2, y + hgt / 2]];
  for (const [px, py] of points) {
    const el = doc.elementFromPoint(px, py);
    if (!el || el === doc.documentElement || el === doc.body || el === host) continue;
    if (/^(input|select|textarea|button|img|label|a|svg|video|canvas|iframe|h[1-6])$/i.test(el.localName)) return true;
    for (const n of el.childNodes) if (n.nodeType === 3 && (n.textContent ?? '').trim() !== '') return true;
  }
  return false;
}

export interface SpotlightParts {
  ring: HTMLElement;
  tip: HTMLElement;
  card: HTMLElement;
}

/** Places the ring and tip on a target rect and moves the card out of its way; remembers the tip's place per rect. */
export class Spotlight {
  /** Where the tip went for the last target rect (placement reads the page, so only when the rect changes). */
  private tipAt: { key: string; at: [number, number] } | null = null;

  constructor(
    private readonly win: Window,
    private readonly doc: Document,
    private readonly host: () => Element | null,
  ) {}

  /** Nothing to point at: ring and tip hidden, card in its default corner. */
  hide({ ring, tip, card }: SpotlightParts): void {
    ring.hidden = true;
    tip.hidden = true;
    card.classList.remove('top', 'right');
  }

  /** Ring around `r`, `label` in the tip beside it, the card in a corner `r` is not in. */
  show({ ring, tip, card }: SpotlightParts, r: Rect, variant: '' | 'bug' | 'healed', label: string): void {
    const vw = this.win.innerWidth;
    const vh = this.win.innerHeight;
    ring.className = `ring${variant ? ` ${variant}` : ''}`;
    tip.className = `tip${variant ? ` ${variant}` : ''}`;
    ring.hidden = false;
    ring.style.transform = `translate(${Math.round(r.left) - 4}px, ${Math.round(r.top) - 4}px)`;
    ring.style.width = `${Math.round(r.width) + 8}px`;
    ring.style.height = `${Math.round(r.height) + 8}px`;
    tip.textContent = label;
    tip.hidden = false;
    // The label goes beside the element when there is room (right, then left), so it covers no
    // page content next to it (a field's own label above it, a checkbox beside it: issue 19); else
    // above or below the ring, whichever side has room.
    const tw = tip.offsetWidth;
    const th = tip.offsetHeight || 22;
    const gap = 12;
    const midY = r.top + Math.min(r.height, 40) / 2 - th / 2;
    const candidates: [number, number][] = [
      [r.left + r.width + gap, midY],
      [r.left - gap - tw, midY],
      [r.left, r.top - th - 10],
      [r.left, r.bottom + 10],
    ];
    const inside = ([x, y]: [number, number]) => x >= 4 && y >= 4 && x + tw <= vw - 4 && y + th <= vh - 4;
    const key = `${Math.round(r.left)},${Math.round(r.top)},${Math.round(r.width)},${Math.round(r.height)},${tw},${vw},${vh}`;
    if (this.tipAt?.key !== key) {
      const free = candidates.find((c) => inside(c) && !coversContent(this.doc, this.host(), c[0], c[1], tw, th));
      const fallback = candidates.slice(2).find(inside) ?? candidates[2]!;
      this.tipAt = { key, at: free ?? fallback };
    }
    const [tx, ty] = this.tipAt.at;
    tip.style.transform = `translate(${Math.round(Math.max(4, Math.min(vw - tw - 4, tx)))}px, ${Math.round(Math.max(4, Math.min(vh - th - 4, ty)))}px)`;
    // The card takes a corner the element is not in. Narrow screens: a short full-width sheet at
    // the top or bottom, on the side away from the element.
    if (vw < 520) {
      card.classList.remove('right');
      card.classList.toggle('top', r.top + r.height / 2 > vh / 2);
      return;
    }
    const cardW = 392;
    const bottomLeft = r.left < cardW && r.bottom > vh * 0.45;
    const topLeft = r.left < cardW && r.top < vh * 0.55;
    card.classList.toggle('top', bottomLeft && !topLeft);
    card.classList.toggle('right', bottomLeft && topLeft);
  }
}
