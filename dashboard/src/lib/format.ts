/** Small, pure formatting helpers. `now` is a parameter wherever time matters, so tests pin it. */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function greeting(date: Date): string {
  const h = date.getHours();
  if (h < 5) return 'Good evening';
  if (h < 12) return 'Good morning';
  if (h < 18) return 'Good afternoon';
  return 'Good evening';
}

/** "just now", "5 minutes ago", "3 hours ago", "2 days ago", "in 4 days". */
export function relativeTime(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return '—';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '—';
  const diff = now.getTime() - t;
  const abs = Math.abs(diff);
  const future = diff < 0;
  let text: string;
  if (abs < MINUTE) return 'just now';
  if (abs < HOUR) text = plural(Math.round(abs / MINUTE), 'minute');
  else if (abs < DAY) text = plural(Math.round(abs / HOUR), 'hour');
  else if (abs < 60 * DAY) text = plural(Math.round(abs / DAY), 'day');
  else text = plural(Math.round(abs / (30 * DAY)), 'month');
  return future ? `in ${text}` : `${text} ago`;
}

/** Compact age for tables: "45m", "6h", "12d". */
export function age(iso: string, now: Date = new Date()): string {
  const diff = Math.max(0, now.getTime() - new Date(iso).getTime());
  if (diff < HOUR) return `${Math.max(1, Math.round(diff / MINUTE))}m`;
  if (diff < DAY) return `${Math.round(diff / HOUR)}h`;
  return `${Math.round(diff / DAY)}d`;
}

export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : pluralWord}`;
}

/** "4 min 12 s", "38 s", "1 h 02 min". */
export function duration(startIso: string | null, endIso: string | null): string {
  if (!startIso || !endIso) return '—';
  const ms = new Date(endIso).getTime() - new Date(startIso).getTime();
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function shortDate(iso: string | number): string {
  return new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Milliseconds as "1.24 s" or "320 ms"; CLS as a plain 3-decimal number. */
export function metricValue(metric: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (metric === 'cls') return value.toFixed(3);
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  return `${Math.round(value)} ms`;
}

export const METRIC_LABELS: Record<string, string> = {
  load_ms: 'Load',
  lcp_ms: 'LCP',
  fcp_ms: 'FCP',
  ttfb_ms: 'TTFB',
  cls: 'CLS',
};

export const TYPE_LABELS: Record<string, string> = {
  flow_broken: 'Flow broken',
  js_error: 'JavaScript error',
  console_error: 'Console error',
  request_failed: 'Failed request',
  broken_link: 'Broken link',
  a11y: 'Accessibility',
  perf_regression: 'Slower than usual',
  layout_overflow: 'Layout overflow',
  page_changed: 'Page changed',
};

export const TRIGGER_LABELS: Record<string, string> = {
  schedule: 'Scheduled',
  deploy: 'Deploy',
  manual: 'Manual',
};

/** Percent change of value against baseline, signed, one decimal ("+12.5%"). */
export function percentChange(value: number, baseline: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return '—';
  const p = ((value - baseline) / baseline) * 100;
  const rounded = Math.round(p * 10) / 10;
  return `${rounded > 0 ? '+' : ''}${rounded.toFixed(1)}%`;
}

/** The display name for the greeting: the profile's name, else the email's local part. */
export function displayName(user: { email?: string | null; user_metadata?: Record<string, unknown> } | null | undefined): string {
  const meta = user?.user_metadata ?? {};
  for (const k of ['full_name', 'name']) {
    const v = meta[k];
    if (typeof v === 'string' && v.trim()) return v.trim().split(/\s+/)[0]!;
  }
  const local = user?.email?.split('@')[0] ?? '';
  return local ? local.charAt(0).toUpperCase() + local.slice(1) : 'there';
}

/** An http(s) URL safe to use as a link target, else null (never javascript:, data: …). */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

/** Short commit sha for display. */
export function shortSha(sha: string): string {
  return /^[0-9a-f]{8,}$/i.test(sha) ? sha.slice(0, 7) : sha;
}

/** A selector object from the flow contract ({kind, value} and friends) as one readable line. */
export function selectorText(sel: unknown): string {
  if (sel === null || sel === undefined) return '—';
  if (typeof sel === 'string') return sel;
  if (typeof sel === 'object') {
    const o = sel as Record<string, unknown>;
    const kind = typeof o.kind === 'string' ? o.kind : typeof o.type === 'string' ? o.type : null;
    const value = typeof o.value === 'string' ? o.value : null;
    if (kind && value) {
      const name = typeof o.name === 'string' ? ` "${o.name}"` : '';
      return `${kind}: ${value}${name}`;
    }
    return JSON.stringify(sel);
  }
  return String(sel);
}
