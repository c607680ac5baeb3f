/**
 * Human bug titles, written the way a person would report the bug ("Step 4 of Checkout failed on
 * mobile: Click 'Place order'", "Image /img/hero.png fails to load (404)"). One quoting style: the
 * step label keeps its own single quotes and is never wrapped in more (issue 19). Titles are plain text:
 * control characters are removed and whitespace collapsed here, and every renderer shows them as
 * text, never HTML (DESIGN.md §8), because messages and labels come from crawled pages.
 */
import type { A11yImpact, PerfMetric } from './bug.ts';
import type { ViewportName } from './viewport.ts';

export const TITLE_MAX = 160;

export type TitleInput =
  | { type: 'flow_broken'; flowName: string; /** 0-based */ stepIndex: number; stepLabel?: string; viewport: ViewportName; startPageFailed?: boolean }
  | { type: 'js_error' | 'console_error'; page: string; message: string }
  | { type: 'request_failed'; page: string; method: string; requestUrl: string; status?: number; failure?: string; resourceType?: string; startPage?: boolean }
  | { type: 'broken_link'; page: string; targetUrl: string; kind: 'link' | 'image'; status?: number; failure?: string }
  | { type: 'a11y'; page: string; ruleId: string; help?: string; impact?: A11yImpact | null; siteWide?: boolean }
  | { type: 'perf_regression'; page: string; metric: PerfMetric; value: number; baseline: number; viewport: ViewportName }
  | { type: 'layout_overflow'; page: string; viewport: ViewportName }
  | { type: 'page_changed'; page: string };

/** Plain one-line text: no control characters, whitespace collapsed, at most `max` characters. */
export function plainText(text: string, max = TITLE_MAX): string {
  const clean = text.replace(/\p{Cc}|\p{Cf}/gu, ' ').replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return clean;
  // Cut at a word boundary when one is near, never mid-word otherwise (issue 19).
  const cut = clean.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space >= max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

const METRIC_LABELS: Readonly<Record<PerfMetric, string>> = {
  ttfbMs: 'Time to first byte',
  fcpMs: 'First contentful paint',
  lcpMs: 'Largest contentful paint',
  cls: 'Layout shift (CLS)',
  loadMs: 'Load time',
};

/** `1234` → `1.2 s`, `850` → `850 ms`; CLS as a plain number with up to 3 decimals. */
export function formatMetric(metric: PerfMetric, value: number): string {
  if (metric === 'cls') return String(Math.round(value * 1000) / 1000);
  return value >= 1000 ? `${(Math.round(value / 100) / 10).toFixed(1)} s` : `${Math.round(value)} ms`;
}

/** A URL as a reader wants it in a title: the path for http(s) URLs, the original text otherwise. */
function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return plainText(`${u.pathname}`, 80);
  } catch {
    // not absolute: show as given
  }
  return plainText(url, 80);
}

function cause(status?: number, failure?: string): string {
  if (status !== undefined) return ` (${status})`;
  if (failure) return ` (${plainText(failure, 60)})`;
  return '';
}

/** The bug title for one finding. */
export function bugTitle(input: TitleInput): string {
  switch (input.type) {
    case 'flow_broken': {
      if (input.startPageFailed) return plainText(`${input.flowName}: the start page did not load on ${input.viewport}`);
      const label = input.stepLabel ? `: ${plainText(input.stepLabel, 70)}` : '';
      return plainText(`Step ${input.stepIndex + 1} of ${input.flowName} failed on ${input.viewport}${label}`);
    }
    case 'js_error':
      return plainText(`JavaScript error on ${input.page}: ${input.message}`);
    case 'console_error':
      return plainText(`Console error on ${input.page}: ${input.message}`);
    case 'request_failed': {
      const what = shortUrl(input.requestUrl);
      if (input.startPage && input.resourceType === 'document') return plainText(`Start page ${what} does not load${cause(input.status, input.failure)}`);
      if (input.resourceType === 'image') return plainText(`Image ${what} fails to load${cause(input.status, input.failure)}`);
      return plainText(`${input.method.toUpperCase()} ${what} fails${cause(input.status, input.failure)} on ${input.page}`);
    }
    case 'broken_link':
      return input.kind === 'image'
        ? plainText(`Image ${shortUrl(input.targetUrl)} fails to load${cause(input.status, input.failure)}`)
        : plainText(`Link to ${shortUrl(input.targetUrl)} is broken${cause(input.status, input.failure)} on ${input.page}`);
    case 'a11y': {
      const what = input.help ? `${plainText(input.help, 90)} (${input.ruleId})` : input.ruleId;
      return plainText(`Accessibility: ${what} ${input.siteWide ? 'on every page' : `on ${input.page}`}`);
    }
    case 'perf_regression':
      return plainText(
        `${METRIC_LABELS[input.metric]} on ${input.page} is ${formatMetric(input.metric, input.value)}, up from ${formatMetric(input.metric, input.baseline)} (${input.viewport})`,
      );
    case 'layout_overflow':
      return plainText(`${input.page} is wider than the screen on ${input.viewport} (horizontal scroll)`);
    case 'page_changed':
      return plainText(`${input.page} changed its structure`);
  }
}
