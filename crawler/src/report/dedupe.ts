/**
 * Reports say what happened, once: a URL already reported as a broken link is not reported again
 * as a failed request (following the link to check it, or discovery visiting it, loads the same
 * 404). The broken link says where the bad link is, which is what the site owner has to fix.
 */
import type { ReportBug as Bug } from '@flowlens/core';

/** The URL without its fragment, for comparing a link target with a request. */
function sameResource(url: string): string {
  try {
    const u = new URL(url);
    u.hash = '';
    return u.href;
  } catch {
    return url;
  }
}

/** Drops request_failed bugs whose URL is the target of a broken_link bug of the same report. */
export function dropRequestsReportedAsBrokenLinks(bugs: readonly Bug[]): Bug[] {
  const linked = new Set<string>();
  for (const b of bugs) if (b.type === 'broken_link' && b.evidence?.request?.url) linked.add(sameResource(b.evidence.request.url));
  if (linked.size === 0) return [...bugs];
  return bugs.filter((b) => !(b.type === 'request_failed' && b.evidence?.request?.url && linked.has(sameResource(b.evidence.request.url))));
}
