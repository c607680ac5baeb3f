import { describe, expect, it } from 'vitest';
import { BrowserPool } from './pool.ts';
import { VIEWPORTS } from './viewports.ts';

describe('BrowserPool', () => {
  it('recycles the browser after a bounded number of contexts', async () => {
    const pool = new BrowserPool({ maxContextsPerBrowser: 3 });
    try {
      for (let i = 0; i < 7; i++) await (await pool.lease('mobile', { allowPrivate: true })).close();
      expect(pool.stats.contextsCreated).toBe(7);
      expect(pool.stats.browsersLaunched).toBe(3);
    } finally {
      await pool.close();
    }
  });

  it('waits for open contexts to close before recycling, never killing them', async () => {
    const pool = new BrowserPool({ maxContextsPerBrowser: 1 });
    try {
      const held = await pool.lease('desktop', { allowPrivate: true });
      let next: Awaited<ReturnType<typeof pool.lease>> | null = null;
      const pending = pool.lease('desktop', { allowPrivate: true }).then((l) => (next = l));
      await new Promise((r) => setTimeout(r, 300));
      expect(next).toBeNull();
      const page = await held.context.newPage();
      expect(await page.evaluate(() => 1 + 1)).toBe(2); // still alive while the new lease waits
      await held.close();
      await pending;
      expect(next).not.toBeNull();
      expect(pool.stats.browsersLaunched).toBe(2);
      await next!.close();
    } finally {
      await pool.close();
    }
  });

  it('emulates the three viewports with touch and a mobile user agent', async () => {
    const pool = new BrowserPool();
    try {
      for (const [name, want] of Object.entries(VIEWPORTS)) {
        const lease = await pool.lease(name as keyof typeof VIEWPORTS, { allowPrivate: true });
        const page = await lease.context.newPage();
        await page.setContent('<!doctype html><meta name="viewport" content="width=device-width, initial-scale=1"><p>x</p>');
        const seen = await page.evaluate(() => ({ w: innerWidth, h: innerHeight, touch: navigator.maxTouchPoints > 0, ua: navigator.userAgent }));
        expect(seen.w).toBe(want.viewport!.width);
        expect(seen.h).toBe(want.viewport!.height);
        expect(seen.touch).toBe(want.hasTouch);
        if (name === 'mobile') expect(seen.ua).toMatch(/Mobile/);
        await lease.close();
      }
    } finally {
      await pool.close();
    }
  });
});
