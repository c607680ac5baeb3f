/**
 * Each detector against a fixture page with exactly its defect, and against a clean page: it must
 * find its defect, and nothing on the clean page.
 */
import { createRequire } from 'node:module';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool, type Lease } from '../browser/pool.ts';
import type { ViewportName } from '../browser/viewports.ts';
import { html, serveRoutes, type TestServer } from '../testing/serve.ts';
import { A11yDetector } from './a11y.ts';
import { isolatedWorld } from './isolated-world.ts';
import { BrokenLinkDetector, LinkCache } from './broken-links.ts';
import { ConsoleErrorDetector } from './console-errors.ts';
import { FailedRequestDetector } from './failed-requests.ts';
import { JsErrorDetector } from './js-errors.ts';
import { LayoutOverflowDetector } from './layout-overflow.ts';
import { fingerprintPage, structureChange } from './page-structure.ts';
import { measurePage, perfRegressions } from './performance.ts';
import type { StoredA11yAudit } from '@flowlens/core/queue';
import { A11Y_AUDIT_LIMITS } from '@flowlens/core/report';
import { MAX_INSPECTED_ELEMENTS, PageSession } from '../replay/page-session.ts';
import { detectorSettings } from '../replay/settings.ts';
import type { Detector } from './types.ts';

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

/** An axe whose full run never finishes (as on a huge page), while the run without color-contrast works. */
const STALLING_AXE = `${axeSource};(() => {
  const run = axe.run.bind(axe);
  axe.run = (ctx, o) => (o && o.rules && o.rules['color-contrast'] && o.rules['color-contrast'].enabled === false ? run(ctx, o) : new Promise(() => {}));
})();`;

const CLEAN = html(`<header><nav><a href="/">Home</a> <a href="/about">About</a></nav></header>
<main><h1>Lumen Supply</h1><p>Lamps and things.</p><img src="/img.svg" alt="A lamp" width="100" height="100">
<form><label for="q">Search</label><input id="q" name="q"><button>Go</button></form></main><footer><p>© Lumen</p></footer>`);
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';

let server: TestServer;
let external: TestServer;
const pool = new BrowserPool();

beforeAll(async () => {
  external = await serveRoutes({
    '/ok': { body: 'fine' },
    '/no-head': (req) => (req.method === 'HEAD' ? { status: 405 } : { body: 'fine with GET' }),
    '/slow-gone': { status: 410, delayMs: 1500 },
  });
  server = await serveRoutes({
    '/': { body: CLEAN },
    '/about': { body: CLEAN },
    '/img.svg': { type: 'image/svg+xml', body: SVG },
    '/js-error': { body: html('<h1>x</h1><script>window.addEventListener("load", () => { undefinedFunction(); });</script>') },
    '/console-error': { body: html('<h1>x</h1><script>console.error("Checkout config missing");</script>') },
    '/failing-api': { body: html('<h1>x</h1><script>fetch("/api/recommendations")</script>') },
    '/api/recommendations': { status: 500, type: 'application/json', body: '{"error":"boom"}' },
    '/missing-image': { body: html('<h1>x</h1><img src="/nope.png" alt="gone">') },
    '/overflow': { body: html('<h1>x</h1><div class="banner" style="width:600px;background:#eee">Free shipping over $50</div>') },
    '/a11y': { body: html('<main><h1>x</h1><img src="/img.svg"><label>Email</label><input id="email"></main>') },
    // The largest paint arrives late: a big block of text inserted after 700 ms. (Chrome ignores
    // low-entropy images such as solid-colour SVGs for LCP, so text is the reliable fixture.)
    '/slow-lcp': { body: html('<h1>x</h1><script>setTimeout(() => { const p = document.createElement("p"); p.style.fontSize = "40px"; p.textContent = "Hand-made lamps, shipped from our workshop. ".repeat(12); document.body.append(p); }, 700);</script>') },
    '/changed': { body: html('<header><nav><a href="/">Home</a></nav></header><main><h1>Lumen Supply</h1></main>') },
  });
  // The links page needs the external server's URL.
  const links = html(`<h1>x</h1><a href="/about">fine</a> <a href="/shipping-policy">Shipping</a> <a href="${external.url}/ok">ext ok</a> <a href="${external.url}/no-head">ext get</a> <a href="${external.url}/gone">ext gone</a>`);
  linksBody = links;
});

let linksBody = '';

afterAll(async () => {
  await pool.close();
  await server.close();
  await external.close();
});

async function visit(path: string, detectors: Detector[], viewport: ViewportName = 'desktop', body?: string): Promise<{ page: Page; lease: Lease }> {
  const lease = await pool.lease(viewport, { allowPrivate: true });
  const page = await lease.context.newPage();
  const ctx = { viewport, siteOrigin: server.url };
  for (const d of detectors) d.attach?.(page, ctx);
  if (body) await page.route(`${server.url}${path}`, (route) => route.fulfill({ body, contentType: 'text/html' }));
  await page.goto(`${server.url}${path}`);
  await page.waitForLoadState('networkidle');
  for (const d of detectors) await d.inspect?.(page, ctx);
  return { page, lease };
}

describe('JsErrorDetector', () => {
  it('finds an uncaught error and its script, nothing on a clean page', async () => {
    const d = new JsErrorDetector();
    const a = await visit('/js-error', [d]);
    const found = d.drain();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ type: 'js_error', message: expect.stringMatching(/ReferenceError: undefinedFunction is not defined/) });
    await a.lease.close();
    const b = await visit('/', [d]);
    expect(d.drain()).toEqual([]);
    await b.lease.close();
  });
});

describe('ConsoleErrorDetector', () => {
  it('finds console.error but not network noise', async () => {
    const d = new ConsoleErrorDetector();
    const a = await visit('/console-error', [d]);
    expect(d.drain().map((f) => f.message)).toEqual(['Checkout config missing']);
    await a.lease.close();
    const b = await visit('/missing-image', [d]);
    expect(d.drain()).toEqual([]);
    expect(d.recent().some((l) => l.includes('Failed to load resource'))).toBe(true);
    await b.lease.close();
  });
});

describe('FailedRequestDetector', () => {
  it('finds a failing same-origin API call and a missing image, nothing on a clean page', async () => {
    const d = new FailedRequestDetector();
    const a = await visit('/failing-api', [d]);
    const api = d.drain();
    expect(api).toHaveLength(1);
    expect(api[0]!.request).toMatchObject({ status: 500, resourceType: 'fetch', sameOrigin: true, method: 'GET' });
    await a.lease.close();
    const b = await visit('/missing-image', [d]);
    expect(d.drain().map((f) => f.request?.resourceType)).toEqual(['image']);
    await b.lease.close();
    const c = await visit('/', [d]);
    expect(d.drain()).toEqual([]);
    await c.lease.close();
  });
});

describe('BrokenLinkDetector', () => {
  it('finds the 404 link, same-origin and external, with HEAD→GET fallback and one check per URL per run', async () => {
    const cache = new LinkCache();
    const d = new BrokenLinkDetector(cache, { perHostGapMs: 10 });
    const a = await visit('/links', [d], 'desktop', linksBody);
    const found = d.drain();
    expect(found.map((f) => f.request?.url).sort()).toEqual([`${external.url}/gone`, `${server.url}/shipping-policy`].sort());
    expect(external.hits.get('GET /no-head')).toBe(1);
    await a.lease.close();
    const checksBefore = cache.checks;
    const b = await visit('/links', [d], 'mobile', linksBody);
    expect(d.drain()).toHaveLength(2);
    expect(cache.checks).toBe(checksBefore);
    await b.lease.close();
    const c = await visit('/', [d]);
    expect(d.drain()).toEqual([]);
    await c.lease.close();
  });

  it('reports a broken link on the page it is on, even when the flow has moved on before the check answers', async () => {
    const d = new BrokenLinkDetector(new LinkCache(), { perHostGapMs: 10 });
    const lease = await pool.lease('desktop', { allowPrivate: true });
    const page = await lease.context.newPage();
    await page.route(`${server.url}/slow-links`, (route) => route.fulfill({ body: html(`<h1>x</h1><a href="${external.url}/slow-gone">Old offer</a>`), contentType: 'text/html' }));
    await page.goto(`${server.url}/slow-links`);
    const checking = d.inspect(page, { viewport: 'desktop', siteOrigin: server.url });
    await expect.poll(() => external.hits.get('HEAD /slow-gone') ?? 0, { timeout: 10_000 }).toBe(1);
    await page.goto(`${server.url}/about`);
    await checking;
    expect(d.drain().map((f) => [f.request?.url, f.pageUrl])).toEqual([[`${external.url}/slow-gone`, `${server.url}/slow-links`]]);
    await lease.close();
  });
});

describe('LayoutOverflowDetector', () => {
  it('finds the wide banner on mobile only, and nothing on a clean page', async () => {
    const d = new LayoutOverflowDetector();
    const a = await visit('/overflow', [d], 'mobile');
    const found = d.drain();
    expect(found).toHaveLength(1);
    expect(found[0]!.selector).toBe('body > div');
    expect(found[0]!.message).toMatch(/600px wide/);
    await a.lease.close();
    const b = await visit('/overflow', [d], 'desktop');
    expect(d.drain()).toEqual([]);
    await b.lease.close();
    const c = await visit('/', [d], 'mobile');
    expect(d.drain()).toEqual([]);
    await c.lease.close();
  });
});

describe('A11yDetector', () => {
  it('finds the missing alt and the unlabelled input, nothing serious on a clean page', async () => {
    const d = new A11yDetector({ source: axeSource });
    const a = await visit('/a11y', [d]);
    const rules = d.drain().map((f) => f.axe!.ruleId);
    expect(rules).toContain('image-alt');
    expect(rules).toContain('label');
    await a.lease.close();
    const b = await visit('/', [d]);
    expect(d.drain().filter((f) => f.axe!.impact === 'serious' || f.axe!.impact === 'critical')).toEqual([]);
    await b.lease.close();
  });

  it('runs where the page cannot reach: a forged window.axe or patched builtins change nothing, and axe stays invisible to the page', async () => {
    const d = new A11yDetector({ source: axeSource });
    const page = html(`<main><h1>x</h1><img src="/img.svg"><label>Email</label><input id="email"></main><script>
      window.axe = { run: async () => ({ violations: [{ id: 'forged', impact: 'critical', help: 'forged', helpUrl: '', nodes: [{ target: ['body'], html: '<body>' }] }], incomplete: [] }) };
      Array.prototype.map = function () { throw new Error('patched'); };
      JSON.stringify = () => '{}';
    </script>`);
    const a = await visit('/a11y', [d], 'desktop', page);
    const rules = d.drain().map((f) => f.axe!.ruleId);
    expect(rules).toEqual(expect.arrayContaining(['image-alt', 'label']));
    expect(rules).not.toContain('forged');
    // The page's own axe is untouched, and no real axe leaked into the page's globals.
    expect(await a.page.evaluate(() => Object.keys((window as unknown as { axe: object }).axe))).toEqual(['run']);
    await a.lease.close();
  });

  it('marks nodes in shared headers and footers as site-wide', async () => {
    const d = new A11yDetector({ source: axeSource });
    const page = html('<header><a href="/"><img src="/img.svg"></a></header><main><h1>x</h1></main>');
    const a = await visit('/', [d], 'desktop', page);
    const alt = d.drain().find((f) => f.axe!.ruleId === 'image-alt');
    expect(alt?.axe?.siteWide).toBe(true);
    await a.lease.close();
  });

  it('reruns without color-contrast and marks the result partial when axe times out', async () => {
    // An axe whose full run never finishes (as on a huge page), while the run without
    // color-contrast works: the detector must give up on the first, rerun, and mark it partial.
    const d = new A11yDetector({ source: STALLING_AXE }, { timeoutMs: 3000 });
    const a = await visit('/a11y', [d]);
    const found = d.drain();
    expect(found.map((f) => f.axe!.ruleId)).toEqual(expect.arrayContaining(['image-alt', 'label']));
    expect(found.every((f) => f.axe!.partial)).toBe(true);
    expect(found.some((f) => f.axe!.ruleId === 'color-contrast')).toBe(false);
    await a.lease.close();
  });

  it('never hangs the job when even the rerun times out', async () => {
    // A 1 ms budget aborts the rerun's navigation too; Chromium then sometimes leaves the tab's
    // close unanswered (CI hung here once). Cleanup must still finish, so the job moves on.
    for (let i = 0; i < 3; i++) {
      const d = new A11yDetector({ source: axeSource }, { timeoutMs: 1 });
      const a = await visit('/a11y', [d]);
      expect(d.drain().every((f) => f.axe!.partial)).toBe(true);
      await a.lease.close();
    }
  });
});

describe('accessibility audit reuse', () => {
  const ctx = (viewport: ViewportName = 'desktop') => ({ viewport, siteOrigin: server.url });
  const AUDITED = html(`<header><nav><a href="/">Home</a></nav></header><main><h1>Lamps</h1><img src="/img.svg">
    <form><input type="hidden" name="csrf" value="token-1"><label>Email</label><input id="email"></form>
    <div id="host"></div><script>window.state = { at: 1 };</script></main>
    <script>document.getElementById('host').attachShadow({ mode: 'open' }).innerHTML = '<p>In the shadow</p>';</script>`);

  it('keys a page by what axe reads: text, attributes, style rules, shadow content and viewport change it; tokens and scripts do not; a page too big has none', async () => {
    const d = new A11yDetector({ source: axeSource });
    const a = await visit('/audited', [], 'desktop', AUDITED);
    const key = () => d.auditKey(a.page, ctx(), MAX_INSPECTED_ELEMENTS);
    const first = await key();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(await key()).toBe(first);
    // A new document with the same content, in a new context, keys the same.
    const again = await visit('/audited', [], 'desktop', AUDITED);
    expect(await d.auditKey(again.page, ctx(), MAX_INSPECTED_ELEMENTS)).toBe(first);
    await again.lease.close();
    // What axe never reads: a hidden input's token, script text.
    await a.page.evaluate(() => {
      document.querySelector<HTMLInputElement>('input[name=csrf]')!.setAttribute('value', 'token-2');
      document.querySelector('script')!.textContent = 'window.state = { at: 2 };';
    });
    expect(await key()).toBe(first);
    const seen = new Set([first]);
    const changes: [string, (p: Page) => Promise<unknown>][] = [
      ['text', (p) => p.evaluate(() => (document.querySelector('h1')!.textContent = 'Lamps and more'))],
      ['attribute', (p) => p.evaluate(() => document.querySelector('img')!.setAttribute('alt', 'A lamp'))],
      ['style rule', (p) => p.evaluate(() => document.head.appendChild(document.createElement('style')).sheet!.insertRule('h1 { color: #eee }'))],
      ['shadow content', (p) => p.evaluate(() => (document.getElementById('host')!.shadowRoot!.innerHTML = '<p>Changed in the shadow</p>'))],
      ['viewport', (p) => p.setViewportSize({ width: 700, height: 900 })],
    ];
    for (const [what, change] of changes) {
      await change(a.page);
      const k = await key();
      expect(seen.has(k!), what).toBe(false);
      seen.add(k!);
    }
    // The same page on another viewport name keys differently; a page too big for axe has no key.
    expect(await d.auditKey(a.page, ctx('mobile'), MAX_INSPECTED_ELEMENTS)).not.toBe(await key());
    expect(await d.auditKey(a.page, ctx(), 10)).toBeNull();
    // Nor does a page with more content than the key may carry into the worker.
    expect(await d.auditKey(a.page, ctx(), MAX_INSPECTED_ELEMENTS, 100)).toBeNull();
    expect(await d.auditKey(a.page, ctx(), MAX_INSPECTED_ELEMENTS, 1_000_000)).toMatch(/^[0-9a-f]{64}$/);
    await a.lease.close();
  });

  /** Inspects one page through a page session, as replay does, and returns its visit and findings. */
  async function inspect(body: string, opts: { audits?: Map<string, StoredA11yAudit>; source?: string } = {}) {
    const settings = { ...detectorSettings({ checkExternalLinks: false, audits: opts.audits }), ...(opts.source ? { axeSource: opts.source } : {}) };
    const lease = await pool.lease('desktop', { allowPrivate: true });
    const page = await lease.context.newPage();
    await page.route(`${server.url}/audited`, (route) => route.fulfill({ body, contentType: 'text/html' }));
    const session = new PageSession(page, 'desktop', server.url, (u) => new URL(u).pathname, settings, new Set());
    await page.goto(`${server.url}/audited`);
    await session.inspect();
    const findings = await session.drain();
    // Whether axe was loaded into the page's detector world at all.
    const axeLoaded = (await isolatedWorld(page).evaluate('typeof axe')) !== 'undefined';
    await lease.close();
    return { visit: session.visits[0]!, findings, timings: settings.timings, axeLoaded };
  }
  const stored = (visit: Awaited<ReturnType<typeof inspect>>['visit']): Map<string, StoredA11yAudit> => {
    const audit = visit.a11yAudit;
    if (!audit || audit.reused) throw new Error('expected a fresh audit');
    return new Map([[visit.urlTemplate, { urlTemplate: visit.urlTemplate, key: audit.key, auditedAt: '2026-12-02T02:00:00.000Z', incomplete: audit.incomplete, nodes: audit.nodes }]]);
  };
  it('an unchanged page reuses its stored audit without loading axe, with the same findings; a changed page is audited', async () => {
    const fresh = await inspect(AUDITED);
    expect(fresh.visit.a11yAudit).toMatchObject({ reused: false });
    expect(fresh.axeLoaded).toBe(true);
    const a11y = (fs: typeof fresh.findings) => fs.filter((f) => f.type === 'a11y');
    expect(a11y(fresh.findings).map((f) => f.axe!.ruleId)).toEqual(expect.arrayContaining(['image-alt', 'label']));
    const freshKey = (fresh.visit.a11yAudit as { key: string }).key;

    const reused = await inspect(AUDITED, { audits: stored(fresh.visit) });
    expect(reused.visit.a11yAudit).toEqual({ reused: true, key: freshKey, auditedAt: '2026-12-02T02:00:00.000Z' });
    expect(reused.axeLoaded).toBe(false);
    expect(reused.timings.has('a11y')).toBe(false);
    expect(a11y(reused.findings)).toEqual(a11y(fresh.findings));
    expect(reused.visit.a11yIncomplete).toBe(fresh.visit.a11yIncomplete);

    // The alt text is fixed: the key differs, axe runs, and the finding is gone.
    const changed = await inspect(AUDITED.replace('<img src="/img.svg">', '<img src="/img.svg" alt="A lamp">'), { audits: stored(fresh.visit) });
    expect(changed.axeLoaded).toBe(true);
    expect(changed.visit.a11yAudit).toMatchObject({ reused: false });
    expect((changed.visit.a11yAudit as { key: string }).key).not.toBe(freshKey);
    expect(a11y(changed.findings).map((f) => f.axe!.ruleId)).not.toContain('image-alt');

    // Another axe build (or other rules) never reuses an audit made by this one.
    const upgraded = await inspect(AUDITED, { audits: stored(fresh.visit), source: `${axeSource};/* next release */` });
    expect(upgraded.visit.a11yAudit).toMatchObject({ reused: false });
    expect(upgraded.axeLoaded).toBe(true);
  });

  it('keeps no audit to store when axe timed out (partial) or flagged more nodes than an audit holds', async () => {
    const d = new A11yDetector({ source: STALLING_AXE }, { timeoutMs: 3000 });
    const a = await visit('/a11y', []);
    await d.inspect(a.page, ctx(), 'c'.repeat(64));
    expect(d.drain().every((f) => f.axe!.partial)).toBe(true);
    expect(d.audits.size).toBe(0);
    await a.lease.close();

    const many = await inspect(html(`<main><h1>Gallery</h1>${'<img src="/img.svg">'.repeat(A11Y_AUDIT_LIMITS.nodes + 1)}</main>`));
    expect(many.findings.filter((f) => f.axe?.ruleId === 'image-alt')).toHaveLength(A11Y_AUDIT_LIMITS.nodes + 1);
    expect(many.visit.a11yAudit).toBeUndefined();

    // A page that changes while axe reads it (a clock ticking every 5 ms): the key read before the
    // audit does not describe what was audited, so nothing is stored.
    const ticking = await inspect(html('<main><h1>Now</h1><p id="t">0</p><img src="/img.svg"></main><script>let n = 0; setInterval(() => { document.getElementById("t").textContent = String(++n); }, 5);</script>'));
    expect(ticking.findings.map((f) => f.axe?.ruleId)).toContain('image-alt');
    expect(ticking.visit.a11yAudit).toBeUndefined();
  });
});

describe('performance', () => {
  it('measures TTFB, FCP, LCP, CLS and load; flags a regression only beyond 2σ and the minimum delta', async () => {
    const a = await visit('/slow-lcp', []);
    await a.page.waitForFunction(() => document.querySelectorAll('p').length > 0);
    await a.page.waitForTimeout(100);
    const m = await measurePage(a.page);
    await a.lease.close();
    expect(m.ttfbMs).toBeGreaterThanOrEqual(0);
    expect(m.fcpMs).toBeGreaterThan(0);
    expect(m.lcpMs).toBeGreaterThanOrEqual(600);
    expect(m.cls).not.toBeNull();
    expect(m.loadMs).toBeGreaterThan(0);
    const page = { url: `${server.url}/slow-lcp`, urlTemplate: '/slow-lcp', viewport: 'desktop' as const };
    const base = (mean: number, stddev: number, samples = 10) => [{ urlTemplate: '/slow-lcp', viewport: 'desktop', metric: 'lcp_ms', mean, stddev, samples }];
    expect(perfRegressions(m, base(100, 20), page).map((f) => f.metric?.name)).toEqual(['lcp_ms']);
    // The page cannot forge them: a global it writes, or a replaced performance API, changes nothing.
    const forged = await visit('/slow-lcp', [], 'desktop', `<!doctype html><p>forged</p><script>
      window.__flowlensPerf = { lcp: -1e300, cls: 1e300 };
      performance.getEntriesByType = () => [{ responseStart: 1e300, startTime: 0, loadEventEnd: 1e300 }];
      window.PerformanceObserver = function () { throw new Error('no'); };
    </script>`);
    const fm = await measurePage(forged.page);
    await forged.lease.close();
    for (const v of Object.values(fm)) expect(v === null || (Number.isFinite(v) && v >= 0 && v < 60_000), JSON.stringify(fm)).toBe(true);
    expect(fm.ttfbMs).not.toBeNull();
    expect(fm.cls).toBeLessThan(1);
    expect(perfRegressions(m, base(m.lcpMs! - 100, 20), page)).toEqual([]); // within the minimum delta
    expect(perfRegressions(m, base(100, 400), page)).toEqual([]); // within 2σ
    expect(perfRegressions(m, base(100, 20, 3), page)).toEqual([]); // baseline too young
  });
});

describe('page structure', () => {
  it('is stable for the same page and reports a lost section', async () => {
    const a = await visit('/', []);
    const first = await fingerprintPage(a.page);
    await a.page.reload();
    expect(await fingerprintPage(a.page)).toEqual(first);
    await a.page.goto(`${server.url}/changed`);
    const changed = await fingerprintPage(a.page);
    await a.lease.close();
    expect(structureChange(first, first)).toBeNull();
    expect(structureChange(first, changed)).toMatch(/forms 1 → 0/);
  });
});
