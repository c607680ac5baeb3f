/**
 * Locator healing on the fixture healing lab (tests/fixtures/lab/healing.ts): a "click Subscribe"
 * step recorded on the unmutated page (with the same engine the extension records with) is replayed
 * against each mutation; the answer key says whether it must reach the target or must not act.
 * Accuracy and wrong-element count are printed; a wrong element fails the test outright.
 */
import type { Flow, Step } from '@flowlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEALING_CASES, startShop, type Shop } from '../fixtures/index.ts';
import { BrowserPool } from '../../crawler/src/browser/pool.ts';
import { runFlow } from '../../crawler/src/replay/runner.ts';
import { detectorSettings } from '../../crawler/src/replay/settings.ts';
import { recordSubscribeStep } from './record-element.ts';

let shop: Shop;
const pool = new BrowserPool();
let recorded: Step;

beforeAll(async () => {
  shop = await startShop();
  recorded = await recordSubscribeStep(shop.url);
});

afterAll(async () => {
  await pool.close();
  await shop.close();
});

describe('healing lab', () => {
  it('reaches the target or refuses to act, never the wrong element', async () => {
    const outcomes: { case: string; expected: string; got: string; status: string; confidence?: number }[] = [];
    for (const c of HEALING_CASES) {
      const query = c.mutations.length > 0 ? `?mutation=${c.mutations.join(',')}` : '';
      const flow: Flow = { schemaVersion: 1, name: `heal ${c.mutations.join('+') || 'none'}`, startUrl: `${shop.url}/__fixture/healing${query}`, critical: false, steps: [recorded] };
      let clicks: string[] = [];
      const result = await runFlow(flow, {
        viewport: 'desktop',
        newContext: async () => {
          const lease = await pool.lease('desktop', { allowPrivate: true });
          const close = lease.close;
          return {
            ...lease,
            close: async () => {
              const page = lease.context.pages()[0];
              if (page) clicks = await page.evaluate(() => (window as unknown as { __labClicks: string[] }).__labClicks).catch(() => []);
              return close();
            },
          };
        },
        siteOrigin: shop.url,
        templateOf: (u) => new URL(u).pathname,
        secrets: () => undefined,
        detectors: detectorSettings({ enabled: false }),
        stepTimeoutMs: 2500,
        healGraceMs: 200,
        retry: false,
      });
      const step = result.steps[0]!;
      const got = clicks.length === 0 ? 'no-action' : clicks.join(',');
      outcomes.push({ case: c.mutations.join('+') || 'none', expected: c.expect, got, status: step.status, confidence: step.healing?.confidence });
    }
    const right = outcomes.filter((o) => (o.expected === 'target' ? o.got === 'target' : o.got === 'no-action')).length;
    const wrong = outcomes.filter((o) => o.got !== 'target' && o.got !== 'no-action').length;
    console.log(`healing lab: accuracy ${right}/${outcomes.length}, wrong-element clicks ${wrong}`);
    console.table(outcomes);
    expect(wrong).toBe(0);
    expect(outcomes.filter((o) => o.expected === 'no-action').every((o) => o.status === 'failed')).toBe(true);
    expect(right).toBe(outcomes.length);
    expect(outcomes.find((o) => o.case === 'renamed-ids+text-tweak')?.status).toBe('healed');
  });
});
