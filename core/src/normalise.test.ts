import { describe, expect, it } from 'vitest';
import { isSharedLandmarkTarget, normaliseMessage, normaliseTarget, stackTopFile } from './normalise.ts';

describe('normaliseMessage', () => {
  it('applies the named rules in order and says which changed something', () => {
    const r = normaliseMessage('Failed to fetch https://api.staging.example.com/v2/orders/12345?token=abc for ann@example.com (id 3f2b8c1e-9d4a-4b6f-8e2a-1c3d5e7f9a0b, hash 9fceb02d)');
    expect(r.text).toBe('Failed to fetch /v<n>/orders/:id for <email> (id <uuid>, hash <hex>)');
    expect(r.applied).toEqual(['url', 'email', 'uuid', 'hex', 'number']);
  });

  it('makes messages that differ only by volatile parts equal', () => {
    const a = normaliseMessage("TypeError: Cannot read properties of undefined (reading 'price') at item 3 of 17");
    const b = normaliseMessage("TypeError: Cannot read properties of undefined (reading 'price') at item 12 of 40");
    expect(a.text).toBe(b.text);
    expect(normaliseMessage('Uncaught   Error:\n  boom ').text).toBe('Uncaught Error: boom');
    expect(normaliseMessage("TypeError: x (reading 'price')").text).not.toBe(normaliseMessage("TypeError: x (reading 'name')").text);
  });

  it('keeps punctuation after a URL and truncates very long messages', () => {
    expect(normaliseMessage('GET https://x.example/a/1. Retrying').text).toBe('GET /a/:id. Retrying');
    const long = normaliseMessage('x'.repeat(400));
    expect(long.text).toHaveLength(300);
    expect(long.applied).toContain('truncate');
  });
});

describe('stackTopFile', () => {
  it('reads V8 and Firefox/Safari frames without line numbers', () => {
    expect(stackTopFile('TypeError: x\n    at render (https://shop.example.com/assets/index-4f9a8c1b.js:12:345)\n    at b (https://shop.example.com/vendor.js:1:1)')).toBe('/assets/index-:id.js');
    expect(stackTopFile('Error\n    at https://cdn.example.net/app.js:10:5')).toBe('/app.js');
    expect(stackTopFile('render@https://shop.example.com/static/js/main.js:3:14\n@debugger eval code:1:1')).toBe('/static/js/main.js');
    expect(stackTopFile('Error: no frames here')).toBeNull();
  });
});

describe('normaliseTarget', () => {
  it('drops positions, generated ids and classes, and digits', () => {
    expect(normaliseTarget('#root > div.css-1x2y3z.card > ul > li:nth-child(3) > img')).toBe('#root > div.card > ul > li > img');
    expect(normaliseTarget('li:nth-of-type(12)>a[href="/p/123"]')).toBe('li > a[href="/p/#"]');
    expect(normaliseTarget('#ember123 > button')).toBe('> button');
    expect(normaliseTarget('shop-app >>> button.buy:nth-child(2)')).toBe('shop-app >>> button.buy');
  });

  it('recognises targets in shared landmarks', () => {
    expect(isSharedLandmarkTarget('header > nav > a')).toBe(true);
    expect(isSharedLandmarkTarget('body > footer > ul > li > a')).toBe(true);
    expect(isSharedLandmarkTarget('div[role="banner"] > img')).toBe(true);
    expect(isSharedLandmarkTarget('#site-header > .logo')).toBe(true);
    expect(isSharedLandmarkTarget('main > form > input')).toBe(false);
    expect(isSharedLandmarkTarget('.headerless-card > img')).toBe(false);
  });
});
