/**
 * `npm run bench:crawler` — the crawler benchmark (issue 3). On the local fixture shop:
 *   (a) flow-runs per minute with 1, 2 and 4 concurrent contexts (one browser, all detectors)
 *   (b) wall time and CPU (this process + every Chromium process) of FlowLens replay — without
 *       detectors, through the egress guard, with every detector — against a plain Playwright
 *       script doing the same steps, interleaved in the same run, medians of per-repetition ratios
 *       (`--reps N`, default 9; `--cost-only` stops after it and writes docs/benchmarks/crawler-cost.md)
 *   (c) the cost of each detector per page (p50, p95), axe included
 *   (d) browser context creation time (p50, p95)
 *   (e) memory of the worker process and the browser over many consecutive flow-runs
 * Writes docs/benchmarks/crawler.md. `--runs N` sets (e)'s flow-runs (default 100; 500 for the
 * figure in the README: `npm run bench:crawler -- --runs 500`).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFlowJson, urlTemplate, type Flow } from '@flowlens/core';
import type { StoredA11yAudit } from '@flowlens/core/queue';
import { chromium } from 'playwright';
import { BrowserPool, CHROMIUM_ARGS, chromiumPath } from '../../crawler/src/browser/pool.ts';
import { originHostPort } from '../../crawler/src/net/address-policy.ts';
import { discover } from '../../crawler/src/replay/discover.ts';
import type { PageVisit } from '../../crawler/src/replay/page-session.ts';
import { runFlow } from '../../crawler/src/replay/runner.ts';
import { detectorSettings } from '../../crawler/src/replay/settings.ts';
import { startShop } from '../fixtures/index.ts';
import { type Cost, measure } from './cpu.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const args = process.argv.slice(2);
const memoryRuns = Number(args[args.indexOf('--runs') + 1] ?? 100) || 100;
const costReps = args.includes('--reps') ? Number(args[args.indexOf('--reps') + 1]) || 9 : 9;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
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

async function flowlensRun(detectors: boolean, settings = detectorSettings({ enabled: detectors, checkExternalLinks: false })) {
  const started = Date.now();
  const r = await runFlow(flow, {
    viewport: 'desktop',
    newContext: () => pool.lease('desktop', { allowPrivate: true }),
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
async function plainRun(browser: import('playwright').Browser, base: string) {
  const shop = { url: base };
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
}

say(`# Crawler benchmark\n\nMachine: ${(await import('node:os')).cpus().length} cores, Node ${process.version}, Chromium via Playwright; fixture shop on 127.0.0.1; checkout flow of ${flow.steps.length} steps (+ start page).\n`);

// (b) cost vs plain Playwright: interleaved repetitions so every variant sees the same machine
// state; wall time and CPU (this process + every Chromium process) per run; medians of the
// per-repetition ratios. The shop serves from a child process here, left out of the CPU count.
const served = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'tests', 'fixtures', 'shop', 'cli.ts'), '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
const servedUrl = await new Promise<string>((resolve, reject) => {
  let out = '';
  served.stdout!.on('data', (d: Buffer) => {
    out += d;
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (line) resolve((JSON.parse(line) as { url: string }).url);
  });
  served.once('exit', (code) => reject(new Error(`the shop process exited (${code})`)));
});
const notShop = new Set([served.pid!]);
const { flow: servedRecorded } = loadFlowJson(JSON.parse(readFileSync(join(root, 'tests', 'crawler', 'flows', 'checkout-by-hand.json'), 'utf8').replaceAll('http://shop.example.com', servedUrl)));
const servedFlow: Flow = { ...servedRecorded, name: 'bench checkout' };
const servedTemplate = (u: string) => urlTemplate(u, servedUrl);
const costPool = new BrowserPool();
/** A public site's crawl goes through the egress guard; a site marked local does not. */
const COST_GUARDED = { allowPrivate: false, allowedPrivateOrigins: new Set([originHostPort(servedUrl)]) };
/**
 * The accessibility audits a nightly crawl finds stored (private.page_audits): each page's last fresh
 * audit, kept as the database keeps it (a reused audit leaves the stored one as it was).
 */
const storedAudits = new Map<string, StoredA11yAudit>();
/** Stores each page's fresh audit as finalisation would (a reused one leaves the stored audit as it was). */
const storeFreshAudits = (into: Map<string, StoredA11yAudit>, pages: readonly PageVisit[]) => {
  for (const p of pages) {
    if (p.a11yAudit && !p.a11yAudit.reused) into.set(p.urlTemplate, { urlTemplate: p.urlTemplate, key: p.a11yAudit.key, auditedAt: new Date().toISOString(), incomplete: p.a11yAudit.incomplete, nodes: p.a11yAudit.nodes });
  }
};
const replayOnce = async (detectors: boolean, guarded: boolean, accessibility = true, audits?: ReadonlyMap<string, StoredA11yAudit>) => {
  const r = await runFlow(servedFlow, {
    viewport: 'desktop',
    newContext: () => costPool.lease('desktop', guarded ? COST_GUARDED : { allowPrivate: true }),
    siteOrigin: servedUrl,
    templateOf: servedTemplate,
    secrets: () => undefined,
    detectors: detectorSettings({ enabled: detectors, accessibility, checkExternalLinks: false, audits }),
    retry: false,
  });
  if (r.status !== 'passed') throw new Error(`bench flow failed: ${r.failure?.message}`);
  if (!audits) storeFreshAudits(storedAudits, r.pages);
  else reusedPages.add(`${r.pages.filter((p) => p.a11yAudit?.reused).length} of ${r.pages.length}`);
};
const reusedPages = new Set<string>();
const plainBrowser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
const VARIANTS: [string, () => Promise<unknown>][] = [
  ['plain Playwright script', () => plainRun(plainBrowser, servedUrl)],
  ['FlowLens replay, no detectors', () => replayOnce(false, false)],
  ['… through the egress guard (public sites)', () => replayOnce(false, true)],
  ['FlowLens replay, every detector but axe', () => replayOnce(true, false, false)],
  ['FlowLens replay, all detectors', () => replayOnce(true, false)],
  ['… nightly: audits of unchanged pages reused', () => replayOnce(true, false, true, storedAudits)],
];
for (const [, run] of VARIANTS) await run(); // warm-up: browsers launched, code paths compiled
const costs: Cost[][] = VARIANTS.map(() => []);
for (let i = 0; i < costReps; i++) {
  for (const [v, [, run]] of VARIANTS.entries()) costs[v]!.push(await measure(run, notShop));
}
await plainBrowser.close();

// (b') discovery, where a crawl visits most of a site's pages: fresh audits vs a nightly crawl that
// finds the audits of the previous one stored. Interleaved repetitions, medians.
const DISCOVER_PAGES = 12;
const discoveryAudits = new Map<string, StoredA11yAudit>();
const discoverOnce = async (nightly: boolean) => {
  const d = await discover({
    startUrl: servedUrl,
    maxPages: DISCOVER_PAGES,
    viewport: 'desktop',
    siteOrigin: servedUrl,
    templateOf: servedTemplate,
    detectors: detectorSettings({ checkExternalLinks: false, audits: nightly ? discoveryAudits : undefined }),
    newContext: () => costPool.lease('desktop', { allowPrivate: true }),
  });
  if (d.startPageError) throw new Error(`bench discovery failed: ${d.startPageError}`);
  if (nightly) discoveryReuse.add(`${d.pages.filter((x) => x.a11yAudit?.reused).length} of ${d.pages.length}`);
  else storeFreshAudits(discoveryAudits, d.pages);
};
const discoveryReuse = new Set<string>();
await discoverOnce(false);
await discoverOnce(true);
const discoveryCosts: Cost[][] = [[], []];
for (let i = 0; i < Math.min(costReps, 5); i++) {
  discoveryCosts[0]!.push(await measure(() => discoverOnce(false), notShop));
  discoveryCosts[1]!.push(await measure(() => discoverOnce(true), notShop));
}
await costPool.close();
served.kill('SIGTERM');
const median = (xs: number[]) => pct(xs, 50);
const ratio = (v: number, key: (c: Cost) => number) => median(costs[v]!.map((c, i) => key(c) / key(costs[0]![i]!)));
const cpu = (c: Cost) => c.nodeCpuMs + c.browserCpuMs;
say(`## Replay cost vs plain Playwright (same run, ${costReps} interleaved repetitions, desktop, medians)\n`);
say('| variant | wall | CPU (Node + Chromium) | Node CPU | Chromium CPU | wall ratio | CPU ratio |');
say('|---|---|---|---|---|---|---|');
for (const [v, [name]] of VARIANTS.entries()) {
  const c = costs[v]!;
  say(`| ${name} | ${Math.round(median(c.map((x) => x.wallMs)))} ms | ${Math.round(median(c.map(cpu)))} ms | ${Math.round(median(c.map((x) => x.nodeCpuMs)))} ms | ${Math.round(median(c.map((x) => x.browserCpuMs)))} ms | ${ratio(v, (x) => x.wallMs).toFixed(2)}× | ${ratio(v, cpu).toFixed(2)}× |`);
}
say('\nRatios are the median of each repetition\'s ratio to the plain script run just before it. CPU counts this process (replay driver, Playwright client, egress proxy) and every Chromium process; the shop runs in its own process and is not counted.\n');
say(`## Discovery of ${DISCOVER_PAGES} pages, all detectors (same run, ${discoveryCosts[0]!.length} interleaved repetitions, desktop, medians)\n`);
say('| variant | wall | CPU (Node + Chromium) | wall ratio | CPU ratio |');
say('|---|---|---|---|---|');
for (const [v, name] of ['fresh audits', 'nightly: audits of unchanged pages reused'].entries()) {
  const c = discoveryCosts[v]!;
  const dRatio = (key: (x: Cost) => number) => median(c.map((x, i) => key(x) / key(discoveryCosts[0]![i]!)));
  say(`| ${name} | ${Math.round(median(c.map((x) => x.wallMs)))} ms | ${Math.round(median(c.map(cpu)))} ms | ${dRatio((x) => x.wallMs).toFixed(2)}× | ${dRatio(cpu).toFixed(2)}× |`);
}
say(`\nAudits reused per nightly discovery: ${[...discoveryReuse].join(', ')} pages.\n`);
say(`"Nightly" replays with the audits an earlier all-detectors run stored (docs/accessibility-audits.md): pages whose audit key is unchanged are not audited again; a page that differs on every visit (the order confirmation, with its order number) always is. Audits reused per run: ${[...reusedPages].join(', ')} inspected pages.\n`);
if (args.includes('--cost-only')) {
  await pool.close();
  await shop.close();
  // The written analysis below the table (from "## Where" on) is kept: it is read from these figures.
  const costFile = join(root, 'docs', 'benchmarks', 'crawler-cost.md');
  const previous = existsSync(costFile) ? readFileSync(costFile, 'utf8') : '';
  const analysis = previous.includes('\n## Where') ? previous.slice(previous.indexOf('\n## Where')) : '';
  writeFileSync(costFile, `${lines.join('\n')}\n\nMeasured ${new Date().toISOString().slice(0, 10)} with \`npm run bench:crawler -- --cost-only --reps ${costReps}\`.\n${analysis}`);
  console.log('\nwritten to docs/benchmarks/crawler-cost.md');
  process.exit(0);
}

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
