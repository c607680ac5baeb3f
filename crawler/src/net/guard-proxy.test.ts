/**
 * The egress guard in real Chromium: private and metadata destinations are refused — directly, as
 * subresources and after redirects — unless the policy allows them; allowed sites load normally.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool } from '../browser/pool.ts';
import { classifyAddress, originHostPort } from './address-policy.ts';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', false], ['10.1.2.3', false], ['172.20.0.1', false], ['192.168.1.1', false], ['169.254.169.254', false],
    ['100.64.0.1', false], ['0.0.0.0', false], ['::1', false], ['fe80::1', false], ['fd00::1', false], ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', false], ['224.0.0.1', false], ['93.184.216.34', true], ['8.8.8.8', true], ['2606:4700::1111', true],
  ])('%s → allowed %s', (addr, allowed) => {
    expect(classifyAddress(addr).allowed).toBe(allowed);
  });
});

function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) });
    }),
  );
}

let site: Awaited<ReturnType<typeof serve>>;
let other: Awaited<ReturnType<typeof serve>>;
const pool = new BrowserPool();
let otherHits = 0;

beforeAll(async () => {
  other = await serve((_req, res) => {
    otherHits += 1;
    res.end('internal admin');
  });
  site = await serve((req, res) => {
    if (req.url === '/to-metadata') return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    if (req.url === '/to-internal') return void res.writeHead(302, { location: `${other.url}/` }).end();
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>ok</title><h1>Shop</h1><img src="${other.url}/pixel.png">`);
  });
});

afterAll(async () => {
  await pool.close();
  await site.close();
  await other.close();
});

describe('GuardProxy with Chromium', () => {
  it('lets the allowed origin load, refuses another loopback port as a subresource', async () => {
    const lease = await pool.lease('desktop', { allowPrivate: false, allowedPrivateOrigins: new Set([originHostPort(site.url)]) });
    const page = await lease.context.newPage();
    const res = await page.goto(site.url);
    expect(res?.status()).toBe(200);
    expect(await page.textContent('h1')).toBe('Shop');
    await page.waitForLoadState('networkidle');
    const blocked = await lease.close();
    expect(blocked.map((b) => `${b.host}:${b.port}`)).toContain(originHostPort(other.url));
    expect(otherHits).toBe(0);
  });

  it('refuses a redirect to the metadata address and to an internal host', async () => {
    const lease = await pool.lease('mobile', { allowPrivate: false, allowedPrivateOrigins: new Set([originHostPort(site.url)]) });
    const page = await lease.context.newPage();
    const meta = await page.goto(`${site.url}/to-metadata`);
    expect(meta?.status()).toBe(403);
    const internal = await page.goto(`${site.url}/to-internal`);
    expect(internal?.status()).toBe(403);
    const blocked = await lease.close();
    expect(blocked.some((b) => b.host === '169.254.169.254')).toBe(true);
    expect(blocked.some((b) => b.reason.includes('private, loopback'))).toBe(true);
    expect(otherHits).toBe(0);
  });

  it('refuses loopback names outright when nothing is allowed', async () => {
    const lease = await pool.lease('desktop', { allowPrivate: false });
    const page = await lease.context.newPage();
    const res = await page.goto(site.url.replace('127.0.0.1', 'localhost'));
    expect(res?.status()).toBe(403);
    expect((await lease.close())[0]?.reason).toMatch(/localhost resolves to/);
  });

  it('allows everything for a site marked local', async () => {
    const lease = await pool.lease('desktop', { allowPrivate: true });
    const page = await lease.context.newPage();
    await page.goto(site.url);
    await page.waitForLoadState('networkidle');
    expect(await lease.close()).toEqual([]);
    expect(otherHits).toBeGreaterThan(0);
  });
});
