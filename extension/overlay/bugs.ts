/**
 * From a `page_bugs` row (supabase/migrations/20261122002000_page_bugs.sql) to what the overlay
 * shows, and from a page URL to the monitored site it belongs to. Pure functions, used by the
 * background service worker (never by the content script, which gets the result over messages).
 */
import { urlTemplate } from '@flowlens/core/url-template';
import type { OverlayBug, Severity } from './protocol.ts';

export interface PageBugRow {
  id: string;
  type: string;
  severity: Severity;
  status: string;
  title: string;
  message: string | null;
  url_template: string;
  page_url: string | null;
  selector: string | null;
  viewports: string[] | null;
  first_seen_at: string;
  last_seen_at: string;
  flow_id: string | null;
  step_index: number | null;
  evidence: Record<string, unknown> | null;
}

export interface SiteRow {
  id: string;
  name: string;
  base_url: string;
  allowed_origins: string[] | null;
}

/** The recorded step of a flow_broken bug: ranked selectors and element metadata (flow_steps.data). */
export interface StepLocator {
  selectors: { kind: string; value: string }[];
  element?: unknown;
}

const KINDS = new Set(['testid', 'role', 'label', 'text', 'id', 'css', 'xpath']);

export function oneLine(text: string, max = 160): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** One line saying why: the message, else the failed request, the axe rule, or the first console line. */
export function causeOf(row: Pick<PageBugRow, 'message' | 'evidence'>): string {
  if (row.message && row.message.trim()) return oneLine(row.message);
  const ev = row.evidence ?? {};
  const req = ev.request as { url?: unknown; method?: unknown; status?: unknown; failure?: unknown } | undefined;
  if (req && typeof req.url === 'string') {
    const what = typeof req.status === 'number' ? String(req.status) : typeof req.failure === 'string' ? req.failure : 'failed';
    return oneLine(`${typeof req.method === 'string' ? req.method : 'GET'} ${req.url} → ${what}`);
  }
  const axe = ev.axe as { ruleId?: unknown; help?: unknown } | undefined;
  if (axe && typeof axe.help === 'string') return oneLine(typeof axe.ruleId === 'string' ? `${axe.ruleId}: ${axe.help}` : axe.help);
  const consoleLines = ev.console;
  if (Array.isArray(consoleLines) && typeof consoleLines[0] === 'string') return oneLine(consoleLines[0]);
  return '';
}

/**
 * Selectors to find the bug's element with, best first. A recorded step's ranked selectors win;
 * then the bug's own selector. The worker stores a flow step's first selector by value only (no
 * `kind=` prefix); such a value is only usable when it is also valid as the step's selector, which
 * is why the step's selectors come first. Axe targets are CSS.
 */
export function selectorsOf(row: Pick<PageBugRow, 'selector' | 'evidence'>, step?: StepLocator | null): string[] {
  const out: string[] = [];
  for (const s of step?.selectors ?? []) if (KINDS.has(s.kind) && s.value) out.push(`${s.kind}=${s.value}`);
  if (row.selector && row.selector.trim()) out.push(row.selector.trim());
  const axe = (row.evidence ?? {}).axe as { target?: unknown } | undefined;
  if (axe && Array.isArray(axe.target)) {
    const t = axe.target.filter((x): x is string => typeof x === 'string');
    // A target inside iframes is a path of selectors; only a top-document one can pin here.
    if (t.length === 1) out.push(t[0]!);
  }
  return [...new Set(out)];
}

export function dashboardBugUrl(dashboard: string, siteId: string, bugId: string): string {
  return `${dashboard.replace(/\/+$/, '')}/sites/${encodeURIComponent(siteId)}/bugs/${encodeURIComponent(bugId)}`;
}

export function toOverlayBug(row: PageBugRow, siteId: string, dashboard: string, step?: StepLocator | null): OverlayBug {
  const shot = (row.evidence ?? {}).screenshot;
  return {
    id: row.id,
    type: row.type,
    severity: row.severity,
    status: row.status,
    title: oneLine(row.title, 200),
    cause: causeOf(row),
    viewports: row.viewports ?? [],
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    selectors: selectorsOf(row, step),
    ...(step?.element ? { element: step.element } : {}),
    ...(typeof shot === 'string' && shot && !/^[a-z]+:/i.test(shot) ? { screenshot: shot } : {}),
    dashboardUrl: dashboardBugUrl(dashboard, siteId, row.id),
  };
}

function origin(url: string): string | null {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/** Origins a site's pages live on: its base URL's, plus its allowed origins. */
export function siteOrigins(site: Pick<SiteRow, 'base_url' | 'allowed_origins'>): string[] {
  const out = [origin(site.base_url), ...(site.allowed_origins ?? []).map(origin)].filter((o): o is string => o !== null);
  return [...new Set(out)];
}

/**
 * The monitored site a page belongs to: same origin as the base URL and under its path (the
 * longest base path wins when two sites share an origin); else a site listing the origin among its
 * allowed origins.
 */
export function siteForUrl<S extends SiteRow>(sites: readonly S[], url: string): S | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  let best: S | null = null;
  let bestLen = -1;
  for (const s of sites) {
    let base: URL;
    try {
      base = new URL(s.base_url);
    } catch {
      continue;
    }
    if (base.origin !== u.origin) continue;
    const path = base.pathname.replace(/\/+$/, '');
    if (path && u.pathname !== path && !u.pathname.startsWith(`${path}/`)) continue;
    if (path.length > bestLen) {
      best = s;
      bestLen = path.length;
    }
  }
  if (best) return best;
  return sites.find((s) => (s.allowed_origins ?? []).some((o) => origin(o) === u.origin)) ?? null;
}

/** The page's URL template as the crawler computes it (core urlTemplate, relative to the site). */
export function pageTemplate(site: Pick<SiteRow, 'base_url'>, url: string): string {
  return urlTemplate(url, site.base_url);
}

/** A match pattern for an origin (ports are part of Chrome match patterns). */
export function matchPatternFor(origin: string): string {
  return `${origin}/*`;
}
