/**
 * `flowlens check`: the crawler without any backend — for CI, and for trying FlowLens in one line.
 * Replays the given flows on the given viewports against --base-url (recorded URLs are rebased
 * onto it), optionally discovers N more pages, prints progress and a human summary, writes the
 * versioned JSON report with --json, and exits 0 (no P0/P1), 1 (P0/P1 found) or 2 (bad input).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isAtLeast, loadFlowJson, parseReport, rebaseUrl, urlTemplate, webUrlProblem, type ReportBug as Bug, type Flow, type Report } from '@flowlens/core';
import { BrowserPool } from './browser/pool.ts';
import { parseViewports, type ViewportName } from './browser/viewports.ts';
import { originHostPort } from './net/address-policy.ts';
import { buildReport, type FlowRunInput } from './report/build.ts';
import { claudeTieBreaker } from './replay/claude.ts';
import { discover } from './replay/discover.ts';
import { runFlow, type FlowRunResult } from './replay/runner.ts';
import { detectorSettings } from './replay/settings.ts';
import { describeMissingSecrets, missingSecrets } from './secrets-check.ts';
import { createLogger, processSecrets, resolveLogFormat, type LogFormat } from './log.ts';

export class UsageError extends Error {}

/** `flowlens check --help` / `-h`: print the usage and exit 0 (before any other argument is judged). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export const CHECK_USAGE = `Usage:
  flowlens check --base-url URL --flow FILE [--flow FILE…] [--viewports desktop,tablet,mobile]
                 [--discover N] [--json OUT] [--screenshots DIR]
                 [--allow-origin ORIGIN…] [--concurrency N] [--step-timeout MS] [--allow-private]
                 [--no-detectors] [--quiet] [--log-format pretty|json]

  --flow FILE        a FlowLens flow (.json) or a Chrome DevTools Recorder export; repeatable
  --base-url URL     replay against this origin instead of the recorded one (staging, localhost)
  --viewports LIST   which of desktop, tablet, mobile (default: all three)
  --discover N       also crawl up to N same-origin pages (robots.txt respected) with page checks
  --json OUT         write the report (JSON, versioned schema) to OUT
  --screenshots DIR  save a screenshot of each failing step in DIR
  --allow-origin O   another origin (an SSO provider) where the flows may type their secrets;
                     repeatable. Secrets are typed only on the site's origin and these.
  --log-format F     pretty (default): readable progress on stderr and a summary on stdout;
                     json: the same as JSON log lines (level, time, msg, flow, viewport…)
  -h, --help         print this help and exit 0
  Secrets in flows ({{secret:NAME}}) are read from the environment variable FLOWLENS_SECRET_NAME;
  all are checked before anything runs, and a missing one exits 2 naming what to set.
  Exit code: 0 no P0/P1 bug, 1 a P0/P1 bug was found, 2 bad input or missing secrets.`;

interface CheckArgs {
  baseUrl: string | undefined;
  flows: string[];
  viewports: ViewportName[];
  discover: number;
  json: string | undefined;
  screenshots: string | undefined;
  /** Origins besides the site's where secrets may be typed. */
  allowOrigins: string[];
  concurrency: number;
  stepTimeoutMs: number | undefined;
  allowPrivate: boolean;
  detectors: boolean;
  quiet: boolean;
  logFormat: LogFormat;
}

export function parseCheckArgs(argv: string[]): CheckArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'base-url': { type: 'string' },
        flow: { type: 'string', multiple: true },
        viewports: { type: 'string' },
        discover: { type: 'string' },
        json: { type: 'string' },
        screenshots: { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        concurrency: { type: 'string' },
        'step-timeout': { type: 'string' },
        'allow-private': { type: 'boolean' },
        'no-detectors': { type: 'boolean' },
        quiet: { type: 'boolean' },
        'log-format': { type: 'string' },
      },
      strict: true,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const problems: string[] = [];
  const flows = values.flow ?? [];
  const baseUrl = values['base-url'];
  if (flows.length === 0 && !baseUrl) problems.push('give at least one --flow FILE, or --base-url with --discover N');
  if (baseUrl !== undefined) {
    try {
      const u = new URL(baseUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`--base-url must be http(s) (got "${baseUrl}")`);
    } catch {
      problems.push(`--base-url is not a URL: "${baseUrl}"`);
    }
  }
  let viewports: ViewportName[] = ['desktop', 'tablet', 'mobile'];
  try {
    if (values.viewports !== undefined) viewports = parseViewports(values.viewports);
  } catch (e) {
    problems.push((e as Error).message);
  }
  const int = (name: string, raw: string | undefined, def: number, min: number, max: number) => {
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`--${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return def;
    }
    return n;
  };
  const discoverN = int('discover', values.discover, 0, 0, 1000);
  const allowOrigins: string[] = [];
  for (const raw of values['allow-origin'] ?? []) {
    const problem = webUrlProblem(raw);
    if (problem) problems.push(`--allow-origin ${raw.slice(0, 100)} ${problem}`);
    else allowOrigins.push(new URL(raw).origin);
  }
  let logFormat: LogFormat = 'pretty';
  try {
    logFormat = resolveLogFormat(values['log-format'], false, 'pretty');
  } catch {
    problems.push(`--log-format must be pretty or json (got "${values['log-format']}")`);
  }
  if (flows.length === 0 && baseUrl && discoverN === 0) problems.push('without --flow, give --discover N to check pages');
  const args: CheckArgs = {
    baseUrl,
    flows,
    viewports,
    discover: discoverN,
    json: values.json,
    screenshots: values.screenshots,
    allowOrigins,
    concurrency: int('concurrency', values.concurrency, 2, 1, 16),
    stepTimeoutMs: values['step-timeout'] === undefined ? undefined : int('step-timeout', values['step-timeout'], 10_000, 100, 600_000),
    allowPrivate: values['allow-private'] ?? false,
    detectors: !(values['no-detectors'] ?? false),
    quiet: values.quiet ?? false,
    logFormat,
  };
  if (problems.length > 0) throw new UsageError(problems.join('\n  '));
  return args;
}

/** Reads every flow file, collecting every problem before giving up. */
export function loadFlows(files: string[]): Flow[] {
  const problems: string[] = [];
  const flows: Flow[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(resolve(file), 'utf8');
    } catch (e) {
      problems.push(`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      problems.push(`${file}: not valid JSON (${(e as Error).message})`);
      continue;
    }
    try {
      const { flow, warnings } = loadFlowJson(json);
      for (const w of warnings) process.stderr.write(`⚠ ${file}: ${w}\n`);
      flows.push(flow);
    } catch (e) {
      problems.push(`${file}: ${(e as Error).message}`);
    }
  }
  if (problems.length > 0) throw new UsageError(`The flows could not be loaded:\n  ${problems.join('\n  ')}`);
  return flows;
}

function rebaseFlow(flow: Flow, baseUrl: string | undefined): Flow {
  if (!baseUrl) return flow;
  const from = new URL(flow.startUrl).origin;
  const to = new URL(baseUrl).origin;
  if (from === to) return flow;
  const re = (u: string) => rebaseUrl(u, from, to);
  return {
    ...flow,
    startUrl: re(flow.startUrl),
    steps: flow.steps.map((s) => (s.action === 'navigate' ? { ...s, url: re(s.url) } : s)),
  };
}

const SEVERITY_MARK: Record<string, string> = { P0: '■ P0', P1: '■ P1', P2: '▲ P2', P3: '· P3' };

export function summarise(report: Report): string {
  const lines: string[] = [];
  const runs = report.runs;
  const passed = runs.filter((r) => r.status === 'passed').length;
  const flaky = runs.filter((r) => r.flaky).length;
  lines.push(`\nFlows: ${passed}/${runs.length} passed${flaky ? ` (${flaky} flaky: passed on retry)` : ''}; pages checked: ${new Set(report.pages.map((p) => `${p.viewport} ${p.urlTemplate}`)).size}`);
  for (const r of runs.filter((x) => x.status !== 'passed')) {
    const failed = r.steps.find((s) => s.status === 'failed');
    lines.push(`  ✖ ${r.flow} on ${r.viewport}: ${failed ? `step ${failed.index + 1} "${failed.label ?? failed.action}" — ${failed.error ?? 'failed'}` : (r.error ?? r.status)}`);
  }
  const healed = runs.flatMap((r) => r.steps.filter((s) => s.status === 'healed').map((s) => ({ r, s })));
  for (const { r, s } of healed) lines.push(`  ↺ ${r.flow} on ${r.viewport}: step ${s.index + 1} healed (confidence ${s.healing?.confidence}) → ${s.healing?.to.kind}=${s.healing?.to.value}`);
  // One line per bug: the same fingerprint on several viewports is one bug.
  const byFp = new Map<string, { bug: Bug; viewports: Set<string> }>();
  for (const b of report.bugs) {
    const e = byFp.get(b.fingerprint) ?? { bug: b, viewports: new Set<string>() };
    e.viewports.add(b.viewport);
    if (isAtLeast(b.severity, e.bug.severity) && b.severity !== e.bug.severity) e.bug = b;
    byFp.set(b.fingerprint, e);
  }
  const bugs = [...byFp.values()].sort((a, b) => a.bug.severity.localeCompare(b.bug.severity));
  lines.push(`\nBugs: ${bugs.length === 0 ? 'none' : bugs.length}`);
  for (const { bug, viewports } of bugs) {
    lines.push(`  ${SEVERITY_MARK[bug.severity]}  ${bug.title}  [${[...viewports].join(', ')}]`);
    if (bug.message && bug.message !== bug.title) lines.push(`         ${bug.message.split('\n')[0]!.slice(0, 200)}`);
  }
  return lines.join('\n');
}

export async function runCheck(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(CHECK_USAGE);
    return 0;
  }
  const args = parseCheckArgs(argv);
  const flows = loadFlows(args.flows).map((f) => rebaseFlow(f, args.baseUrl));
  // Every {{secret:…}} up front: a missing setting exits 2 with what to set, before any replay.
  const missing = missingSecrets(flows, (name) => process.env[`FLOWLENS_SECRET_${name}`]);
  if (missing.length > 0) {
    console.error(`✖ ${describeMissingSecrets(missing)}`);
    return 2;
  }
  const baseUrl = args.baseUrl ?? flows[0]!.startUrl;
  const siteOrigin = new URL(baseUrl).origin;
  const policy = { allowPrivate: args.allowPrivate, allowedPrivateOrigins: new Set([originHostPort(siteOrigin)]) };
  // Values of the flows' secrets never reach a log line, whatever a page echoes (issue 15).
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('FLOWLENS_SECRET_') || k === 'ANTHROPIC_API_KEY') processSecrets.add(v);
  const jsonLog = args.logFormat === 'json' ? createLogger({ format: 'json', service: 'check', out: process.stderr, level: args.quiet ? 'warn' : 'info' }) : null;
  const log = (line: string, fields: Record<string, unknown> = {}, level: 'info' | 'warn' = 'info') => {
    if (jsonLog) jsonLog[level](fields, line.trim());
    else if (!args.quiet) process.stderr.write(`${line}\n`);
  };
  const secrets = (name: string) => process.env[`FLOWLENS_SECRET_${name}`];
  const pool = new BrowserPool(jsonLog ? { log: (line) => jsonLog.warn(line) } : {});
  const settings = detectorSettings({ enabled: args.detectors });
  const templateOf = (url: string) => urlTemplate(url, baseUrl);
  const tieBreaker = process.env.ANTHROPIC_API_KEY
    ? claudeTieBreaker({ apiKey: process.env.ANTHROPIC_API_KEY, baseURL: process.env.ANTHROPIC_BASE_URL })
    : undefined;
  const startedAt = new Date().toISOString();
  const inspected = new Map<ViewportName, Set<string>>(args.viewports.map((v) => [v, new Set<string>()]));
  const tasks = flows.flatMap((flow) => args.viewports.map((viewport) => ({ flow, viewport })));
  const flowRuns: FlowRunInput[] = [];
  if (args.screenshots) mkdirSync(args.screenshots, { recursive: true });
  log(`FlowLens check: ${flows.length} flow(s) × ${args.viewports.join(', ')} against ${siteOrigin}`, { flows: flows.length, viewports: args.viewports, base_url: siteOrigin });
  try {
    const queue = [...tasks];
    const workers = Array.from({ length: Math.min(args.concurrency, queue.length) }, async () => {
      for (let t = queue.shift(); t; t = queue.shift()) {
        const { flow, viewport } = t;
        const started = new Date().toISOString();
        log(`▶ ${flow.name} · ${viewport}`, { flow: flow.name, viewport });
        let result: FlowRunResult;
        try {
          result = await runFlow(flow, {
            viewport,
            newContext: () => pool.lease(viewport, policy),
            siteOrigin,
            templateOf,
            secrets,
            secretOrigins: [siteOrigin, ...args.allowOrigins],
            detectors: settings,
            stepTimeoutMs: args.stepTimeoutMs,
            tieBreaker,
            inspected: inspected.get(viewport),
            onStep: ({ attempt, step }) => {
              const mark = { passed: '✓', healed: '↺', failed: '✖', skipped: '–' }[step.status];
              log(`   ${attempt > 1 ? '(retry) ' : ''}${mark} ${step.index + 1}. ${step.label} (${step.durationMs} ms)${step.error ? ` — ${step.error}` : ''}`, {
                flow: flow.name,
                viewport,
                attempt,
                step: step.index + 1,
                status: step.status,
                duration_ms: step.durationMs,
                ...(step.error ? { err: { message: step.error } } : {}),
              });
            },
          });
        } catch (e) {
          // FlowLens could not run it (a missing secret, a browser crash): errored, not a site bug.
          const message = (e as Error).message.split('\n')[0] ?? 'error';
          log(`   ✖ could not run: ${message}`, { flow: flow.name, viewport, err: { message } }, 'warn');
          result = { flow: flow.name, critical: flow.critical, viewport, status: 'errored', steps: [], attempts: 1, flaky: false, confirmed: false, failure: { stepIndex: 0, message, pageUrl: '', screenshot: null, startPageDown: false }, findings: [], pages: [], blocked: [], traps: { popupsClosed: 0, dialogsDismissed: 0, downloadsRefused: 0 }, consoleLines: [], durationMs: 0 };
        }
        let screenshotPath: string | undefined;
        if (args.screenshots && result.failure?.screenshot) {
          screenshotPath = join(args.screenshots, `${flow.name.replace(/[^\w.-]+/g, '_')}-${viewport}.png`);
          writeFileSync(screenshotPath, result.failure.screenshot);
        }
        const failedStep = result.failure ? flow.steps[result.failure.stepIndex] : undefined;
        const failedSelector = failedStep && 'selectors' in failedStep ? failedStep.selectors?.[0]?.value : undefined;
        for (const b of result.blocked.slice(0, 20)) log(`   ⚠ blocked ${b.host}:${b.port} — ${b.reason}`, { flow: flow.name, viewport }, 'warn');
        if (result.blocked.length > 20) log(`   ⚠ … and ${result.blocked.length - 20} more blocked requests`, { flow: flow.name, viewport }, 'warn');
        const { popupsClosed, dialogsDismissed, downloadsRefused } = result.traps;
        if (popupsClosed + dialogsDismissed + downloadsRefused > 0) {
          log(`   ⚠ the page opened ${popupsClosed} popup(s) (closed), raised ${dialogsDismissed} dialog(s) (dismissed) and started ${downloadsRefused} download(s) (refused)`, { flow: flow.name, viewport }, 'warn');
        }
        jsonLog?.info({ flow: flow.name, viewport, status: result.status, duration_ms: result.durationMs }, `${result.status === 'passed' ? '✔' : '✖'} ${flow.name} · ${viewport}: ${result.status}`);
        flowRuns.push({ result, startedAt: started, screenshotPath, failedSelector });
      }
    });
    await Promise.all(workers);
    const discoveries = [];
    if (args.discover > 0) {
      for (const viewport of args.viewports) {
        log(`▶ discovering up to ${args.discover} pages · ${viewport}`, { viewport });
        discoveries.push(
          await discover({
            startUrl: baseUrl,
            maxPages: args.discover,
            viewport,
            siteOrigin,
            templateOf,
            detectors: settings,
            newContext: () => pool.lease(viewport, policy),
            inspected: inspected.get(viewport),
            onPage: (url) => log(`   · ${url}`, { viewport, url }),
          }),
        );
      }
    }
    // buildReport bounds what the pages wrote; parsing proves the report meets the contract.
    const report = parseReport(buildReport({ baseUrl, startedAt, finishedAt: new Date().toISOString(), flowRuns, discoveries }));
    if (args.logFormat === 'json') {
      // The summary as one record on standard output (progress went to standard error).
      const bySeverity = Object.fromEntries(['P0', 'P1', 'P2', 'P3'].map((sev) => [sev, report.bugs.filter((b) => b.severity === sev).length]));
      const runs = Object.fromEntries(['passed', 'failed', 'errored'].map((st) => [st, report.runs.filter((r) => r.status === st).length]));
      createLogger({ format: 'json', service: 'check' }).info({ bugs: bySeverity, runs, pages: report.pages.length, report: args.json ?? null }, `FlowLens check: ${report.bugs.length} bug(s), ${runs.passed} of ${report.runs.length} flow run(s) passed`);
    } else console.log(summarise(report));
    if (args.json) {
      writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
      log(`\nReport written to ${args.json}`, { report: args.json });
    }
    return report.bugs.some((b) => isAtLeast(b.severity, 'P1')) ? 1 : 0;
  } finally {
    await pool.close();
  }
}
