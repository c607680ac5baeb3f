/**
 * Replay on product cards with positional ids (`#add-2`), in real Chromium: the recorded selector
 * still matches one button after the cards were reordered, but on another product's card, so it is
 * not clicked; the step heals onto the recorded product. A failure after that uncertain step is
 * reported with the step that probably went wrong, and never retried (the server counts what it
 * received: one add to cart, of the right product).
 */
import type { Flow, Step } from '@flowlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool } from '../browser/pool.ts';
import { html, serveRoutes, type TestServer } from '../testing/serve.ts';
import { locatorBundle } from './locator-bundle.ts';
import { runFlow, type RunOptions } from './runner.ts';
import { detectorSettings } from './settings.ts';
import { doubtBefore, doubtOf } from './doubt.ts';

const ORIGINAL = ['Oak Stool', 'Brass Desk Lamp', 'Linen Throw', 'Ceramic Vase'];
const REORDERED = ['Linen Throw', 'Brass Desk Lamp', 'Oak Stool', 'Ceramic Vase'];
const slug = (name: string) => name.toLowerCase().replace(/\s+/g, '-');

function cards(order: readonly string[], answer: 'cart' | 'wrong-page'): string {
  return html(`<main><h1>Shop</h1><ul>${order
    .map((n, i) => `<li><h3>${n}</h3><p>€${20 + i}</p><button id="add-${i}" type="button" data-slug="${slug(n)}">Add to cart</button></li>`)
    .join('')}</ul><p id="cart" role="status"></p></main>
    <script>document.querySelectorAll('button').forEach((b) => b.onclick = async () => {
      await fetch('/cart/' + b.dataset.slug, { method: 'POST' });
      document.querySelector('#cart').textContent = ${answer === 'cart' ? "'In your cart: ' + b.previousElementSibling.previousElementSibling.textContent" : "'Something else happened'"};
    });</script>`);
}

const pool = new BrowserPool();
let server: TestServer;
let recorded: Step;

beforeAll(async () => {
  server = await serveRoutes({
    '/original': { body: cards(ORIGINAL, 'cart') },
    '/reordered': { body: cards(REORDERED, 'cart') },
    '/reordered-broken': { body: cards(REORDERED, 'wrong-page') },
    ...Object.fromEntries(ORIGINAL.map((n) => [`/cart/${slug(n)}`, { body: 'ok', type: 'text/plain' }])),
  });
  const lease = await pool.lease('desktop', { allowPrivate: true });
  const page = await lease.context.newPage();
  await page.goto(`${server.url}/original`);
  await page.evaluate(await locatorBundle());
  const captured = await page.evaluate(() => {
    const L = (window as unknown as { __flowlensLocator: { generateSelectors: (e: Element) => unknown[]; describeElement: (e: Element) => unknown } }).__flowlensLocator;
    const el = document.querySelector('#add-2')!;
    return { selectors: L.generateSelectors(el), element: L.describeElement(el) };
  });
  await lease.close();
  recorded = { action: 'click', label: 'Click "Add to cart"', labelSource: 'template', ...captured } as unknown as Step;
}, 60_000);

afterAll(async () => {
  await pool.close();
  await server.close();
});

function opts(): RunOptions {
  return {
    viewport: 'desktop',
    newContext: () => pool.lease('desktop', { allowPrivate: true }),
    siteOrigin: server.url,
    templateOf: (u) => new URL(u).pathname,
    secrets: () => undefined,
    detectors: detectorSettings({ enabled: false }),
    stepTimeoutMs: 2500,
    healGraceMs: 100,
  };
}

function flow(path: string): Flow {
  return {
    schemaVersion: 1,
    name: `cards ${path}`,
    startUrl: `${server.url}${path}`,
    critical: true,
    steps: [recorded, { action: 'assert', assertion: 'textVisible', value: 'In your cart: Linen Throw', label: 'Check the cart', labelSource: 'template' } as Step],
  };
}

const posts = () => Object.fromEntries([...server.hits].filter(([k]) => k.startsWith('POST ')));

describe('positional ids on reordered product cards', () => {
  it('adds the recorded product, not the one now holding its id', async () => {
    server.hits.clear();
    const result = await runFlow(flow('/reordered'), opts());
    expect(result.status).toBe('passed');
    expect(result.steps[0]).toMatchObject({ status: 'healed', doubt: expect.stringMatching(/contradicted the recording/) });
    expect(posts()).toEqual({ 'POST /cart/linen-throw': 1 });
  });

  it('reports a later failure with the uncertain step that probably caused it, and does not retry', async () => {
    server.hits.clear();
    const result = await runFlow(flow('/reordered-broken'), opts());
    expect(result.status).toBe('failed');
    expect(result.attempts).toBe(1);
    expect(result.confirmed).toBe(true);
    expect(result.suspect).toMatchObject({ stepIndex: 0, label: 'Click "Add to cart"' });
    expect(result.failure?.message).toMatch(/Step 1 "Click "Add to cart"" probably went wrong: its element was healed .*not retried/);
    expect(server.hits.get('GET /reordered-broken')).toBe(1);
    expect(posts()).toEqual({ 'POST /cart/linen-throw': 1 });
  });

  it('retries as before when no uncertain action preceded the failure', async () => {
    server.hits.clear();
    const f = flow('/original');
    const result = await runFlow({ ...f, steps: [f.steps[0]!, { ...f.steps[1]!, value: 'In your cart: Nothing' } as Step] }, opts());
    expect(result.status).toBe('failed');
    expect(result.attempts).toBe(2);
    expect(result.suspect).toBeUndefined();
    expect(result.steps[0]?.doubt).toBeUndefined();
  });
});

describe('doubt', () => {
  it('names healed, tie-broken and contradicted steps and picks the last one before the failure', () => {
    expect(doubtOf({ status: 'found', confidence: 1 })).toBeNull();
    expect(doubtOf({ status: 'found', confidence: 1, contradicted: 'x' })).toMatch(/another selector's match was used/);
    expect(doubtOf({ status: 'healed', confidence: 0.812 })).toBe('its element was healed (confidence 0.81)');
    expect(doubtOf({ status: 'healed', confidence: 0.6, tieBroken: true })).toMatch(/tie-breaker/);
    const steps = [
      { index: 0, label: 'a', status: 'healed', doubt: 'd0' },
      { index: 1, label: 'b', status: 'passed' },
      { index: 2, label: 'c', status: 'healed', doubt: 'd2' },
      { index: 3, label: 'd', status: 'failed', doubt: 'd3' },
    ];
    expect(doubtBefore(steps, 3)).toEqual({ stepIndex: 2, label: 'c', reason: 'd2' });
    expect(doubtBefore(steps, 1)).toEqual({ stepIndex: 0, label: 'a', reason: 'd0' });
    expect(doubtBefore(steps, 0)).toBeNull();
  });
});
