/**
 * Requests that failed: network errors and HTTP 4xx/5xx answers, for documents, scripts, styles,
 * images, fonts and fetch/XHR. Requests the page itself cancelled (navigating away) and requests the
 * egress guard refused are not the site's fault and are left out. A failed top-level document
 * belongs to the page it loads (pageOfRequest).
 */
import type { Page, Request, Response } from 'playwright';
import { MAX_LISTENER_FINDINGS, type Detector, type DetectorContext, type Finding } from './types.ts';

const WATCHED = new Set(['document', 'script', 'stylesheet', 'image', 'font', 'fetch', 'xhr', 'media']);

/**
 * The page a failed request belongs to. A top-level document request is the page it loads: while
 * it fails, page.url() still names the page the browser is leaving (`GET /team fails (404)` is
 * about /team, not about the /checkout the link was followed from).
 */
export function pageOfRequest(page: Page, request: Request): string {
  if (request.resourceType() === 'document' && request.isNavigationRequest() && request.frame() === page.mainFrame()) return request.url();
  return page.url();
}

export class FailedRequestDetector implements Detector {
  readonly name = 'failed-requests';
  private findings: Finding[] = [];

  attach(page: Page, ctx: DetectorContext): void {
    let kept = 0;
    const push = (request: Request, status: number | undefined, failure: string | undefined) => {
      if (!WATCHED.has(request.resourceType()) || kept >= MAX_LISTENER_FINDINGS) return;
      const url = request.url();
      if (!/^https?:/.test(url)) return;
      const sameOrigin = new URL(url).origin === ctx.siteOrigin;
      const what = status !== undefined ? `answered ${status}` : `failed (${failure})`;
      kept += 1;
      this.findings.push({
        type: 'request_failed',
        pageUrl: pageOfRequest(page, request),
        viewport: ctx.viewport,
        message: `${request.method()} ${url} ${what}`,
        request: { url, method: request.method(), status, failure, resourceType: request.resourceType(), sameOrigin },
      });
    };
    page.on('response', (response: Response) => {
      const status = response.status();
      // 403 from the egress guard is a refusal, not the site's answer.
      if (status >= 400 && !response.headers()['x-flowlens-blocked']) push(response.request(), status, undefined);
    });
    page.on('requestfailed', (request: Request) => {
      const failure = request.failure()?.errorText ?? 'unknown error';
      if (failure.includes('ERR_ABORTED') || failure.includes('ERR_TUNNEL_CONNECTION_FAILED')) return;
      push(request, undefined, failure);
    });
  }

  drain(): Finding[] {
    const out = this.findings;
    this.findings = [];
    return out;
  }
}
