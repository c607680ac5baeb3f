/**
 * Broken links: every http(s) link on a page is checked once per run (a cache shared by all pages
 * and viewports of the run). Same-origin links always; external links too, HEAD first and GET
 * when a server refuses HEAD, a few at a time and never hammering one host. Checks go through the
 * browser context's request API, so the egress guard and the site's cookies apply to them too.
 */
import type { APIRequestContext, Page } from 'playwright';
import type { Detector, DetectorContext, Finding } from './types.ts';

export interface LinkCheckResult {
  status?: number;
  failure?: string;
}

export interface BrokenLinkOptions {
  checkExternal?: boolean;
  /** Links checked at once (default 4). */
  concurrency?: number;
  /** Minimum gap between two requests to one external host, in ms (default 100). */
  perHostGapMs?: number;
  /** The same for the site itself, which is checked more eagerly (default 10). */
  sameOriginGapMs?: number;
  timeoutMs?: number;
  /** At most this many links per page are checked (default 200). */
  maxLinksPerPage?: number;
}

/** Shared by all pages and viewports of one run. */
export class LinkCache {
  readonly results = new Map<string, Promise<LinkCheckResult>>();
  private readonly lastHit = new Map<string, number>();
  checks = 0;

  async throttle(host: string, gapMs: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      const last = this.lastHit.get(host) ?? 0;
      if (now - last >= gapMs) {
        this.lastHit.set(host, now);
        return;
      }
      await new Promise((r) => setTimeout(r, gapMs - (now - last)));
    }
  }
}

function isBroken(r: LinkCheckResult): boolean {
  return r.failure !== undefined || (r.status !== undefined && r.status >= 400);
}

export class BrokenLinkDetector implements Detector {
  readonly name = 'broken-links';
  private findings: Finding[] = [];

  constructor(
    private readonly cache: LinkCache,
    private readonly opts: BrokenLinkOptions = {},
  ) {}

  private check(request: APIRequestContext, url: string, sameOrigin: boolean): Promise<LinkCheckResult> {
    const cached = this.cache.results.get(url);
    if (cached) return cached;
    const timeout = this.opts.timeoutMs ?? 10_000;
    const run = (async (): Promise<LinkCheckResult> => {
      await this.cache.throttle(new URL(url).host, sameOrigin ? (this.opts.sameOriginGapMs ?? 10) : (this.opts.perHostGapMs ?? 100));
      this.cache.checks += 1;
      try {
        const head = await request.head(url, { timeout, maxRedirects: 5, failOnStatusCode: false });
        if (head.headers()['x-flowlens-blocked']) return { failure: 'blocked by the egress guard' };
        // Servers that do not implement HEAD answer 405/501 (some 404/403): ask again with GET.
        if (![403, 404, 405, 501].includes(head.status())) return { status: head.status() };
        const get = await request.get(url, { timeout, maxRedirects: 5, failOnStatusCode: false });
        return { status: get.status() };
      } catch (e) {
        return { failure: (e as Error).message.split('\n')[0] };
      }
    })();
    this.cache.results.set(url, run);
    return run;
  }

  async inspect(page: Page, ctx: DetectorContext): Promise<void> {
    // Read the links and the page's address at once: the caller lets the page move on while they
    // are checked, and a broken link belongs to the page it is on, not to where the flow went next.
    const pageUrl = page.url();
    const links = await page.evaluate(() =>
      Array.from(document.querySelectorAll('a[href]'))
        .map((a) => ({ href: (a as HTMLAnchorElement).href, text: (a.textContent ?? '').trim().slice(0, 80) }))
        .filter((l) => /^https?:/.test(l.href)),
    );
    const unique = new Map<string, string>();
    for (const l of links) {
      const url = l.href.split('#')[0]!;
      if (!unique.has(url)) unique.set(url, l.text);
    }
    const candidates = [...unique.entries()]
      .filter(([url]) => this.opts.checkExternal !== false || new URL(url).origin === ctx.siteOrigin)
      .slice(0, this.opts.maxLinksPerPage ?? 200);
    const request = page.context().request;
    const queue = [...candidates];
    const workers = Array.from({ length: Math.min(this.opts.concurrency ?? 4, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [url, text] = next;
        const result = await this.check(request, url, new URL(url).origin === ctx.siteOrigin);
        if (result.failure === 'blocked by the egress guard' || !isBroken(result)) continue;
        const sameOrigin = new URL(url).origin === ctx.siteOrigin;
        this.findings.push({
          type: 'broken_link',
          pageUrl,
          viewport: ctx.viewport,
          selector: `a[href="${new URL(url).pathname}"]`,
          message: `Link "${text || url}" to ${url} ${result.status !== undefined ? `answers ${result.status}` : `fails (${result.failure})`}`,
          request: { url, method: 'GET', status: result.status, failure: result.failure, sameOrigin, resourceType: 'link' },
        });
      }
    });
    await Promise.all(workers);
  }

  drain(): Finding[] {
    const out = this.findings;
    this.findings = [];
    return out;
  }
}
