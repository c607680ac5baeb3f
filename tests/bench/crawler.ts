/**
 * `npm run bench:crawler` — the crawler benchmark (issue 3). On the local fixture shop:
 *   (a) flow-runs per minute with 1, 2 and 4 concurrent contexts (one browser, all detectors)
 *   (b) per-step time of FlowLens replay, without and with detectors, against a plain Playwright
 *       script doing the same steps — ratios measured in the same run
 *   (c) the cost of each detector per page (p50, p95), axe included
 *   (d) browser context creation time (p50, p95)
 *   (e) memory of the worker process and the browser over many consecutive flow-runs
 * Writes docs/benchmarks/crawler.md. `--runs N` sets (e)'s flow-runs (default 100; 500 for the
 * figure in the README: `npm run bench:crawler -- --runs 500`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFlowJson, urlTemplate, type Flow } from '@flowlens/core';
import { chromium } from 'playwright';
import { BrowserPool, CHROMIUM_ARGS, chromiumPath } from '../../crawler/src/browser/pool.ts';
import { originHostPort } from '../../crawler/src/net/address-policy.ts';
import { runFlow } from '../../crawler/src/replay/runner.ts';
import { detectorSettings } from '../../crawler/src/replay/settings.ts';
import { startShop } from '../fixtures/index.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const args = process.argv.slice(2);
const memoryRuns = Number(args[args.indexOf('--runs') + 1] ?? 100) || 100;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const r1 = (n: number) => Math.round(n * 10) / 10;

const shop = await startShop();
const { flow: recorded } = loadFlowJson(JSON.parse(readFileSync(join(root, 'tests', 'crawler', 'flows', 'checkout-by-hand.json'), 'utf8').replaceAll('http://shop.example.com', shop.url)));
const flow: Flow = { ...recorded, name: 'bench checkout' };
const pool = new BrowserPool();
const templateOf = (u: string) => urlTemplate(u, shop.url);
const lines: string[] = [];
const say = (l: string) => {
  console.log(l);
  lines.push(l);
};

/** A public site's crawl goes through the egress guard; a site marked local does not. */
const GUARDED = { allowPrivate: false, allowedPrivateOrigins: new Set([originHostPort(shop.url)]) };

async function flowlensRun(detectors: boolean, settings = detectorSettings({ enabled: detectors, checkExternalLinks: false }), guarded = false) {
  const started = Date.now();
  const r = await runFlow(flow, {
    viewport: 'desktop',
    newContext: () => pool.lease('desktop', guarded ? GUARDED : { allowPrivate: true }),
    siteOrigin: shop.url,
    templateOf,
    secrets: () => undefined,
    detectors: settings,
    retry: false,
  });
  if (r.status !== 'passed') throw new Error(`bench flow failed: ${r.failure?.message}`);
  return { ms: Date.now() - started, steps: r.steps.length + 1 };
}

/** The same steps as the flow, written as a plain Playwright script would. */
async function plainRun(browser: import('playwright').Browser) {
  const started = Date.now();
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  await page.goto(shop.url, { waitUntil: 'load' });
  await page.getByTestId('hero-cta').click();
  await page.locator('[data-testid=product-card-brass-desk-lamp] a').click();
  await page.getByTestId('add-to-cart').click();
  await page.getByText('Added').first().waitFor();
  await page.goto(`${shop.url}/checkout`, { waitUntil: 'load' });
  for (const [id, v] of [['checkout-email', 'ada@example.com'], ['checkout-name', 'Ada Lovelace'], ['checkout-address', '1 Analytical St'], ['checkout-city', 'London'], ['checkout-postal', 'N1 1AA'], ['checkout-card', '4242424242424242'], ['checkout-expiry', '12/30'], ['checkout-cvc', '123']] as const) {
    await page.getByTestId(id).fill(v);
  }
  await page.getByTestId('place-order').click();
  await page.waitForURL(/\/thanks/);
  await context.close();
  return Date.now() - started;
}

say(`# Crawler benchmark\n\nMachine: ${(await import('node:os')).cpus().length} cores, Node ${process.version}, Chromium via Playwright; fixture shop on 127.0.0.1; checkout flow of ${flow.steps.length} steps (+ start page).\n`);

// (b) overhead vs plain Playwright, interleaved so both see the same machine state.
const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
await plainRun(browser);
await flowlensRun(false);
const plain: number[] = [];
const bare: number[] = [];
const guarded: number[] = [];
const full: number[] = [];
for (let i = 0; i < 8; i++) {
  plain.push(await plainRun(browser));
  bare.push((await flowlensRun(false)).ms);
  guarded.push((await flowlensRun(false, undefined, true)).ms);
  // Fresh detector state each time: every page is inspected (axe, links…) as on a first visit.
  full.push((await flowlensRun(true)).ms);
}
await browser.close();
const steps = flow.steps.length + 1;
say('## Replay overhead (same run, 8 interleaved repetitions, desktop)\n');
say('| variant | mean flow | per step | ratio to plain Playwright |');
say('|---|---|---|---|');
say(`| plain Playwright script | ${Math.round(mean(plain))} ms | ${r1(mean(plain) / steps)} ms | 1.00× |`);
say(`| FlowLens replay, no detectors | ${Math.round(mean(bare))} ms | ${r1(mean(bare) / steps)} ms | ${(mean(bare) / mean(plain)).toFixed(2)}× |`);
say(`| … through the egress guard (public sites) | ${Math.round(mean(guarded))} ms | ${r1(mean(guarded) / steps)} ms | ${(mean(guarded) / mean(plain)).toFixed(2)}× |`);
say(`| FlowLens replay, all detectors | ${Math.round(mean(full))} ms | ${r1(mean(full) / steps)} ms | ${(mean(full) / mean(plain)).toFixed(2)}× |\n`);

// (c) detector cost per page, from a few full runs.
const settings = detectorSettings({ enabled: true, checkExternalLinks: false });
for (let i = 0; i < 5; i++) await flowlensRun(true, { ...settings, linkCache: detectorSettings().linkCache });
say('## Detector cost per page (5 runs × 5 pages)\n');
say('| detector | p50 | p95 |');
say('|---|---|---|');
for (const [name, xs] of settings.timings) say(`| ${name} | ${Math.round(pct(xs, 50))} ms | ${Math.round(pct(xs, 95))} ms |`);
say('');

// (d) context creation.
const creation: number[] = [];
for (let i = 0; i < 40; i++) {
  const t = performance.now();
  const lease = await pool.lease(i % 3 === 0 ? 'desktop' : i % 3 === 1 ? 'tablet' : 'mobile', { allowPrivate: true });
  creation.push(performance.now() - t);
  await lease.close();
}
say(`## Context creation (40 contexts, egress guard included)\n\np50 ${r1(pct(creation, 50))} ms, p95 ${r1(pct(creation, 95))} ms\n`);

// (a) throughput by concurrency.
say('## Throughput (one browser, all detectors, desktop checkout flow-runs)\n');
say('| concurrent contexts | flow-runs | wall time | flow-runs per minute | failures |');
say('|---|---|---|---|---|');
for (const c of [1, 2, 4]) {
  const total = c * 4;
  let failures = 0;
  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < total) {
        next += 1;
        await flowlensRun(true).catch((e: Error) => {
          failures += 1;
          console.error(`  failure at concurrency ${c}: ${e.message}`);
        });
      }
    }),
  );
  const secs = (Date.now() - started) / 1000;
  say(`| ${c} | ${total} | ${r1(secs)} s | ${r1((total / secs) * 60)} | ${failures} |`);
}
say('');

// (e) memory over consecutive flow-runs (detectors off: replay and context churn are what leak).
say(`## Memory over ${memoryRuns} consecutive flow-runs (2 at a time, browser recycled every 200 contexts)\n`);
say('| flow-runs done | worker RSS | browser RSS |');
say('|---|---|---|');
const memPool = new BrowserPool({ maxContextsPerBrowser: 200 });
let done = 0;
const every = Math.max(10, Math.round(memoryRuns / 10));
const memRun = async () => {
  const r = await runFlow(flow, { viewport: 'mobile', newContext: () => memPool.lease('mobile', { allowPrivate: true }), siteOrigin: shop.url, templateOf, secrets: () => undefined, detectors: detectorSettings({ enabled: false }), retry: false });
  if (r.status !== 'passed') throw new Error(r.failure?.message);
};
while (done < memoryRuns) {
  await Promise.all([memRun(), memRun()]);
  done += 2;
  // Sessions are per context; forget them now and then so the shop's own memory stays flat.
  if (done % 50 === 0) shop.resetState();
  if (done % every === 0 || done >= memoryRuns) {
    say(`| ${done} | ${Math.round(process.memoryUsage().rss / 1048576)} MB | ${memPool.browserRssMb()} MB |`);
  }
}
await memPool.close();
await pool.close();
await shop.close();
writeFileSync(join(root, 'docs', 'benchmarks', 'crawler.md'), `${lines.join('\n')}\n\nMeasured ${new Date().toISOString().slice(0, 10)} with \`npm run bench:crawler -- --runs ${memoryRuns}\`.\n`);
console.log('\nwritten to docs/benchmarks/crawler.md');
