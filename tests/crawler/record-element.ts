/**
 * Records elements of a page the way the extension does: the locator engine's selectors and element
 * metadata, read on the page as it is (the tests replay them on mutated versions of it).
 */
import type { Step } from '@flowlens/core';
import { BrowserPool } from '../../crawler/src/browser/pool.ts';
import { locatorBundle } from '../../crawler/src/replay/locator-bundle.ts';

export interface RecordedElement {
  selectors: unknown[];
  element: unknown;
}

/** The recording of each CSS-selected element of `url`, in order, from one fresh tab. */
export async function recordElements(url: string, css: string[]): Promise<RecordedElement[]> {
  const pool = new BrowserPool();
  try {
    const lease = await pool.lease('desktop', { allowPrivate: true });
    const page = await lease.context.newPage();
    await page.goto(url);
    await page.evaluate(await locatorBundle());
    const out: RecordedElement[] = [];
    for (const sel of css) {
      out.push(
        await page.evaluate((s) => {
          const L = (window as unknown as { __flowlensLocator: { generateSelectors: (e: Element) => unknown[]; describeElement: (e: Element) => unknown } }).__flowlensLocator;
          const el = document.querySelector(s);
          if (!el) throw new Error(`nothing matches ${s}`);
          return { selectors: L.generateSelectors(el), element: L.describeElement(el) };
        }, sel),
      );
    }
    await lease.close();
    return out;
  } finally {
    await pool.close();
  }
}

/** The healing lab's "click Subscribe" step, recorded on its unmutated page. */
export async function recordSubscribeStep(shopUrl: string): Promise<Step> {
  const [captured] = await recordElements(`${shopUrl}/__fixture/healing`, ['#subscribe-btn']);
  return { action: 'click', label: 'Click "Subscribe"', labelSource: 'template', ...captured } as unknown as Step;
}
