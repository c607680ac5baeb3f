import { describe, expect, it } from 'vitest';
import { idSegmentRule, originOf, rebaseUrl, sameOrigin, templatePath, urlTemplate } from './url-template.ts';

const site = 'https://shop.example.com';

describe('urlTemplate', () => {
  it('strips the site origin, query string and hash, and collapses slashes', () => {
    expect(urlTemplate('https://shop.example.com/cart/?coupon=X#top', site)).toBe('/cart');
    expect(urlTemplate('https://SHOP.example.com:443//a//b/', site)).toBe('/a/b');
    expect(urlTemplate('https://shop.example.com', site)).toBe('/');
    expect(urlTemplate('/relative/path?x', site)).toBe('/relative/path');
  });

  it('replaces ids conservatively', () => {
    const t = (p: string) => urlTemplate(`${site}${p}`, site);
    expect(t('/orders/12345')).toBe('/orders/:id');
    expect(t('/orders/12345/items/7')).toBe('/orders/:id/items/:id');
    expect(t('/u/3f2b8c1e-9d4a-4b6f-8e2a-1c3d5e7f9a0b/settings')).toBe('/u/:id/settings');
    expect(t('/commit/9fceb02d0ae598e95dc970b74767f19372d61af8')).toBe('/commit/:id');
    expect(t('/products/blue-shirt-48213')).toBe('/products/:id');
    expect(t('/invoice/inv_29384')).toBe('/invoice/:id');
    expect(t('/s/aZ3kL9pQ2rT5vX8w')).toBe('/s/:id');
    expect(t('/u/x7fq2z9')).toBe('/u/:id');
    // Stay as they are: words, versions, small numbers inside names.
    expect(t('/products/blue-shirt')).toBe('/products/blue-shirt');
    expect(t('/api/v2/orders')).toBe('/api/v2/orders');
    expect(t('/blog/top-10-tips')).toBe('/blog/top-10-tips');
    expect(t('/deadbeef')).toBe('/deadbeef');
    expect(t('/html5-games')).toBe('/html5-games');
  });

  it('keeps file extensions and templates hashed bundle names', () => {
    expect(urlTemplate(`${site}/assets/index-4f9a8c1b.js`, site)).toBe('/assets/index-:id.js');
    expect(urlTemplate(`${site}/img/12345.png`, site)).toBe('/img/:id.png');
    expect(urlTemplate(`${site}/img/hero.png`, site)).toBe('/img/hero.png');
  });

  it('keeps other origins, lower-cased', () => {
    expect(urlTemplate('https://CDN.Example.net/img/a1b2c3d4e5.png?w=200', site)).toBe('https://cdn.example.net/img/:id.png');
    expect(urlTemplate('http://shop.example.com/cart', site)).toBe('http://shop.example.com/cart');
    expect(urlTemplate('https://api.example.com/', site)).toBe('https://api.example.com');
  });

  it('never throws on odd input', () => {
    expect(urlTemplate('not a url')).toBe('not a url');
    expect(urlTemplate('mailto:ann@example.com', site)).toBe('mailto:ann@example.com');
    expect(templatePath('/a/%E0%A4%A/1')).toBe('/a/%E0%A4%A/:id');
    expect(idSegmentRule('12')).toBe('number');
    expect(idSegmentRule('shirts')).toBeNull();
  });
});

describe('origins', () => {
  it('compares origins safely', () => {
    expect(sameOrigin('https://a.example/x', 'https://A.example:443/y')).toBe(true);
    expect(sameOrigin('https://a.example', 'http://a.example')).toBe(false);
    expect(sameOrigin('nope', 'nope')).toBe(false);
    expect(originOf('ftp://a.example/')).toBeNull();
  });
});

describe('rebaseUrl', () => {
  it('moves recorded URLs to another base, keeping path, query and hash', () => {
    expect(rebaseUrl('https://shop.example.com/cart?x=1#y', 'https://shop.example.com', 'http://localhost:3000')).toBe('http://localhost:3000/cart?x=1#y');
    expect(rebaseUrl('https://shop.example.com/', 'https://shop.example.com/', 'https://staging.example.com/')).toBe('https://staging.example.com/');
  });

  it('handles path prefixes on either side', () => {
    expect(rebaseUrl('https://example.com/shop/cart', 'https://example.com/shop', 'http://localhost:8080/')).toBe('http://localhost:8080/cart');
    expect(rebaseUrl('https://example.com/cart', 'https://example.com/', 'https://preview.example.com/pr-42/')).toBe('https://preview.example.com/pr-42/cart');
    expect(rebaseUrl('https://example.com/blog', 'https://example.com/shop', 'http://localhost/')).toBe('https://example.com/blog');
  });

  it('leaves other origins alone and explains bad bases', () => {
    expect(rebaseUrl('https://pay.example.net/x', 'https://shop.example.com', 'http://localhost:3000')).toBe('https://pay.example.net/x');
    expect(() => rebaseUrl('https://a.example/', 'https://a.example', 'localhost:3000')).toThrow(/not an absolute URL \(write it like https:\/\/staging\.example\.com\)/);
  });
});
