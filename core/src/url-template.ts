/**
 * URL templates: the site-relative, normalised form of a page URL that groups pages of one kind
 * (`/orders/12345` and `/orders/67890` are both `/orders/:id`). Used as the page key in the site
 * graph (pages.url_template), in bug fingerprints and in coverage.
 *
 * Conservative on purpose: a segment becomes `:id` only when it clearly is an identifier (numbers,
 * UUIDs, hashes, slugs ending in a long number). `/products/blue-shirt` stays as it is, because
 * merging real pages hides bugs, while keeping a few id pages apart only costs a little noise.
 */

export interface IdSegmentRule {
  name: string;
  test: (segment: string) => boolean;
}

/** Ordered, named rules: the first that matches replaces the segment with `:id`. */
export const ID_SEGMENT_RULES: readonly IdSegmentRule[] = [
  { name: 'number', test: (s) => /^\d+$/.test(s) },
  { name: 'uuid', test: (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s) },
  // Hashes and object ids: long hex with at least one digit (so plain words like "deadbeef" survive).
  { name: 'hex', test: (s) => /^[0-9a-f]{8,}$/i.test(s) && /\d/.test(s) },
  // Opaque tokens: 16+ chars of letters and digits mixed (base62 ids, short-link keys).
  { name: 'token', test: (s) => /^[A-Za-z0-9_-]{16,}$/.test(s) && /\d/.test(s) && /[A-Za-z]/.test(s) },
  // Slugs and prefixed ids carrying a number of 3+ digits: blue-shirt-1234, ord_12345, 2024-11-22.
  { name: 'slug-with-number', test: (s) => /\d{3,}/.test(s) && /^[\w.~-]+$/.test(s) },
  // Short random tokens where digits are a large share: a1b2c3, x7fq2z.
  { name: 'digit-heavy', test: (s) => s.length >= 6 && /^[A-Za-z0-9]+$/.test(s) && /[A-Za-z]/.test(s) && (s.match(/\d/g) ?? []).length / s.length >= 0.3 },
];

/** The rule that makes `segment` an id, or null. */
export function idSegmentRule(segment: string): string | null {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // A malformed escape is not an id pattern; test the raw text.
  }
  for (const rule of ID_SEGMENT_RULES) if (rule.test(decoded)) return rule.name;
  return null;
}

function templateSegment(segment: string, isLast: boolean): string {
  // A file name keeps its extension (/img/:id.png); a hashed bundle name keeps its stem (/assets/index-:id.js).
  const ext = isLast ? /^(.+)(\.[A-Za-z][A-Za-z0-9]{0,7})$/.exec(segment) : null;
  if (ext?.[1] && ext[2]) {
    if (idSegmentRule(ext[1])) return `:id${ext[2]}`;
    const hashed = /^(.*?[._-])([0-9a-f]{8,}|[A-Za-z0-9_-]{8,})$/.exec(ext[1]);
    if (hashed?.[1] && hashed[2] && /\d/.test(hashed[2]) && /[A-Za-z]/.test(hashed[2])) return `${hashed[1]}:id${ext[2]}`;
    return segment;
  }
  return idSegmentRule(segment) ? ':id' : segment;
}

/** Path → template path: collapse duplicate and trailing slashes, replace id segments (see ID_SEGMENT_RULES). */
export function templatePath(pathname: string): string {
  const segments = pathname.split('/').filter((s) => s !== '');
  if (segments.length === 0) return '/';
  return `/${segments.map((s, i) => templateSegment(s, i === segments.length - 1)).join('/')}`;
}

function parse(url: string, base?: string): URL | null {
  try {
    return base === undefined ? new URL(url) : new URL(url, base);
  } catch {
    return null;
  }
}

/** The origin of a URL in normalised form (lower-case host, default port dropped), or null if invalid. */
export function originOf(url: string): string | null {
  const u = parse(url);
  return u && (u.protocol === 'http:' || u.protocol === 'https:') ? u.origin : null;
}

/** True when both are valid http(s) URLs with the same scheme, host and port. */
export function sameOrigin(a: string, b: string): boolean {
  const oa = originOf(a);
  return oa !== null && oa === originOf(b);
}

/**
 * The URL template of `url` relative to the site at `siteBaseUrl`:
 *
 *   urlTemplate('https://Shop.example.com/orders/12345/?tab=2#x', 'https://shop.example.com') === '/orders/:id'
 *   urlTemplate('https://cdn.example.net/img/a1b2c3d4e5.png', 'https://shop.example.com') === 'https://cdn.example.net/img/:id.png'
 *
 * Same-origin URLs become a path; other origins keep their (lower-case) origin in front so a broken
 * third-party script is not confused with a page of the site. Query string and hash are dropped.
 * A relative `url` is resolved against `siteBaseUrl`. A last segment with a file extension keeps
 * the extension (`/img/:id.png`). Unparseable input is returned trimmed, so callers never crash on
 * odd hrefs.
 */
export function urlTemplate(url: string, siteBaseUrl?: string): string {
  const u = parse(url.trim(), siteBaseUrl);
  if (!u) return url.trim();
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `${u.protocol}${u.pathname}`;
  const path = templatePath(u.pathname);
  const base = siteBaseUrl === undefined ? null : originOf(siteBaseUrl);
  return base !== null && u.origin === base ? path : `${u.origin}${path === '/' ? '' : path}`;
}

/**
 * Moves a URL recorded on one origin to another (`flowlens check --base-url`): if `url` is on
 * `fromBase` (same origin and under its path), that prefix is replaced by `toBase`'s; query and
 * hash are kept. URLs on other origins are returned unchanged (third-party pages stay where they
 * are).
 *
 *   rebaseUrl('https://shop.example.com/cart?x=1', 'https://shop.example.com', 'http://localhost:3000')
 *     === 'http://localhost:3000/cart?x=1'
 */
export function rebaseUrl(url: string, fromBase: string, toBase: string): string {
  const http = (x: URL | null) => (x && (x.protocol === 'http:' || x.protocol === 'https:') ? x : null);
  const u = parse(url);
  const from = http(parse(fromBase));
  const to = http(parse(toBase));
  if (!u || !from || !to) {
    if (!from) throw new Error(`Cannot rebase: ${JSON.stringify(fromBase)} is not an absolute URL.`);
    if (!to) throw new Error(`Cannot rebase onto ${JSON.stringify(toBase)}: it is not an absolute URL (write it like https://staging.example.com).`);
    return url;
  }
  if (u.origin !== from.origin) return url;
  const fromPath = from.pathname.replace(/\/+$/, '');
  const toPath = to.pathname.replace(/\/+$/, '');
  if (fromPath !== '' && u.pathname !== fromPath && !u.pathname.startsWith(`${fromPath}/`)) return url;
  const rest = u.pathname.slice(fromPath.length);
  const path = `${toPath}${rest}` || '/';
  return `${to.origin}${path.startsWith('/') ? path : `/${path}`}${u.search}${u.hash}`;
}
