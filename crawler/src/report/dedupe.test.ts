/**
 * Reports say what happened, once: in real Chromium, a 404 document reached by following a link
 * belongs to the page it loads; and a URL already reported as a broken link is not reported again
 * as a failed request in the built report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool } from '../browser/pool.ts';
import { FailedRequestDetector } from '../detectors/failed-requests.ts';
import type { Finding } from '../detectors/types.ts';
import { html, serveRoutes, type TestServer } from '../testing/serve.ts';
import { buildReport } from './build.ts';

const pool = new BrowserPool();
let server: TestServer;

beforeAll(async () => {
  server = await serveRoutes({
    '/checkout': { body: html('<h1>Checkout</h1><a href="/team">Our team</a>') },
    '/team': { status: 404, body: html('<h1>Not found</h1>') },
  });
});

afterAll(async () => {
  await pool.close();
  await server.close();
});

describe('failed document requests', () => {
  it('belong to the page they load, not the page the link was on', async () => {
    const lease = await pool.lease('desktop', { allowPrivate: true });
    try {
      const page = await lease.context.newPage();
      const detector = new FailedRequestDetector();
      detector.attach(page, { viewport: 'desktop', siteOrigin: server.url });
      await page.goto(`${server.url}/checkout`);
      await page.getByRole('link', { name: 'Our team' }).click();
      await page.waitForURL(`${server.url}/team`);
      const findings = detector.drain();
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ pageUrl: `${server.url}/team`, request: { url: `${server.url}/team`, status: 404, resourceType: 'document' } });
    } finally {
      await lease.close();
    }
  });
});

describe('buildReport', () => {
  const base = 'http://shop.test';
  const broken: Finding = { type: 'broken_link', pageUrl: `${base}/about`, viewport: 'desktop', message: 'Link to /team answered 404', request: { url: `${base}/team`, method: 'GET', status: 404, resourceType: 'link', sameOrigin: true } };
  const failed: Finding = { type: 'request_failed', pageUrl: `${base}/team`, viewport: 'desktop', message: `GET ${base}/team answered 404`, request: { url: `${base}/team#top`, method: 'GET', status: 404, resourceType: 'document', sameOrigin: true } };
  const other: Finding = { type: 'request_failed', pageUrl: `${base}/about`, viewport: 'desktop', message: `GET ${base}/api answered 500`, request: { url: `${base}/api`, method: 'GET', status: 500, resourceType: 'fetch', sameOrigin: true } };
  const build = (findings: Finding[]) =>
    buildReport({
      baseUrl: base,
      startedAt: '2026-12-03T08:00:00.000Z',
      finishedAt: '2026-12-03T08:01:00.000Z',
      flowRuns: [],
      discoveries: [{ viewport: 'desktop', pages: [], findings, blocked: [], startPageError: null, skippedByRobots: [] }],
    });

  it('reports a broken link once, not again as a failed request', () => {
    expect(build([broken, failed, other]).bugs.map((b) => b.type)).toEqual(['broken_link', 'request_failed']);
    expect(build([broken, failed, other]).bugs[1]?.evidence.request?.url).toBe(`${base}/api`);
  });

  it('keeps the failed request when no broken link names it', () => {
    expect(build([failed, other]).bugs.map((b) => b.type)).toEqual(['request_failed', 'request_failed']);
  });
});
