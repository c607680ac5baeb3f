/**
 * Only the web (DESIGN.md §8, issue 12): a flow, a link check or a discovery may only take the
 * browser to `http:` and `https:` pages. `file:`, `chrome:`, `view-source:`, `data:`,
 * `javascript:`, `filesystem:`, `ftp:`… would hand a tenant the crawler machine's files and
 * environment, or run the tenant's script outside any site. The same rule is enforced by the flow
 * schema, by a check constraint on stored steps and by the crawler at run time.
 */

export const WEB_URL_SCHEMES = ['http:', 'https:'] as const;

/** Longest URL FlowLens accepts in a flow (browsers cope with more; nobody records more). */
export const MAX_FLOW_URL_LENGTH = 4096;

/**
 * Why `value` is not an absolute http(s) URL, in a sentence; null when it is one. Never echoes a
 * long value back whole.
 */
export function webUrlProblem(value: string): string | null {
  if (value.length > MAX_FLOW_URL_LENGTH) return `is ${value.length} characters long; at most ${MAX_FLOW_URL_LENGTH} are allowed`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http(s) URL, e.g. https://shop.example.com/';
  }
  if (!(WEB_URL_SCHEMES as readonly string[]).includes(url.protocol)) {
    return `uses the ${url.protocol} scheme; FlowLens only opens http: and https: pages`;
  }
  if (url.hostname === '') return 'has no host name';
  return null;
}

export function isWebUrl(value: string): boolean {
  return webUrlProblem(value) === null;
}

/**
 * Documents a browser frame may show while FlowLens drives it: web pages, the blank documents
 * browsers create themselves (a new tab, an empty iframe, an `srcdoc` iframe), and Chromium's own
 * error page for a navigation that failed (it holds the error, nothing of the machine's).
 */
export function isAllowedDocumentUrl(value: string): boolean {
  if (value === 'about:blank' || value === 'about:srcdoc' || value === '' || value === 'chrome-error://chromewebdata/') return true;
  try {
    return (WEB_URL_SCHEMES as readonly string[]).includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
