/**
 * Turns what the runner and discovery observed into the versioned Report (core/src/report.ts):
 * one place where findings become bugs — severity (core severityFor), human title (core bugTitle)
 * and fingerprint (core computeFingerprint) — so the CLI and the worker report identically.
 */
import {
  boundReport,
  bugTitle,
  computeFingerprint,
  REPORT_SCHEMA_VERSION,
  severityFor,
  urlTemplate,
  type ReportBug as Bug,
  type PerfMetric,
  type Report,
  type RunResult,
} from '@flowlens/core';
import type { ViewportName } from '../browser/viewports.ts';
import { MAX_LISTENER_FINDINGS, type Finding } from '../detectors/types.ts';
import type { DiscoverResult } from '../replay/discover.ts';
import type { PageVisit } from '../replay/page-session.ts';
import type { FlowRunResult } from '../replay/runner.ts';
import { dropRequestsReportedAsBrokenLinks } from './dedupe.ts';

const METRIC_BY_COLUMN: Record<string, PerfMetric> = { ttfb_ms: 'ttfbMs', fcp_ms: 'fcpMs', lcp_ms: 'lcpMs', cls: 'cls', load_ms: 'loadMs' };

export interface FlowRunInput {
  result: FlowRunResult;
  flowId?: string;
  /** Where the failure screenshot was stored (storage path or file), if it was. */
  screenshotPath?: string;
  /** The step's first recorded selector, for the bug's selector field. */
  failedSelector?: string;
  startedAt: string;
  /** The flow was not run: the site has not stored these secrets (see secrets-check.ts). */
  needsSetup?: string[];
}

export interface BuildInput {
  baseUrl: string;
  startedAt: string;
  finishedAt: string;
  flowRuns: FlowRunInput[];
  discoveries: DiscoverResult[];
}

function pageOf(url: string, baseUrl: string): string {
  return urlTemplate(url, baseUrl);
}

function findingToBug(f: Finding, ctx: { baseUrl: string; onFlowPage: boolean; console: string[] }): Bug {
  const page = pageOf(f.pageUrl, ctx.baseUrl);
  const startPage = pageOf(ctx.baseUrl, ctx.baseUrl);
  let fp;
  let severity;
  let title;
  const evidence: Bug['evidence'] = { console: ctx.console.length > 0 ? ctx.console.slice(-10) : undefined };
  switch (f.type) {
    case 'js_error':
    case 'console_error':
      fp = computeFingerprint({ type: f.type, pageUrl: f.pageUrl, message: f.message, stack: f.stack }, { baseUrl: ctx.baseUrl });
      severity = f.type === 'js_error' ? severityFor({ type: 'js_error', onFlowPage: ctx.onFlowPage }) : severityFor({ type: 'console_error' });
      title = bugTitle({ type: f.type, page, message: f.message });
      break;
    case 'request_failed': {
      const r = f.request!;
      const isStart = r.resourceType === 'document' && pageOf(r.url, ctx.baseUrl) === startPage;
      fp = computeFingerprint({ type: 'request_failed', pageUrl: f.pageUrl, method: r.method, requestUrl: r.url }, { baseUrl: ctx.baseUrl });
      severity = severityFor({ type: 'request_failed', sameOrigin: r.sameOrigin, resourceType: r.resourceType ?? 'other', startPage: isStart });
      title = bugTitle({ type: 'request_failed', page, method: r.method, requestUrl: r.url, status: r.status, failure: r.failure, resourceType: r.resourceType, startPage: isStart });
      evidence.request = { url: r.url, method: r.method, status: r.status, failure: r.failure, resourceType: r.resourceType };
      break;
    }
    case 'broken_link': {
      const r = f.request!;
      fp = computeFingerprint({ type: 'broken_link', pageUrl: f.pageUrl, targetUrl: r.url }, { baseUrl: ctx.baseUrl });
      severity = severityFor({ type: 'broken_link' });
      title = bugTitle({ type: 'broken_link', page, targetUrl: r.url, kind: 'link', status: r.status, failure: r.failure });
      evidence.request = { url: r.url, method: r.method, status: r.status, failure: r.failure, resourceType: 'link' };
      break;
    }
    case 'a11y': {
      const a = f.axe!;
      fp = computeFingerprint({ type: 'a11y', pageUrl: f.pageUrl, ruleId: a.ruleId, target: a.target, siteWide: a.siteWide }, { baseUrl: ctx.baseUrl });
      severity = severityFor({ type: 'a11y', impact: a.impact });
      title = bugTitle({ type: 'a11y', page, ruleId: a.ruleId, help: a.help, impact: a.impact, siteWide: a.siteWide });
      evidence.axe = { ruleId: a.ruleId, impact: a.impact, help: a.help, helpUrl: a.helpUrl, target: a.target, html: a.html, partial: a.partial };
      break;
    }
    case 'perf_regression': {
      const m = f.metric!;
      const metric = METRIC_BY_COLUMN[m.name] ?? 'loadMs';
      const sigma = m.stddev > 0 ? (m.value - m.mean) / m.stddev : Number.POSITIVE_INFINITY;
      fp = computeFingerprint({ type: 'perf_regression', pageUrl: f.pageUrl, metric }, { baseUrl: ctx.baseUrl });
      severity = severityFor({ type: 'perf_regression', metric, sigma });
      title = bugTitle({ type: 'perf_regression', page, metric, value: m.value, baseline: m.mean, viewport: f.viewport });
      break;
    }
    case 'layout_overflow':
    case 'page_changed':
      fp = computeFingerprint({ type: f.type, pageUrl: f.pageUrl }, { baseUrl: ctx.baseUrl });
      severity = severityFor({ type: f.type });
      title = bugTitle({ type: f.type, page, viewport: f.viewport });
      break;
  }
  return {
    fingerprint: fp.fingerprint,
    fingerprintVersion: fp.version,
    fingerprintParts: fp.parts,
    type: f.type,
    severity,
    title,
    pageUrl: f.pageUrl,
    urlTemplate: fp.urlTemplate,
    viewport: f.viewport,
    ...(f.selector ? { selector: f.selector } : {}),
    message: f.message,
    evidence,
  } as Bug;
}

function flowBug(input: FlowRunInput, baseUrl: string): Bug | null {
  const r = input.result;
  if (r.status !== 'failed' || !r.failure || r.flaky) return null;
  const f = r.failure;
  const step = r.steps.find((s) => s.index === f.stepIndex);
  const fp = computeFingerprint({ type: 'flow_broken', pageUrl: f.pageUrl || baseUrl, flow: input.flowId ?? r.flow, stepIndex: f.stepIndex, action: step?.action ?? 'navigate' }, { baseUrl });
  return {
    fingerprint: fp.fingerprint,
    fingerprintVersion: fp.version,
    fingerprintParts: fp.parts,
    type: 'flow_broken',
    severity: severityFor({ type: 'flow_broken', critical: r.critical, startPageFailed: f.startPageDown }),
    title: bugTitle({ type: 'flow_broken', flowName: r.flow, stepIndex: f.stepIndex, stepLabel: step?.label, viewport: r.viewport, startPageFailed: f.startPageDown }),
    pageUrl: f.pageUrl || baseUrl,
    urlTemplate: fp.urlTemplate,
    viewport: r.viewport,
    ...(input.failedSelector ? { selector: input.failedSelector } : {}),
    message: f.message,
    flowName: r.flow,
    stepIndex: f.stepIndex,
    evidence: {
      ...(input.screenshotPath ? { screenshot: input.screenshotPath } : {}),
      console: r.consoleLines.slice(-10),
      reproSteps: r.steps.filter((s) => s.index <= f.stepIndex).map((s) => `${s.index + 1}. ${s.label}`),
    },
  } as Bug;
}

function pageResults(visits: PageVisit[]) {
  return visits
    .filter((v) => v.fingerprint !== null)
    .map((v) => ({
      url: v.url,
      urlTemplate: v.urlTemplate,
      viewport: v.viewport,
      title: v.title,
      metrics: v.metrics ?? { ttfbMs: null, fcpMs: null, lcpMs: null, cls: null, loadMs: null },
      fingerprint: v.fingerprint!,
      links: v.links,
      ...(v.a11yAudit ? { a11yAudit: v.a11yAudit } : {}),
    }));
}

/** The report of what was observed, cut to core's REPORT_LIMITS (pages may be hostile). */
export function buildReport(input: BuildInput): Report {
  const bugs: Bug[] = [];
  const seen = new Set<string>();
  // A page that floods (10,000 console errors) yields at most this many bugs of one kind per viewport.
  const perPage = new Map<string, number>();
  const add = (b: Bug | null) => {
    if (!b) return;
    const key = `${b.fingerprint} ${b.viewport}`;
    if (seen.has(key)) return;
    const page = `${b.type} ${b.viewport} ${b.urlTemplate}`;
    const onPage = perPage.get(page) ?? 0;
    if (onPage >= MAX_LISTENER_FINDINGS) return;
    perPage.set(page, onPage + 1);
    seen.add(key);
    bugs.push(b);
  };
  const runs: RunResult[] = [];
  const coverage = new Map<string, { urlTemplate: string; viewport: ViewportName }>();
  const cover = (urlTemplate: string, viewport: ViewportName) => coverage.set(`${viewport} ${urlTemplate}`, { urlTemplate, viewport });

  for (const fr of input.flowRuns) {
    const r = fr.result;
    add(flowBug(fr, input.baseUrl));
    for (const f of r.findings) add(findingToBug(f, { baseUrl: input.baseUrl, onFlowPage: true, console: r.consoleLines }));
    const runCoverage = new Map<string, { urlTemplate: string; viewport: ViewportName }>();
    for (const v of r.pages) runCoverage.set(v.urlTemplate, { urlTemplate: v.urlTemplate, viewport: r.viewport });
    if (r.failure?.pageUrl) {
      const t = pageOf(r.failure.pageUrl, input.baseUrl);
      runCoverage.set(t, { urlTemplate: t, viewport: r.viewport });
    }
    for (const c of runCoverage.values()) cover(c.urlTemplate, c.viewport);
    runs.push({
      flow: r.flow,
      ...(fr.flowId ? { flowId: fr.flowId } : {}),
      viewport: r.viewport,
      status: r.status,
      startedAt: fr.startedAt,
      durationMs: r.durationMs,
      attempts: r.attempts,
      ...(r.flaky ? { flaky: true } : {}),
      ...(r.status !== 'passed' ? { confirmed: r.confirmed } : {}),
      ...(r.failure && r.status === 'errored' ? { error: r.failure.message } : {}),
      ...(fr.needsSetup?.length && r.status === 'errored' ? { needsSetup: { secrets: fr.needsSetup } } : {}),
      steps: r.steps.map((s) => ({
        index: s.index,
        action: s.action,
        label: s.label,
        status: s.status,
        durationMs: s.durationMs,
        ...(s.selectorUsed ? { selectorUsed: s.selectorUsed } : {}),
        ...(s.healing ? { healing: s.healing } : {}),
        ...(s.error ? { error: s.error } : {}),
      })),
      coverage: [...runCoverage.values()],
    } as RunResult);
  }
  for (const d of input.discoveries) {
    if (d.startPageError) {
      add({
        ...findingToBug(
          { type: 'request_failed', pageUrl: input.baseUrl, viewport: d.viewport, message: d.startPageError, request: { url: input.baseUrl, method: 'GET', resourceType: 'document', sameOrigin: true, failure: d.startPageError } },
          { baseUrl: input.baseUrl, onFlowPage: false, console: [] },
        ),
      });
    }
    for (const f of d.findings) add(findingToBug(f, { baseUrl: input.baseUrl, onFlowPage: false, console: [] }));
    for (const v of d.pages) cover(v.urlTemplate, v.viewport);
  }
  const pages = [...input.flowRuns.flatMap((f) => pageResults(f.result.pages)), ...input.discoveries.flatMap((d) => pageResults(d.pages))];
  return boundReport({
    version: REPORT_SCHEMA_VERSION,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    baseUrl: input.baseUrl,
    runs,
    pages,
    bugs: dropRequestsReportedAsBrokenLinks(bugs),
    coverage: [...coverage.values()],
  });
}
