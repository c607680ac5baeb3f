/**
 * `flowlens export --format playwright`: a flow (FlowLens JSON or a Chrome DevTools Recorder file)
 * as a `@playwright/test` spec, through core's one generator (core/src/playwright-export.ts, also
 * behind the dashboard's and the side panel's downloads). Optionally a playwright.config.ts with
 * FlowLens's viewports as projects, and healed-step notes from a `flowlens check --json` report.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  FLOWLENS_CORE_VERSION,
  generatePlaywrightConfig,
  generatePlaywrightTest,
  parseReport,
  PlaywrightExportError,
  type Flow,
  type HealedStepInfo,
  type Report,
} from '@flowlens/core';
import { loadFlows, UsageError } from './check.ts';

export const EXPORT_USAGE = `Usage:
  flowlens export --format playwright FLOW.json [FLOW.json…] [--base-url URL] [--out FILE|DIR]
                  [--config] [--force] [--report REPORT.json]

  --format playwright  write a @playwright/test spec (.spec.ts) per flow
  FLOW.json            a FlowLens flow or a Chrome DevTools Recorder export
  --base-url URL       the address the tests run against by default (BASE_URL overrides it)
  --out FILE|DIR       where to write: a .ts file for one flow, else a directory (default: here);
                       "-" prints one flow's spec to stdout
  --config             also write playwright.config.ts (desktop, tablet, mobile projects) next to it
  --force              overwrite an existing playwright.config.ts
  --report FILE        a flowlens check --json report: steps that healed there use the healed
                       selector and say so in a comment
  Secrets ({{secret:NAME}}) are read by the test from FLOWLENS_SECRET_NAME, never written into it.
  Exit code: 0 written, 2 bad input.`;

interface ExportArgs {
  files: string[];
  baseUrl: string | undefined;
  out: string | undefined;
  config: boolean;
  force: boolean;
  report: string | undefined;
}

export function parseExportArgs(argv: string[]): ExportArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        'base-url': { type: 'string' },
        out: { type: 'string' },
        config: { type: 'boolean' },
        force: { type: 'boolean' },
        report: { type: 'string' },
      },
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  const problems: string[] = [];
  if (values.format === undefined) problems.push('give --format playwright');
  else if (values.format !== 'playwright') problems.push(`--format "${values.format}" is not supported: use --format playwright`);
  if (positionals.length === 0) problems.push('give the flow file to export, e.g. flowlens export --format playwright checkout.json');
  const baseUrl = values['base-url'];
  if (baseUrl !== undefined) {
    try {
      const u = new URL(baseUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`--base-url must be http(s) (got "${baseUrl}")`);
    } catch {
      problems.push(`--base-url is not a URL: "${baseUrl}"`);
    }
  }
  if (values.out === '-' && (positionals.length > 1 || values.config)) problems.push('--out - prints a single spec: give one flow and no --config');
  if (values.out?.endsWith('.ts') && positionals.length > 1) problems.push('--out names one file but several flows were given: give a directory');
  if (problems.length > 0) throw new UsageError(problems.join('\n  '));
  return { files: positionals, baseUrl, out: values.out, config: values.config ?? false, force: values.force ?? false, report: values.report };
}

/** Healed steps per flow name from a check report: the most confident healing of each step. */
export function healedStepsFromReport(report: Report, flow: Flow): Map<number, HealedStepInfo> {
  const healed = new Map<number, HealedStepInfo>();
  for (const run of report.runs.filter((r) => r.flow === flow.name)) {
    for (const s of run.steps) {
      if (s.status !== 'healed' || !s.healing) continue;
      const prev = healed.get(s.index);
      if (!prev || s.healing.confidence > prev.confidence) healed.set(s.index, { from: s.healing.from, to: s.healing.to, confidence: s.healing.confidence });
    }
  }
  return healed;
}

function readReport(file: string): Report {
  try {
    return parseReport(JSON.parse(readFileSync(resolve(file), 'utf8')));
  } catch (e) {
    throw new UsageError(`--report ${file}: not a flowlens check report (${(e as Error).message.split('\n')[0]})`);
  }
}

/** Runs the command; bad input is reported with this command's usage and exit code 2. */
export function runExport(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(EXPORT_USAGE);
    return 0;
  }
  try {
    return exportFlows(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`✖ ${e.message}\n\n${EXPORT_USAGE}`);
    return 2;
  }
}

function exportFlows(argv: string[]): number {
  const args = parseExportArgs(argv);
  const flows = loadFlows(args.files);
  const report = args.report ? readReport(args.report) : undefined;
  const generator = `FlowLens ${FLOWLENS_CORE_VERSION}`;
  const specs = [];
  const problems: string[] = [];
  for (const flow of flows) {
    try {
      specs.push(generatePlaywrightTest(flow, { baseUrl: args.baseUrl, healed: report ? healedStepsFromReport(report, flow) : undefined, generator }));
    } catch (e) {
      if (!(e instanceof PlaywrightExportError)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));

  if (args.out === '-') {
    process.stdout.write(specs[0]!.code);
    return 0;
  }
  const toFile = args.out !== undefined && args.out.endsWith('.ts') && !(existsSync(args.out) && statSync(args.out).isDirectory());
  const dir = resolve(toFile ? dirname(args.out!) : (args.out ?? '.'));
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const spec of specs) {
    const path = toFile ? resolve(args.out!) : join(dir, spec.filename);
    writeFileSync(path, spec.code);
    written.push(path);
  }
  if (args.config) {
    const path = join(dir, 'playwright.config.ts');
    if (existsSync(path) && !args.force) throw new UsageError(`${path} exists: keep yours (the specs were written) or pass --force to replace it`);
    writeFileSync(path, generatePlaywrightConfig({ generator }));
    written.push(path);
  }
  for (const path of written) process.stderr.write(`✓ wrote ${path}\n`);
  const specPaths = written.filter((p) => p.endsWith('.spec.ts')).map((p) => relative(process.cwd(), p));
  process.stderr.write(`\nRun it: npx playwright test ${specPaths.join(' ')}   (needs npm i -D @playwright/test)\n`);
  return 0;
}
