import { describe, expect, it } from 'vitest';
import { a11yKey, computeFingerprint, FINGERPRINT_VERSION, isFingerprint, siteWideA11yKeys, SITE_WIDE_TEMPLATE, type FingerprintInput } from './fingerprint.ts';

const opts = { baseUrl: 'https://shop.example.com' };
const fp = (input: FingerprintInput, o = opts) => computeFingerprint(input, o).fingerprint;

describe('computeFingerprint', () => {
  it('is versioned, deterministic and well-formed', () => {
    const input: FingerprintInput = { type: 'js_error', pageUrl: 'https://shop.example.com/cart', message: 'boom' };
    const a = computeFingerprint(input, opts);
    expect(a.fingerprint).toMatch(/^v1:[0-9a-f]{32}$/);
    expect(isFingerprint(a.fingerprint)).toBe(true);
    expect(a.version).toBe(FINGERPRINT_VERSION);
    expect(computeFingerprint(input, opts)).toEqual(a);
    expect(a.fingerprint).toBe(fp({ type: 'js_error', pageUrl: '/cart?x=1', message: '  boom ' }));
    // Pinned, computed independently (Python: sha256(b"version=1\nurlTemplate=/cart\ntype=js_error\nlocation=boom")[:32]).
    // If this changes, every stored bug's fingerprint changes: bump FINGERPRINT_VERSION and migrate.
    expect(a.fingerprint).toBe('v1:f4cca154c362fd261600aa2756f42627');
  });

  it('records every part, whether it contributed and why', () => {
    const r = computeFingerprint({ type: 'request_failed', pageUrl: 'https://shop.example.com/checkout', method: 'post', requestUrl: 'https://shop.example.com/api/orders/123?x=1' }, opts);
    expect(r.parts).toEqual([
      { name: 'urlTemplate', value: '/checkout', contributes: false, reason: 'one failing endpoint is one bug, whichever page called it' },
      { name: 'type', value: 'request_failed', contributes: true, reason: 'bug type' },
      { name: 'location', value: 'POST /api/orders/:id', contributes: true, reason: 'method and request URL template (query string dropped, ids templated)' },
    ]);
    expect(r.urlTemplate).toBe('/checkout');
  });

  it('is stable across numbers, ids, query strings and hostnames in messages', () => {
    const a = fp({ type: 'js_error', pageUrl: 'https://shop.example.com/orders/123?ref=mail', message: 'Failed to load https://api.example.com/orders/123/items?t=1 (attempt 1)' });
    const b = fp({ type: 'js_error', pageUrl: 'https://shop.example.com/orders/98765', message: 'Failed to load https://api.staging.example.com/orders/98765/items?t=2 (attempt 3)' });
    expect(a).toBe(b);
    // Another machine: the site runs on localhost, same paths.
    const local = fp({ type: 'js_error', pageUrl: 'http://localhost:3000/orders/5', message: 'Failed to load http://localhost:3000/orders/5/items (attempt 2)' }, { baseUrl: 'http://localhost:3000' });
    expect(local).toBe(a);
    const uuids = (id: string) => fp({ type: 'console_error', pageUrl: '/', message: `session ${id} expired for ann@example.com` });
    expect(uuids('3f2b8c1e-9d4a-4b6f-8e2a-1c3d5e7f9a0b')).toBe(uuids('00000000-1111-4222-8333-444444444444'));
  });

  it('uses the top stack frame file without line numbers', () => {
    const withStack = (stack: string) => fp({ type: 'js_error', pageUrl: '/', message: 'TypeError: x is undefined', stack });
    expect(withStack('TypeError\n    at a (https://shop.example.com/assets/index-4f9a8c1b.js:10:5)')).toBe(withStack('TypeError\n    at b (https://shop.example.com/assets/index-77aa00ff.js:99:1)'));
    expect(withStack('TypeError\n    at a (https://shop.example.com/assets/cart.js:10:5)')).not.toBe(withStack('TypeError\n    at a (https://shop.example.com/assets/search.js:10:5)'));
  });

  it('differs for different problems, pages and types', () => {
    const base: FingerprintInput = { type: 'a11y', pageUrl: '/checkout', ruleId: 'button-name', target: 'main > button.pay' };
    const all = [
      fp(base),
      fp({ ...base, ruleId: 'color-contrast' }),
      fp({ ...base, target: 'main > a.back' }),
      fp({ ...base, pageUrl: '/cart' }),
      fp({ type: 'layout_overflow', pageUrl: '/checkout' }),
      fp({ type: 'page_changed', pageUrl: '/checkout' }),
      fp({ type: 'perf_regression', pageUrl: '/checkout', metric: 'lcpMs' }),
      fp({ type: 'perf_regression', pageUrl: '/checkout', metric: 'cls' }),
      fp({ type: 'broken_link', pageUrl: '/checkout', targetUrl: '/old' }),
      fp({ type: 'broken_link', pageUrl: '/checkout', targetUrl: '/older' }),
      fp({ type: 'request_failed', pageUrl: '/checkout', method: 'GET', requestUrl: '/api/cart' }),
      fp({ type: 'request_failed', pageUrl: '/checkout', method: 'POST', requestUrl: '/api/cart' }),
      fp({ type: 'js_error', pageUrl: '/checkout', message: 'a' }),
      fp({ type: 'console_error', pageUrl: '/checkout', message: 'a' }),
    ];
    expect(new Set(all).size).toBe(all.length);
  });

  it('groups a11y targets that differ only by position or generated class', () => {
    const a11y = (target: string) => fp({ type: 'a11y', pageUrl: '/shop', ruleId: 'image-alt', target });
    expect(a11y('ul > li:nth-child(2) > img.css-1x2y3z')).toBe(a11y('ul > li:nth-child(7) > img.css-9q8w7e'));
  });

  it('identifies a broken flow by flow, step and action — not by selector or page', () => {
    const step = (pageUrl: string) => fp({ type: 'flow_broken', pageUrl, flow: 'checkout', stepIndex: 3, action: 'click' });
    expect(step('/checkout?step=2')).toBe(step('/checkout/guest'));
    expect(fp({ type: 'flow_broken', pageUrl: '/', flow: 'checkout', stepIndex: 4, action: 'click' })).not.toBe(step('/'));
    expect(fp({ type: 'flow_broken', pageUrl: '/', flow: 'signup', stepIndex: 3, action: 'click' })).not.toBe(step('/'));
  });

  it('collapses one dead endpoint or link target across pages', () => {
    const req = (pageUrl: string) => fp({ type: 'request_failed', pageUrl, method: 'GET', requestUrl: 'https://shop.example.com/api/cart?ts=1' });
    expect(req('/')).toBe(req('/products/1'));
    const link = (pageUrl: string) => fp({ type: 'broken_link', pageUrl, targetUrl: 'https://shop.example.com/old-page#top' });
    expect(link('/')).toBe(link('/about'));
  });
});

describe('site-wide a11y', () => {
  const violations = [
    { pageUrl: 'https://shop.example.com/', ruleId: 'link-name', target: 'header > nav > a:nth-child(3)' },
    { pageUrl: 'https://shop.example.com/products/1', ruleId: 'link-name', target: 'header > nav > a:nth-child(3)' },
    { pageUrl: 'https://shop.example.com/products/2', ruleId: 'link-name', target: 'header > nav > a:nth-child(3)' },
    { pageUrl: 'https://shop.example.com/', ruleId: 'image-alt', target: 'main > img.hero' },
    { pageUrl: 'https://shop.example.com/about', ruleId: 'image-alt', target: 'main > img.hero' },
    { pageUrl: 'https://shop.example.com/', ruleId: 'color-contrast', target: 'footer > p' },
  ];

  it('marks landmark violations seen on two or more page templates as site-wide', () => {
    const keys = siteWideA11yKeys(violations, opts);
    expect([...keys]).toEqual([a11yKey('link-name', 'header > nav > a:nth-child(9)')]);
  });

  it('collapses a shared header issue into one bug with url template *', () => {
    const keys = siteWideA11yKeys(violations, opts);
    const results = violations
      .filter((v) => v.ruleId === 'link-name')
      .map((v) => computeFingerprint({ type: 'a11y', ...v, siteWide: keys.has(a11yKey(v.ruleId, v.target)) }, opts));
    expect(new Set(results.map((r) => r.fingerprint)).size).toBe(1);
    expect(results[0]?.urlTemplate).toBe(SITE_WIDE_TEMPLATE);
    const perPage = violations.filter((v) => v.ruleId === 'image-alt').map((v) => fp({ type: 'a11y', ...v }));
    expect(new Set(perPage).size).toBe(2);
  });
});

describe('errors from a shipped script', () => {
  it('are one bug on every page that runs the script, and page-specific without a stack', async () => {
    const { computeFingerprint } = await import('./fingerprint.ts');
    const base = { baseUrl: 'https://shop.example.com' };
    const stack = (n: number) => `TypeError: Cannot read properties of null (reading 'dataset')\n    at init (https://shop.example.com/js/reviews.js:${n}:7)`;
    const a = computeFingerprint({ type: 'js_error', pageUrl: 'https://shop.example.com/products/brass-lamp', message: "TypeError: Cannot read properties of null (reading 'dataset')", stack: stack(12) }, base);
    const b = computeFingerprint({ type: 'js_error', pageUrl: 'https://shop.example.com/products/candles', message: "TypeError: Cannot read properties of null (reading 'dataset')", stack: stack(14) }, base);
    expect(a.fingerprint).toBe(b.fingerprint);
    const c = computeFingerprint({ type: 'js_error', pageUrl: 'https://shop.example.com/products/brass-lamp', message: 'boom' }, base);
    const d = computeFingerprint({ type: 'js_error', pageUrl: 'https://shop.example.com/products/candles', message: 'boom' }, base);
    expect(c.fingerprint).not.toBe(d.fingerprint);
  });
});
