import { chromium } from 'playwright';
import { CHROMIUM_ARGS, chromiumPath } from '../crawler/src/browser/pool.ts';
import { loadAxeSource } from '../crawler/src/replay/settings.ts';
import { startShop } from '../tests/fixtures/index.ts';
const shop = await startShop();
const src = loadAxeSource();
const flagsets = (process.env.FLAGS ?? '').split('|');
const RUN = `axe.run(document,{resultTypes:['violations','incomplete'],runOnly:{type:'tag',values:['wcag2a','wcag2aa','wcag21a','wcag21aa','best-practice']}}).then(r=>r.violations.length)`;
const med = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const res: Record<string, { cold: number[]; warm: number[]; nav: number[] }> = {};
const browsers = await Promise.all(flagsets.map((f) => chromium.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, ...(f ? [`--js-flags=${f}`] : [])] })));
for (let rep = 0; rep < 7; rep++) {
  for (const [i, f] of flagsets.entries()) {
    const r = (res[f || 'default'] ??= { cold: [], warm: [], nav: [] });
    const ctx = await browsers[i]!.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    let nav = 0;
    for (const [k, p] of (process.env.PAGES ?? '/,/products,/checkout').split(',').entries()) {
      const t = performance.now();
      await page.goto(shop.url + p, { waitUntil: 'load' });
      nav += performance.now() - t;
      const { frameTree } = await cdp.send('Page.getFrameTree');
      const { executionContextId } = await cdp.send('Page.createIsolatedWorld', { frameId: frameTree.frame.id, worldName: 'w' });
      const t0 = performance.now();
      await cdp.send('Runtime.evaluate', { expression: src, contextId: executionContextId });
      await cdp.send('Runtime.evaluate', { expression: RUN, contextId: executionContextId, awaitPromise: true, returnByValue: true });
      (k === 0 ? r.cold : r.warm).push(performance.now() - t0); if (process.env.SPLIT) console.log(p, k, Math.round(performance.now() - t0));
    }
    r.nav.push(nav);
    await ctx.close();
  }
}
for (const [k, r] of Object.entries(res)) console.log(k.padEnd(50), 'cold', Math.round(med(r.cold)!), 'warm', Math.round(med(r.warm)!), 'nav3', Math.round(med(r.nav)!));
await Promise.all(browsers.map((b) => b.close())); await shop.close();
