import { describe, expect, it } from 'vitest';
import { bugTitle, formatMetric, plainText } from './titles.ts';

describe('bugTitle', () => {
  it('writes titles like a person reporting the bug', () => {
    expect(bugTitle({ type: 'flow_broken', flowName: 'Checkout', stepIndex: 3, stepLabel: "Click 'Place order'", viewport: 'mobile' })).toBe(
      "Step 4 of Checkout failed on mobile: Click 'Place order'",
    );
    expect(bugTitle({ type: 'flow_broken', flowName: 'Checkout', stepIndex: 0, viewport: 'desktop' })).toBe('Step 1 of Checkout failed on desktop');
    expect(bugTitle({ type: 'flow_broken', flowName: 'Checkout', stepIndex: 0, viewport: 'tablet', startPageFailed: true })).toBe('Checkout: the start page did not load on tablet');
    expect(bugTitle({ type: 'broken_link', page: '/', targetUrl: 'https://shop.example.com/img/hero.png?v=3', kind: 'image', status: 404 })).toBe('Image /img/hero.png fails to load (404)');
    expect(bugTitle({ type: 'broken_link', page: '/about', targetUrl: 'https://shop.example.com/old-page', kind: 'link', status: 404 })).toBe('Link to /old-page is broken (404) on /about');
    expect(bugTitle({ type: 'request_failed', page: '/checkout', method: 'post', requestUrl: 'https://shop.example.com/api/cart', status: 500 })).toBe('POST /api/cart fails (500) on /checkout');
    expect(bugTitle({ type: 'request_failed', page: '/', method: 'GET', requestUrl: 'https://shop.example.com/', failure: 'net::ERR_CONNECTION_REFUSED', resourceType: 'document', startPage: true })).toBe(
      'Start page / does not load (net::ERR_CONNECTION_REFUSED)',
    );
    expect(bugTitle({ type: 'js_error', page: '/checkout', message: "TypeError: Cannot read properties of undefined (reading 'id')" })).toBe(
      "JavaScript error on /checkout: TypeError: Cannot read properties of undefined (reading 'id')",
    );
    expect(bugTitle({ type: 'console_error', page: '/', message: 'Failed to load resource' })).toBe('Console error on /: Failed to load resource');
    expect(bugTitle({ type: 'a11y', page: '/checkout', ruleId: 'button-name', help: 'Buttons must have discernible text', impact: 'critical' })).toBe(
      'Accessibility: Buttons must have discernible text (button-name) on /checkout',
    );
    expect(bugTitle({ type: 'a11y', page: '*', ruleId: 'color-contrast', siteWide: true })).toBe('Accessibility: color-contrast on every page');
    expect(bugTitle({ type: 'perf_regression', page: '/products/:id', metric: 'lcpMs', value: 4210, baseline: 1790, viewport: 'mobile' })).toBe(
      'Largest contentful paint on /products/:id is 4.2 s, up from 1.8 s (mobile)',
    );
    expect(bugTitle({ type: 'layout_overflow', page: '/pricing', viewport: 'mobile' })).toBe('/pricing is wider than the screen on mobile (horizontal scroll)');
    expect(bugTitle({ type: 'page_changed', page: '/pricing' })).toBe('/pricing changed its structure');
  });

  it('cuts a long title at a word, never mid-word (issue 19)', () => {
    const t = plainText('Step 5 of Sign up failed on mobile: Click the button that creates the account and subscribes', 60);
    expect(t).toBe('Step 5 of Sign up failed on mobile: Click the button that…');
    expect(t.length).toBeLessThanOrEqual(60);
  });

  it('keeps titles plain, one line and bounded', () => {
    const title = bugTitle({ type: 'js_error', page: '/', message: `Error:\n<img src=x onerror=alert(1)>\u0007\u200b${'x'.repeat(300)}` });
    expect([...title].some((c) => c === '\n' || c === '\u0007' || c === '\u200b')).toBe(false);
    expect(title.length).toBeLessThanOrEqual(160);
    expect(title.endsWith('…')).toBe(true);
    // Plain text, not escaped HTML: renderers must show it as text.
    expect(title).toContain('<img src=x onerror=alert(1)>');
    expect(plainText('  a \t b  ')).toBe('a b');
  });

  it('formats metrics for people', () => {
    expect(formatMetric('ttfbMs', 850.4)).toBe('850 ms');
    expect(formatMetric('loadMs', 12345)).toBe('12.3 s');
    expect(formatMetric('cls', 0.12345)).toBe('0.123');
  });
});
