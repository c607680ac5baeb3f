/**
 * Bug fingerprints (DESIGN.md §4): one bug row per fingerprint per site, so a fingerprint must be
 * the same for the same problem on every run and machine, and different for different problems.
 *
 * A fingerprint is `v<version>:<32 hex>`: the first 128 bits of SHA-256 over the contributing named
 * parts (`urlTemplate`, `type`, `location`, and for errors `stackFile`), one `name=value` per line,
 * after the version. Every part records whether it contributed and why, so a surprising grouping
 * can be explained from the bug row (the model is Sentry's grouping components).
 *
 * Location per type — what identifies the problem, never what changes between runs:
 *
 * | type            | page contributes?                  | location                                          |
 * |-----------------|------------------------------------|---------------------------------------------------|
 * | flow_broken     | no — the flow step identifies it   | flow key + step index + action (not the selector, which healing changes) |
 * | js_error        | yes                                | normalised message (+ stackFile: top frame file, no line/column) |
 * | console_error   | yes                                | normalised message (+ stackFile when given)       |
 * | request_failed  | no — one broken endpoint, one bug  | METHOD + request URL template                      |
 * | broken_link     | no — one dead target, one bug      | target URL template                               |
 * | a11y            | yes, or `*` when site-wide         | rule id + normalised target                       |
 * | perf_regression | yes                                | metric name                                       |
 * | layout_overflow | yes                                | (page only)                                       |
 * | page_changed    | yes                                | (page only)                                       |
 *
 * Shared header/footer a11y issues: an axe violation in the site header is found on every page; to
 * make it one bug, the crawler passes `siteWide: true`, which puts `*` in place of the page's URL
 * template. It decides with {@link siteWideA11yKeys} after scanning a run's pages: a (rule,
 * normalised target) seen on two or more page templates whose target sits in a landmark
 * (header/footer/nav, [role=banner|contentinfo|navigation], or an id/class like site-header)
 * is site-wide. The bug row then stores url_template '*'.
 *
 * Versioning: FINGERPRINT_VERSION changes whenever any rule here or in normalise.ts or
 * url-template.ts changes what a fingerprint hashes. Old rows keep their fingerprint_version; a
 * change ships with a migration that maps old fingerprints to new ones (a versioned transition),
 * never as a silent wave of "new" bugs.
 */
import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import type { PerfMetric } from './bug.ts';
import type { StepAction } from './flow.ts';
import { isSharedLandmarkTarget, normaliseMessage, normaliseTarget, stackTopFile } from './normalise.ts';
import { urlTemplate } from './url-template.ts';

/** 1 — 2026-11-22: initial rules. */
export const FINGERPRINT_VERSION = 1;
export const FINGERPRINT_VERSION_DATE = '2026-11-22';
/** The URL template of bugs that are not tied to one page. */
export const SITE_WIDE_TEMPLATE = '*';

export type FingerprintInput =
  | { type: 'flow_broken'; pageUrl: string; /** flow id when known, else its name */ flow: string; stepIndex: number; action: StepAction }
  | { type: 'js_error' | 'console_error'; pageUrl: string; message: string; /** the error's stack, if any */ stack?: string }
  | { type: 'request_failed'; pageUrl: string; method: string; requestUrl: string }
  | { type: 'broken_link'; pageUrl: string; targetUrl: string }
  | { type: 'a11y'; pageUrl: string; ruleId: string; target: string; /** see module comment */ siteWide?: boolean }
  | { type: 'perf_regression'; pageUrl: string; metric: PerfMetric }
  | { type: 'layout_overflow' | 'page_changed'; pageUrl: string };

export const FINGERPRINT_PART_NAMES = ['urlTemplate', 'type', 'location', 'stackFile'] as const;

export interface FingerprintPart {
  name: (typeof FINGERPRINT_PART_NAMES)[number];
  value: string;
  contributes: boolean;
  reason: string;
}

export interface Fingerprint {
  /** `v1:` + 32 lowercase hex characters. */
  fingerprint: string;
  version: number;
  /** The page key for the bug row: the page's URL template, or `*` when site-wide. */
  urlTemplate: string;
  parts: FingerprintPart[];
}

export interface FingerprintOptions {
  /** The site's base URL: same-origin URLs become site-relative paths. */
  baseUrl: string;
}

function part(name: FingerprintPart['name'], value: string, contributes: boolean, reason: string): FingerprintPart {
  return { name, value, contributes, reason };
}

function locationParts(input: FingerprintInput, baseUrl: string): FingerprintPart[] {
  switch (input.type) {
    case 'flow_broken':
      return [part('location', `flow=${input.flow}|step=${input.stepIndex}|action=${input.action}`, true, 'flow, step index and action; not the selector, which healing changes')];
    case 'js_error':
    case 'console_error': {
      const msg = normaliseMessage(input.message);
      const file = input.stack ? stackTopFile(input.stack) : null;
      return [
        part('location', msg.text, true, msg.applied.length > 0 ? `message normalised by ${msg.applied.join(', ')}` : 'message as is'),
        file === null
          ? part('stackFile', '', false, input.stack ? 'no frame with a file in the stack' : 'no stack given')
          : part('stackFile', file, true, 'file of the top stack frame, without line and column'),
      ];
    }
    case 'request_failed':
      return [part('location', `${input.method.toUpperCase()} ${urlTemplate(input.requestUrl, baseUrl)}`, true, 'method and request URL template (query string dropped, ids templated)')];
    case 'broken_link':
      return [part('location', urlTemplate(input.targetUrl, baseUrl), true, 'target URL template')];
    case 'a11y':
      return [part('location', `${input.ruleId}|${normaliseTarget(input.target)}`, true, 'axe rule id and target without positions and generated names')];
    case 'perf_regression':
      return [part('location', input.metric, true, 'metric name')];
    case 'layout_overflow':
    case 'page_changed':
      return [part('location', '', false, 'the page itself is the location')];
  }
}

function pagePart(input: FingerprintInput, template: string): FingerprintPart {
  switch (input.type) {
    case 'flow_broken':
      return part('urlTemplate', template, false, 'a flow step is identified by flow and step; the page it failed on can vary (redirects, ids)');
    case 'request_failed':
      return part('urlTemplate', template, false, 'one failing endpoint is one bug, whichever page called it');
    case 'broken_link':
      return part('urlTemplate', template, false, 'one dead link target is one bug, whichever pages link to it');
    case 'js_error':
    case 'console_error':
      // An error thrown by a script the site ships is one bug wherever that script runs (the same
      // widget failing on every product page); without a script file, the page tells errors apart.
      return input.stack && stackTopFile(input.stack) !== null
        ? part('urlTemplate', template, false, 'the script file and message identify it on every page that runs the script')
        : part('urlTemplate', template, true, 'no script file: the page the error is on');
    case 'a11y':
      return input.siteWide
        ? part('urlTemplate', SITE_WIDE_TEMPLATE, true, 'site-wide: the target sits in a landmark shared by several pages')
        : part('urlTemplate', template, true, 'the page the violation is on');
    default:
      return part('urlTemplate', template, true, 'the page the problem is on');
  }
}

/** Fingerprints one finding. Pure and deterministic; the same input gives the same output everywhere. */
export function computeFingerprint(input: FingerprintInput, options: FingerprintOptions): Fingerprint {
  const template = urlTemplate(input.pageUrl, options.baseUrl);
  const page = pagePart(input, template);
  const parts = [page, part('type', input.type, true, 'bug type'), ...locationParts(input, options.baseUrl)];
  const lines = [`version=${FINGERPRINT_VERSION}`, ...parts.filter((p) => p.contributes).map((p) => `${p.name}=${p.value}`)];
  const hash = bytesToHex(sha256(utf8ToBytes(lines.join('\n')))).slice(0, 32);
  return {
    fingerprint: `v${FINGERPRINT_VERSION}:${hash}`,
    version: FINGERPRINT_VERSION,
    urlTemplate: input.type === 'a11y' && input.siteWide ? SITE_WIDE_TEMPLATE : template,
    parts,
  };
}

/** The key {@link siteWideA11yKeys} returns for one violation. */
export function a11yKey(ruleId: string, target: string): string {
  return `${ruleId}|${normaliseTarget(target)}`;
}

/**
 * Which a11y violations of a run are site-wide: those whose target is in a shared landmark and
 * that were seen on at least `minPages` (default 2) different page templates. Returns keys from
 * {@link a11yKey}; pass `siteWide: a11yKeys.has(a11yKey(rule, target))` to computeFingerprint.
 */
export function siteWideA11yKeys(
  violations: Iterable<{ pageUrl: string; ruleId: string; target: string }>,
  options: FingerprintOptions & { minPages?: number },
): Set<string> {
  const pages = new Map<string, Set<string>>();
  for (const v of violations) {
    if (!isSharedLandmarkTarget(v.target)) continue;
    const key = a11yKey(v.ruleId, v.target);
    const set = pages.get(key) ?? new Set<string>();
    set.add(urlTemplate(v.pageUrl, options.baseUrl));
    pages.set(key, set);
  }
  const min = options.minPages ?? 2;
  return new Set([...pages].filter(([, set]) => set.size >= min).map(([key]) => key));
}

/** Whether a string is a fingerprint of the current version's format. */
export function isFingerprint(value: string): boolean {
  return /^v\d+:[0-9a-f]{32}$/.test(value);
}
