import { describe, expect, it } from 'vitest';
import { computeFingerprint } from './fingerprint.ts';
import { A11Y_AUDIT_LIMITS, boundReport, coveredPages, hasBlockingBugs, parseReport, readStoredEvidence, readStoredFingerprintParts, REPORT_LIMITS, REPORT_SCHEMA_VERSION, safeParseReport, type ReportInput } from './report.ts';

const fingerprint = computeFingerprint({ type: 'flow_broken', pageUrl: 'https://shop.example.com/checkout', flow: 'Checkout', stepIndex: 3, action: 'click' }, { baseUrl: 'https://shop.example.com' });

const report: ReportInput = {
  version: REPORT_SCHEMA_VERSION,
  startedAt: '2026-11-22T02:00:00.000Z',
  finishedAt: '2026-11-22T02:03:12.500Z',
  baseUrl: 'https://shop.example.com',
  tool: { name: 'flowlens-check', version: '0.1.0' },
  runs: [
    {
      flow: 'Checkout',
      viewport: 'mobile',
      status: 'failed',
      attempts: 2,
      confirmed: true,
      steps: [
        { index: 0, action: 'click', status: 'passed', durationMs: 420, selectorUsed: { kind: 'testid', value: 'add-to-cart' } },
        {
          index: 1,
          action: 'input',
          status: 'healed',
          durationMs: 812,
          selectorUsed: { kind: 'role', value: 'textbox "E-mail address"' },
          healing: { confidence: 0.81, from: { kind: 'role', value: 'textbox "Email address"' }, to: { kind: 'role', value: 'textbox "E-mail address"' } },
        },
        { index: 2, action: 'keypress', status: 'passed', durationMs: 40, flaky: true, attempts: 2 },
        { index: 3, action: 'click', status: 'failed', durationMs: 5000, error: 'Tried button "Place order" (0 visible); no element on the page resembles the recorded one.' },
        { index: 4, action: 'assert', status: 'skipped', durationMs: 0 },
      ],
      coverage: [{ urlTemplate: '/', viewport: 'mobile' }, { urlTemplate: '/checkout', viewport: 'mobile' }],
    },
    { flow: 'Search', viewport: 'desktop', status: 'passed', flaky: true, steps: [] },
  ],
  pages: [
    {
      url: 'https://shop.example.com/checkout',
      urlTemplate: '/checkout',
      viewport: 'mobile',
      status: 200,
      metrics: { ttfbMs: 120, fcpMs: 900, lcpMs: 2100, cls: 0.02, loadMs: null },
      fingerprint: { elements: 812, forms: 2, ctas: 5, images: 14, structureHash: 'a1b2c3' },
    },
  ],
  bugs: [
    {
      fingerprint: fingerprint.fingerprint,
      fingerprintVersion: fingerprint.version,
      type: 'flow_broken',
      severity: 'P0',
      title: `Step 4 "Click 'Place order'" of Checkout failed on mobile`,
      pageUrl: 'https://shop.example.com/checkout',
      urlTemplate: fingerprint.urlTemplate,
      viewport: 'mobile',
      selector: 'role=button "Place order"',
      flowName: 'Checkout',
      stepIndex: 3,
      evidence: {
        screenshot: 'runs/42/mobile/checkout-3.png',
        console: ['[error] Uncaught TypeError: x is undefined'],
        request: { url: 'https://shop.example.com/api/orders', method: 'POST', status: 500, resourceType: 'fetch' },
        axe: { ruleId: 'button-name', impact: 'critical', helpUrl: 'https://dequeuniversity.com/rules/axe/4.10/button-name', target: 'main > button', partial: false },
        reproSteps: ['Open /', "Click 'Add to cart'", 'Type your email', "Click 'Place order'"],
      },
    },
  ],
  coverage: [{ urlTemplate: '/about', viewport: 'desktop' }],
};

describe('parseReport', () => {
  it('accepts a full report and fills defaults', () => {
    const r = parseReport(report);
    expect(r.runs[1]).toMatchObject({ attempts: 1, coverage: [] });
    expect(r.runs[0]?.steps[1]?.healing?.from).toEqual({ kind: 'role', value: 'textbox "Email address"' });
    expect(r.bugs[0]?.evidence.reproSteps).toHaveLength(4);
    expect(parseReport({ ...report, bugs: [{ ...report.bugs[0], evidence: undefined }] }).bugs[0]?.evidence).toEqual({});
  });

  it('lists every problem with its path', () => {
    const broken = JSON.parse(JSON.stringify(report)) as Record<string, unknown> & { runs: Record<string, unknown>[]; bugs: Record<string, unknown>[]; pages: Record<string, unknown>[] };
    broken['startedAt'] = 'yesterday';
    broken.runs[0] = { ...broken.runs[0], viewport: 'watch' };
    broken.runs[1] = { ...broken.runs[1], confirmed: true };
    broken.bugs[0] = { ...broken.bugs[0], severity: 'P5', fingerprint: 'abc' };
    broken.pages[0] = { ...broken.pages[0], metrics: { ttfbMs: -1, fcpMs: null, lcpMs: null, cls: null } };
    const result = safeParseReport(broken);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      { path: 'startedAt', message: 'must be an ISO 8601 date-time, e.g. 2026-11-22T02:00:00Z' },
      { path: 'runs[0].viewport', message: 'must be one of "desktop", "tablet", "mobile"' },
      { path: 'runs[1].confirmed', message: 'only applies to failed or errored runs' },
      { path: 'pages[0].metrics.ttfbMs', message: 'must be at least 0' },
      { path: 'pages[0].metrics.loadMs', message: 'is required' },
      { path: 'bugs[0].fingerprint', message: 'must be a fingerprint from core computeFingerprint (v<version>:<32 hex>)' },
      { path: 'bugs[0].severity', message: 'must be one of "P0", "P1", "P2", "P3"' },
    ]);
  });

  it('refuses another report version with a clear message', () => {
    expect(() => parseReport({ ...report, version: 2 })).toThrow('version: is 2; this FlowLens reads report version 1');
  });
});

describe('report helpers', () => {
  it('collects coverage from runs, pages and discovery, deduplicated', () => {
    expect(coveredPages(parseReport(report))).toEqual([
      { urlTemplate: '/about', viewport: 'desktop' },
      { urlTemplate: '/', viewport: 'mobile' },
      { urlTemplate: '/checkout', viewport: 'mobile' },
    ]);
  });

  it('knows when the CLI must exit 1', () => {
    const r = parseReport(report);
    expect(hasBlockingBugs(r)).toBe(true);
    expect(hasBlockingBugs({ bugs: r.bugs.map((b) => ({ ...b, severity: 'P2' as const })) })).toBe(false);
  });
});

describe('what a hostile page writes is bounded', () => {
  const base = parseReport(report);
  it('refuses numbers and strings beyond the limits, with the path of each', () => {
    const page = { ...base.pages[0]!, metrics: { ttfbMs: 1e300, fcpMs: -1e300, lcpMs: 5, cls: 1e300, loadMs: 10 } };
    const bad = { ...base, pages: [page], bugs: [{ ...base.bugs[0]!, title: 'x'.repeat(10_000) }] };
    const r = safeParseReport(bad);
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['pages[0].metrics.ttfbMs', 'pages[0].metrics.fcpMs', 'pages[0].metrics.cls', 'bugs[0].title']));
  });
  it('boundReport cuts the same report into one that validates, keeping what is sane', () => {
    const page = { ...base.pages[0]!, title: 't'.repeat(50_000), metrics: { ttfbMs: 1e300, fcpMs: -1e300, lcpMs: 5, cls: Number.NaN, loadMs: 10 }, links: Array.from({ length: 5000 }, (_, i) => `/p${i}`) };
    const bug = { ...base.bugs[0]!, title: 'x'.repeat(10_000), evidence: { console: Array.from({ length: 10_000 }, (_, i) => `line ${i} ${'y'.repeat(900)}`) } };
    const bounded = boundReport({ ...base, pages: [page], bugs: [bug] });
    const again = parseReport(bounded);
    expect(again.pages[0]!.metrics).toEqual({ ttfbMs: null, fcpMs: null, lcpMs: 5, cls: null, loadMs: 10 });
    expect(again.pages[0]!.title!.length).toBe(REPORT_LIMITS.text.title);
    expect(again.pages[0]!.links).toHaveLength(REPORT_LIMITS.items.links);
    expect(again.bugs[0]!.title.endsWith('…')).toBe(true);
    expect(again.bugs[0]!.evidence.console).toHaveLength(REPORT_LIMITS.items.consoleLines);
    expect(again.bugs[0]!.evidence.console!.at(-1)).toMatch(/^line 9999 /);
    expect(JSON.stringify(again).length).toBeLessThan(100_000);
  });
  it('leaves a sane report as it was', () => {
    expect(boundReport(base)).toEqual(base);
  });
  it('bounds a fresh accessibility audit a page wrote (nodes and their text); a reused one carries no nodes', () => {
    const key = 'a'.repeat(64);
    const node = { ruleId: 'image-alt', impact: 'critical' as const, help: 'Images must have alternative text', helpUrl: 'https://dequeuniversity.com/rules/axe/4.10/image-alt', target: 'img', html: `<img src="${'z'.repeat(9000)}">`, siteWide: false };
    const fresh = { ...base.pages[0]!, a11yAudit: { reused: false as const, key, incomplete: 2, nodes: Array.from({ length: 800 }, () => node) } };
    expect(safeParseReport({ ...base, pages: [fresh] }).ok).toBe(false);
    const again = parseReport(boundReport({ ...base, pages: [fresh] }));
    const audit = again.pages[0]!.a11yAudit;
    expect(audit?.reused === false && audit.nodes.length).toBe(A11Y_AUDIT_LIMITS.nodes);
    expect(audit?.reused === false && audit.nodes[0]!.html.length).toBe(REPORT_LIMITS.text.html);
    const reused = { ...base.pages[0]!, a11yAudit: { reused: true as const, key, auditedAt: '2026-12-01T02:00:00Z' } };
    expect(parseReport({ ...base, pages: [reused] }).pages[0]!.a11yAudit).toEqual(reused.a11yAudit);
    const r = safeParseReport({ ...base, pages: [{ ...reused, a11yAudit: { reused: true, key: 'ABC', auditedAt: 'yesterday' } }] });
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['pages[0].a11yAudit.key', 'pages[0].a11yAudit.auditedAt']));
  });
});

describe('stored evidence and fingerprint parts, read back from the database', () => {
  it('keeps each evidence part that reads and drops the one that does not', () => {
    const stored = {
      screenshot: 'site/runs/r/mobile/cart.png',
      console: ['TypeError: x is undefined'],
      request: { url: 'https://shop.example/api/cart', method: 'POST', status: 500 },
      // An older crawler's shape: a list of targets and no help link.
      axe: { ruleId: 'image-alt', impact: 'serious', target: ['#logo'] },
      reproSteps: ['Open the cart'],
      unknownPart: { anything: true },
    };
    expect(readStoredEvidence(stored)).toEqual({
      screenshot: 'site/runs/r/mobile/cart.png',
      console: ['TypeError: x is undefined'],
      request: { url: 'https://shop.example/api/cart', method: 'POST', status: 500 },
      reproSteps: ['Open the cart'],
    });
  });
  it('reads what is not an object as no evidence, and refuses parts beyond the report limits', () => {
    expect(readStoredEvidence(null)).toEqual({});
    expect(readStoredEvidence('<img src=x>')).toEqual({});
    expect(readStoredEvidence([1, 2])).toEqual({});
    expect(readStoredEvidence({ console: Array.from({ length: REPORT_LIMITS.items.consoleLines + 1 }, () => 'x') })).toEqual({});
  });
  it('reads fingerprint parts, null when missing or unreadable', () => {
    const parts = [{ name: 'urlTemplate', value: '/cart', contributes: true, reason: 'the page' }];
    expect(readStoredFingerprintParts(parts)).toEqual(parts);
    expect(readStoredFingerprintParts(null)).toBeNull();
    expect(readStoredFingerprintParts([{ name: 'colour', value: 'red', contributes: true, reason: '' }])).toBeNull();
  });
});
