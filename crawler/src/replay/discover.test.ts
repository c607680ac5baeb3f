import { describe, expect, it } from 'vitest';
import { BrowserPool } from '../browser/pool.ts';
import { html, serveRoutes } from '../testing/serve.ts';
import { discover } from './discover.ts';
import { parseRobots } from './robots.ts';
import { detectorSettings } from './settings.ts';

describe('robots.txt', () => {
  it('applies the most specific group and the longest matching rule, Allow winning ties', () => {
    const rules = parseRobots(`User-agent: *\nDisallow: /private\nAllow: /private/press\n\nUser-agent: OtherBot\nDisallow: /`);
    expect(rules.allows('/')).toBe(true);
    expect(rules.allows('/private/x')).toBe(false);
    expect(rules.allows('/private/press/kit')).toBe(true);
    const ours = parseRobots(`User-agent: *\nDisallow:\n\nUser-agent: FlowLens\nDisallow: /*.pdf$\nDisallow: /cart`);
    expect(ours.allows('/cart')).toBe(false);
    expect(ours.allows('/guide.pdf')).toBe(false);
    expect(ours.allows('/guide.pdf?x=1')).toBe(true);
    expect(parseRobots('').allows('/anything')).toBe(true);
  });
});

describe('discover', () => {
  it('crawls same-origin pages breadth-first, one per template, honouring robots.txt, recording links', async () => {
    const server = await serveRoutes({
      '/robots.txt': { type: 'text/plain', body: 'User-agent: *\nDisallow: /private\n' },
      '/': { body: html('<h1>Home</h1><a href="/a">A</a> <a href="/private/x">Private</a> <a href="/orders/1">Order 1</a> <a href="/orders/2">Order 2</a> <a href="https://example.org/">External</a>') },
      '/a': { body: html('<h1>A</h1><a href="/">Home</a> <a href="/b">B</a>') },
      '/b': { body: html('<h1>B</h1>') },
      '/private/x': { body: html('<h1>Secret</h1>') },
      '/orders/1': { body: html('<h1>Order</h1>') },
      '/orders/2': { body: html('<h1>Order</h1>') },
    });
    const pool = new BrowserPool();
    try {
      const templateOf = (u: string) => {
        const p = new URL(u).pathname;
        return p.replace(/\/\d+$/, '/:id');
      };
      const result = await discover({
        startUrl: `${server.url}/`,
        maxPages: 10,
        viewport: 'desktop',
        siteOrigin: server.url,
        templateOf,
        detectors: detectorSettings({ checkExternalLinks: false }),
        newContext: () => pool.lease('desktop', { allowPrivate: true }),
      });
      expect(result.pages.map((p) => p.urlTemplate)).toEqual(['/', '/a', '/orders/:id', '/b']);
      expect(result.skippedByRobots).toEqual(['/private/x']);
      expect(server.hits.get('GET /private/x')).toBeUndefined();
      expect(server.hits.get('GET /orders/2')).toBeUndefined();
      expect(result.pages[0]!.links.sort()).toEqual(['/a', '/orders/:id', '/private/x']);
      expect(result.startPageError).toBeNull();
    } finally {
      await pool.close();
      await server.close();
    }
  });
});
