/**
 * `--discover N` and the nightly page-discovery job: a breadth-first, same-origin crawl from the
 * start page, respecting robots.txt, visiting at most N pages (one per URL template — /products/1
 * and /products/2 are the same page type), running the page detectors on each and recording the
 * links between pages for the site graph.
 */
import type { Lease } from '../browser/pool.ts';
import type { ViewportName } from '../browser/viewports.ts';
import type { Finding } from '../detectors/types.ts';
import type { BlockedRequest } from '../net/guard-proxy.ts';
import { PageSession, type DetectorSettings, type PageVisit } from './page-session.ts';
import { parseRobots } from './robots.ts';

export interface DiscoverOptions {
  startUrl: string;
  maxPages: number;
  viewport: ViewportName;
  siteOrigin: string;
  templateOf: (url: string) => string;
  detectors: DetectorSettings;
  newContext: () => Promise<Lease>;
  navigationTimeoutMs?: number;
  inspected?: Set<string>;
  onPage?: (url: string) => void;
}

export interface DiscoverResult {
  viewport: ViewportName;
  pages: PageVisit[];
  findings: Finding[];
  blocked: BlockedRequest[];
  /** The start page did not load: the site is down (P0). */
  startPageError: string | null;
  skippedByRobots: string[];
}

const SKIP_EXTENSIONS = /\.(pdf|zip|gz|jpg|jpeg|png|gif|webp|svg|mp4|mp3|dmg|exe|csv|xml|json)$/i;

export async function discover(opts: DiscoverOptions): Promise<DiscoverResult> {
  const lease = await opts.newContext();
  const skippedByRobots: string[] = [];
  try {
    const robotsRes = await lease.context.request.get(`${opts.siteOrigin}/robots.txt`, { timeout: 10_000, failOnStatusCode: false }).catch(() => null);
    const robots = parseRobots(robotsRes && robotsRes.ok() ? await robotsRes.text() : '');
    const page = await lease.context.newPage();
    const session = new PageSession(page, opts.viewport, opts.siteOrigin, opts.templateOf, opts.detectors, opts.inspected ?? new Set());
    const queue: string[] = [opts.startUrl];
    const seenTemplates = new Set<string>();
    let startPageError: string | null = null;
    let visited = 0;
    while (queue.length > 0 && visited < opts.maxPages) {
      const url = queue.shift()!;
      const template = opts.templateOf(url);
      if (seenTemplates.has(template)) continue;
      seenTemplates.add(template);
      const path = new URL(url).pathname;
      if (url !== opts.startUrl && !robots.allows(path)) {
        skippedByRobots.push(path);
        continue;
      }
      opts.onPage?.(url);
      visited += 1;
      try {
        const res = await page.goto(url, { waitUntil: 'load', timeout: opts.navigationTimeoutMs ?? 30_000 });
        if (url === opts.startUrl && (!res || res.status() >= 500)) startPageError = `${url} answered ${res?.status() ?? 'nothing'}`;
        if (!res || res.status() >= 400) continue;
      } catch (e) {
        if (url === opts.startUrl) startPageError = `${url} did not load: ${(e as Error).message.split('\n')[0]}`;
        continue;
      }
      if (new URL(page.url()).origin !== opts.siteOrigin) continue; // redirected off-site
      await page.waitForLoadState('networkidle', { timeout: 3000 }).catch(() => {});
      await session.inspect();
      const links = await page
        .evaluate((o) => Array.from(document.querySelectorAll('a[href]')).map((a) => (a as HTMLAnchorElement).href).filter((h) => h.startsWith(o)), opts.siteOrigin)
        .catch(() => [] as string[]);
      for (const link of links) {
        const clean = link.split('#')[0]!;
        if (SKIP_EXTENSIONS.test(new URL(clean).pathname)) continue;
        if (!seenTemplates.has(opts.templateOf(clean))) queue.push(clean);
      }
    }
    return { viewport: opts.viewport, pages: session.visits, findings: await session.drain(), blocked: lease.blocked(), startPageError, skippedByRobots };
  } finally {
    await lease.close();
  }
}
