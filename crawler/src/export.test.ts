import { parseFlow, parseReport, REPORT_SCHEMA_VERSION } from '@flowlens/core';
import { describe, expect, it } from 'vitest';
import { UsageError } from './check.ts';
import { healedStepsFromReport, parseExportArgs } from './export.ts';

describe('flowlens export arguments', () => {
  it('takes the flow files, the format and the options', () => {
    expect(parseExportArgs(['--format', 'playwright', 'a.json', 'b.json', '--out', 'e2e', '--config', '--base-url', 'http://127.0.0.1:4173'])).toEqual({
      files: ['a.json', 'b.json'],
      baseUrl: 'http://127.0.0.1:4173',
      out: 'e2e',
      config: true,
      force: false,
      report: undefined,
    });
  });

  it('collects every problem into one message', () => {
    const problems = () => parseExportArgs(['--format', 'cypress', '--base-url', 'ftp://x', '--out', 'one.spec.ts']);
    expect(problems).toThrow(UsageError);
    expect(problems).toThrow(/--format "cypress" is not supported[\s\S]*give the flow file[\s\S]*--base-url must be http\(s\)/);
    expect(() => parseExportArgs(['--format', 'playwright', 'a.json', 'b.json', '--out', 'one.spec.ts'])).toThrow('--out names one file but several flows were given');
    expect(() => parseExportArgs(['--format', 'playwright', 'a.json', '--out', '-', '--config'])).toThrow('--out - prints a single spec');
  });
});

describe('healed steps from a flowlens check report', () => {
  it('keeps the most confident healing of each step of this flow', () => {
    const flow = parseFlow({ name: 'Checkout', startUrl: 'http://shop.test/', steps: [] });
    const step = (index: number, confidence: number, to: string) => ({
      index,
      action: 'click' as const,
      status: 'healed' as const,
      durationMs: 10,
      healing: { confidence, from: { kind: 'testid' as const, value: 'old' }, to: { kind: 'role' as const, value: to } },
    });
    const run = (flowName: string, viewport: 'desktop' | 'mobile', steps: ReturnType<typeof step>[]) => ({ flow: flowName, viewport, status: 'passed' as const, steps });
    const report = parseReport({
      version: REPORT_SCHEMA_VERSION,
      startedAt: '2026-12-03T08:00:00.000Z',
      finishedAt: '2026-12-03T08:01:00.000Z',
      baseUrl: 'http://shop.test',
      runs: [
        run('Checkout', 'desktop', [step(2, 0.8, 'button "Buy"')]),
        run('Checkout', 'mobile', [step(2, 0.9, 'button "Buy now"'), step(4, 0.7, 'link "Cart"')]),
        run('Sign up', 'desktop', [step(1, 0.99, 'button "Join"')]),
      ],
      pages: [],
      bugs: [],
    });
    const healed = healedStepsFromReport(report, flow);
    expect([...healed.keys()].sort()).toEqual([2, 4]);
    expect(healed.get(2)).toEqual({ from: { kind: 'testid', value: 'old' }, to: { kind: 'role', value: 'button "Buy now"' }, confidence: 0.9 });
  });
});
