import { describe, expect, it } from 'vitest';
import { JobPayloadSchema, jobPayloadProblems, parseRunSummary } from './queue.ts';

const SITE = '00000000-0000-4000-8000-000000000001';
const payload = () => ({
  job: { id: '00000000-0000-4000-8000-000000000002', runId: '00000000-0000-4000-8000-000000000003', siteId: SITE, flowId: '00000000-0000-4000-8000-000000000004', flowVersion: 2, viewport: 'mobile', attempts: 1, maxAttempts: 3, leaseExpiresAt: '2026-12-03T10:00:00+00:00' },
  run: { id: '00000000-0000-4000-8000-000000000003', trigger: 'schedule', deployEventId: null },
  site: { id: SITE, name: 'Shop', baseUrl: 'https://shop.example', allowedOrigins: [], isLocal: false, discoverPages: 20, timezone: 'UTC' },
  flow: {
    id: '00000000-0000-4000-8000-000000000004', site_id: SITE, name: 'Checkout', start_url: 'https://shop.example/', critical: true, version: 2, schema_version: 1,
    steps: [{ id: '00000000-0000-4000-8000-000000000005', position: 0, action: 'click', data: { selectors: [{ kind: 'css', value: '#buy' }] }, label: 'Buy', label_source: 'user', label_confidence: null, instruction: null, screenshot_path: null }],
  },
  credentials: [{ name: 'PASSWORD', ciphertext: 'v1.a.b' }],
  baselines: [{ urlTemplate: '/', viewport: 'mobile', metric: 'lcp_ms', mean: 900, stddev: 40, samples: 12 }, { urlTemplate: '/', viewport: 'mobile', metric: 'lcp_ms', mean: 'lots' }],
  pages: [{ urlTemplate: '/', fingerprint: { elements: 10, forms: 1, ctas: 2, images: 3, structureHash: 'abc' } }, { urlTemplate: '/old', fingerprint: null }],
});

describe('the job payload contract', () => {
  it('reads what claim_jobs hands out, dropping unreadable detector context', () => {
    const p = JobPayloadSchema.parse(payload());
    expect(p.job.viewport).toBe('mobile');
    expect(p.flow?.steps[0]?.action).toBe('click');
    expect(p.baselines).toHaveLength(1);
    expect(p.pages.map((x) => x.urlTemplate)).toEqual(['/']);
    expect(jobPayloadProblems(payload())).toBeNull();
  });

  it('reads the stored accessibility audits it may reuse, dropping one that does not read; none from an older database', () => {
    const node = { ruleId: 'image-alt', impact: 'critical', help: 'Images must have alternative text', helpUrl: 'https://dequeuniversity.com/rules/axe/4.10/image-alt', target: 'img', html: '<img src="a.png">', siteWide: false };
    const audits = [
      { urlTemplate: '/', key: 'b'.repeat(64), auditedAt: '2026-12-02T02:00:00.123+00:00', incomplete: 1, nodes: [node] },
      { urlTemplate: '/cart', key: 'not a hash', auditedAt: '2026-12-02T02:00:00Z', incomplete: 0, nodes: [] },
    ];
    const p = JobPayloadSchema.parse({ ...payload(), audits });
    expect(p.audits).toEqual([audits[0]]);
    expect(JobPayloadSchema.parse(payload()).audits).toEqual([]);
  });

  it('names every problem of a job it cannot run', () => {
    const bad = payload() as unknown as { job: { viewport: string }; site: { baseUrl: unknown }; flow: { steps: { action: string }[] } };
    bad.job.viewport = 'watch';
    bad.site.baseUrl = 42;
    bad.flow.steps[0]!.action = 'hover';
    const problems = jobPayloadProblems(bad);
    expect(problems).toContain('job.viewport');
    expect(problems).toContain('site.baseUrl');
    expect(problems).toContain('flow.steps.0.action');
    expect(jobPayloadProblems(null)).toMatch(/^\(payload\)/);
  });
});

describe('the run summary', () => {
  it('reads a summary and fills what an older one lacks', () => {
    const id = '00000000-0000-4000-8000-000000000009';
    expect(parseRunSummary({ new: [id], healthScore: 87, jobs: { done: 3, total: 4 } })).toEqual({
      new: [id], regressed: [], persistent: [], fixed: [], pagesAdded: [], pagesRemoved: [], healthScore: 87, previousHealthScore: null, jobs: { done: 3, total: 4 }, deployEventId: null, a11yAudits: null,
    });
  });

  it('reads how the accessibility audits were made; an unreadable date is dropped, an unreadable part is null', () => {
    expect(parseRunSummary({ a11yAudits: { fresh: 2, reused: 3, reusedSince: '2026-12-01T02:00:00.5+00:00' } }).a11yAudits).toEqual({ fresh: 2, reused: 3, reusedSince: '2026-12-01T02:00:00.5+00:00' });
    expect(parseRunSummary({ a11yAudits: { fresh: 2, reused: 0, reusedSince: 'someday' } }).a11yAudits).toEqual({ fresh: 2, reused: 0, reusedSince: null });
    expect(parseRunSummary({ a11yAudits: { fresh: -1, reused: 'x' } }).a11yAudits).toBeNull();
  });

  it('never trips over garbage', () => {
    const s = parseRunSummary({ new: 'x', fixed: [1, 2], healthScore: 'high', jobs: 7, deployEventId: 5 });
    expect(s).toMatchObject({ new: [], fixed: [], healthScore: null, jobs: null, deployEventId: null, a11yAudits: null });
    expect(parseRunSummary(null).new).toEqual([]);
  });
});
