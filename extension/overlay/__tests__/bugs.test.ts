import { describe, expect, it } from 'vitest';
import { causeOf, dashboardBugUrl, pageTemplate, selectorsOf, siteForUrl, siteOrigins, toOverlayBug, type PageBugRow, type SiteRow } from '../bugs.ts';
import { worstSeverity } from '../protocol.ts';

const row = (over: Partial<PageBugRow> = {}): PageBugRow => ({
  id: 'b1',
  type: 'a11y',
  severity: 'P2',
  status: 'active',
  title: 'Title',
  message: null,
  url_template: '/',
  page_url: null,
  selector: null,
  viewports: ['desktop'],
  first_seen_at: '2026-11-01T00:00:00Z',
  last_seen_at: '2026-11-02T00:00:00Z',
  flow_id: null,
  step_index: null,
  evidence: {},
  ...over,
});

const site = (over: Partial<SiteRow> = {}): SiteRow => ({ id: 's1', name: 'Shop', base_url: 'https://shop.example.com', allowed_origins: [], ...over });

describe('overlay bugs', () => {
  it('one-line cause: message, else request, axe rule, console', () => {
    expect(causeOf(row({ message: 'TypeError:\n  boom' }))).toBe('TypeError: boom');
    expect(causeOf(row({ evidence: { request: { url: 'https://x/api', method: 'POST', status: 500 } } }))).toBe('POST https://x/api → 500');
    expect(causeOf(row({ evidence: { axe: { ruleId: 'label', help: 'Form elements must have labels' } } }))).toBe('label: Form elements must have labels');
    expect(causeOf(row({ evidence: { console: ['first', 'second'] } }))).toBe('first');
    expect(causeOf(row())).toBe('');
    expect(causeOf(row({ message: 'x'.repeat(500) })).length).toBe(160);
  });

  it('selectors: a recorded step first, then the bug selector, then a top-document axe target', () => {
    expect(selectorsOf(row({ selector: '#a' }), { selectors: [{ kind: 'testid', value: 'buy' }, { kind: 'bogus', value: 'x' }] })).toEqual(['testid=buy', '#a']);
    expect(selectorsOf(row({ evidence: { axe: { target: ['.hero-note'] } } }))).toEqual(['.hero-note']);
    expect(selectorsOf(row({ evidence: { axe: { target: ['iframe', '.inside'] } } }))).toEqual([]);
    expect(selectorsOf(row())).toEqual([]);
  });

  it('dashboard link and screenshot path', () => {
    expect(dashboardBugUrl('http://127.0.0.1:5173/', 's 1', 'b/1')).toBe('http://127.0.0.1:5173/sites/s%201/bugs/b%2F1');
    const b = toOverlayBug(row({ evidence: { screenshot: 's1/runs/r/desktop/x.png' } }), 's1', 'http://d');
    expect(b.screenshot).toBe('s1/runs/r/desktop/x.png');
    expect(toOverlayBug(row({ evidence: { screenshot: 'javascript:alert(1)' } }), 's1', 'http://d').screenshot).toBeUndefined();
  });

  it('finds the site of a page: origin and base path, longest base first, allowed origins last', () => {
    const sites = [site(), site({ id: 's2', base_url: 'https://shop.example.com/de' }), site({ id: 's3', base_url: 'https://other.example.com', allowed_origins: ['https://www.other.example.com'] })];
    expect(siteForUrl(sites, 'https://shop.example.com/products/x')?.id).toBe('s1');
    expect(siteForUrl(sites, 'https://shop.example.com/de/produkte')?.id).toBe('s2');
    expect(siteForUrl(sites, 'https://shop.example.com/design')?.id).toBe('s1');
    expect(siteForUrl(sites, 'https://www.other.example.com/')?.id).toBe('s3');
    expect(siteForUrl(sites, 'http://shop.example.com/')).toBeNull();
    expect(siteForUrl(sites, 'not a url')).toBeNull();
    expect(siteOrigins(sites[2]!)).toEqual(['https://other.example.com', 'https://www.other.example.com']);
  });

  it('page template as the crawler computes it', () => {
    expect(pageTemplate(site(), 'https://shop.example.com/orders/12345?tab=1#x')).toBe('/orders/:id');
  });

  it('worst severity', () => {
    expect(worstSeverity([{ severity: 'P3' }, { severity: 'P1' }, { severity: 'P2' }])).toBe('P1');
    expect(worstSeverity([])).toBeNull();
  });
});
