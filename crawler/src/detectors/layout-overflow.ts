/**
 * Horizontal overflow on small screens: the page is wider than the viewport, so the user has to
 * scroll sideways. Reports the outermost elements sticking out, as selectors.
 */
import type { Page } from 'playwright';
import type { Detector, DetectorContext, Finding } from './types.ts';

interface Overflow {
  viewportWidth: number;
  scrollWidth: number;
  culprits: { selector: string; right: number; width: number }[];
}

export class LayoutOverflowDetector implements Detector {
  readonly name = 'layout-overflow';
  private findings: Finding[] = [];

  constructor(private readonly viewports: readonly string[] = ['mobile', 'tablet']) {}

  async inspect(page: Page, ctx: DetectorContext): Promise<void> {
    if (!this.viewports.includes(ctx.viewport)) return;
    const result = await page.evaluate((): Overflow | null => {
      const vw = document.documentElement.clientWidth;
      const sw = Math.max(document.documentElement.scrollWidth, document.body?.scrollWidth ?? 0);
      if (sw <= vw + 1) return null;
      const cssPath = (el: Element): string => {
        const parts: string[] = [];
        let node: Element | null = el;
        while (node && node !== document.documentElement && parts.length < 5) {
          if (node.id && !/\d{3,}/.test(node.id)) {
            parts.unshift(`#${CSS.escape(node.id)}`);
            break;
          }
          const parent: Element | null = node.parentElement;
          const tag = node.tagName.toLowerCase();
          const same = parent ? Array.from(parent.children).filter((c) => c.tagName === node!.tagName) : [];
          parts.unshift(same.length > 1 ? `${tag}:nth-of-type(${same.indexOf(node) + 1})` : tag);
          node = parent;
        }
        return parts.join(' > ');
      };
      const sticking = Array.from(document.body.querySelectorAll('*')).filter((el) => {
        const r = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        return r.right > vw + 1 && r.width > 0 && style.position !== 'fixed' && style.visibility !== 'hidden';
      });
      // Outermost only: an element whose ancestor already sticks out adds nothing.
      const outermost = sticking.filter((el) => !sticking.some((other) => other !== el && other.contains(el)));
      return {
        viewportWidth: vw,
        scrollWidth: sw,
        culprits: outermost.slice(0, 3).map((el) => ({ selector: cssPath(el), right: Math.round(el.getBoundingClientRect().right), width: Math.round(el.getBoundingClientRect().width) })),
      };
    });
    if (!result) return;
    const first = result.culprits[0];
    this.findings.push({
      type: 'layout_overflow',
      pageUrl: page.url(),
      viewport: ctx.viewport,
      selector: first?.selector,
      message: first
        ? `The page is ${result.scrollWidth}px wide on a ${result.viewportWidth}px screen: ${first.selector} is ${first.width}px wide`
        : `The page is ${result.scrollWidth}px wide on a ${result.viewportWidth}px screen`,
    });
  }

  drain(): Finding[] {
    const out = this.findings;
    this.findings = [];
    return out;
  }
}
