/**
 * `flowlens check` as a user runs it (the bin, a real process) against the fixture shop:
 * the clean shop exits 0 with a report that validates; the shop with its defects switched on
 * exits 1 and reports each seeded defect once, with the severity DESIGN.md §5 gives it;
 * bad input exits 2 with a message that says what to fix.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLogLine, parseReport, type Report } from '@flowlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShop, type Shop } from '../fixtures/index.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const bin = join(root, 'crawler', 'bin', 'flowlens.mjs');
const flow = join(root, 'tests', 'crawler', 'flows', 'checkout-by-hand.json');
const dir = mkdtempSync(join(tmpdir(), 'flowlens-check-'));

function check(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'check', ...args], { env: { ...process.env, ...env }, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let shop: Shop;
beforeAll(async () => {
  shop = await startShop();
});
afterAll(async () => {
  await shop.close();
});

describe('flowlens check', () => {
  it('passes on the clean shop: exit 0, a valid report, no bugs', async () => {
    const out = join(dir, 'clean.json');
    const r = await check(['--base-url', shop.url, '--flow', flow, '--viewports', 'desktop,mobile', '--discover', '6', '--json', out]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const report = parseReport(JSON.parse(readFileSync(out, 'utf8')));
    expect(report.runs.map((x) => x.status)).toEqual(['passed', 'passed']);
    expect(report.bugs).toEqual([]);
    expect(report.pages.length).toBeGreaterThanOrEqual(6);
    expect(report.coverage.some((c) => c.urlTemplate === '/checkout' && c.viewport === 'mobile')).toBe(true);
    // The site graph: pages carry the links between them.
    expect(report.pages.find((p) => p.urlTemplate === '/')?.links).toContain('/products');
    expect(r.stdout).toMatch(/Flows: 2\/2 passed/);
    expect(r.stderr).toMatch(/▶ Checkout \(hand-written\) · desktop/);
  }, 120_000);

  it('writes its progress and summary as JSON log lines with --log-format json', async () => {
    const r = await check(['--base-url', shop.url, '--flow', flow, '--viewports', 'desktop', '--log-format', 'json']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const progress = r.stderr.split('\n').filter((l) => l.trim());
    const records = progress.map((l) => parseLogLine(l));
    expect(progress.filter((_, i) => records[i] === null), 'lines that are not JSON log records').toEqual([]);
    expect(records.every((x) => x?.service === 'check')).toBe(true);
    const step = records.find((x) => x?.step === 1);
    expect(step).toMatchObject({ level: 'info', flow: 'Checkout (hand-written)', viewport: 'desktop', status: 'passed' });
    expect(step?.duration_ms).toBeGreaterThan(0);
    expect(records.find((x) => x?.msg.startsWith('✔ Checkout'))).toMatchObject({ status: 'passed', viewport: 'desktop' });
    const summary = parseLogLine(r.stdout.trim().split('\n').at(-1) ?? '');
    expect(summary).toMatchObject({ level: 'info', service: 'check', runs: { passed: 1, failed: 0, errored: 0 }, bugs: { P0: 0, P1: 0 } });
    const bad = await check(['--base-url', shop.url, '--flow', flow, '--log-format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--log-format must be pretty or json/);
  }, 120_000);

  it('finds each seeded defect once with the right severity and exits 1', async () => {
    await shop.setDefects(['checkout-button-broken', 'product-js-error', 'recommendations-500', 'broken-image', 'broken-link', 'a11y-contrast', 'a11y-missing-label', 'mobile-overflow', 'console-error']);
    const out = join(dir, 'broken.json');
    const r = await check(['--base-url', shop.url, '--flow', flow, '--viewports', 'desktop,mobile', '--discover', '16', '--json', out, '--screenshots', join(dir, 'shots')]);
    expect(r.code, r.stdout).toBe(1);
    const report: Report = parseReport(JSON.parse(readFileSync(out, 'utf8')));
    const bugs = [...new Map(report.bugs.map((b) => [b.fingerprint, b])).values()];
    const find = (pred: (b: Report['bugs'][number]) => boolean) => bugs.filter(pred);
    const expectations: [string, (b: Report['bugs'][number]) => boolean, string][] = [
      ['checkout-button-broken: the flow', (b) => b.type === 'flow_broken', 'P0'],
      ['checkout-button-broken: the script error', (b) => b.type === 'js_error' && /not valid JSON/.test(b.message ?? ''), 'P1'],
      ['product-js-error', (b) => b.type === 'js_error' && /dataset/.test(b.message ?? ''), 'P1'],
      ['recommendations-500', (b) => b.type === 'request_failed' && /recommendations/.test(b.title), 'P1'],
      ['broken-image', (b) => b.type === 'request_failed' && /ceramic-pendant-v2/.test(b.title), 'P2'],
      ['broken-link', (b) => b.type === 'broken_link' && /shipping-policy/.test(b.title), 'P2'],
      ['a11y-contrast', (b) => b.type === 'a11y' && b.evidence.axe?.ruleId === 'color-contrast', 'P2'],
      ['a11y-missing-label', (b) => b.type === 'a11y' && b.evidence.axe?.ruleId === 'label', 'P1'],
      ['mobile-overflow', (b) => b.type === 'layout_overflow' && b.urlTemplate === '/cart', 'P2'],
      ['console-error', (b) => b.type === 'console_error' && /analytics/.test(b.message ?? ''), 'P3'],
    ];
    for (const [name, pred, severity] of expectations) {
      const hits = find(pred);
      expect(hits.length, `${name}: ${hits.map((h) => h.title).join(' | ') || 'not found'}`).toBe(1);
      expect(hits[0]!.severity, name).toBe(severity);
    }
    const overflow = report.bugs.filter((b) => b.type === 'layout_overflow');
    expect(overflow.every((b) => b.viewport === 'mobile')).toBe(true);
    const flowBug = bugs.find((b) => b.type === 'flow_broken')!;
    expect(flowBug.message).toMatch(/stayed disabled/);
    expect(flowBug.evidence.screenshot).toMatch(/\.png$/);
    expect(readFileSync(flowBug.evidence.screenshot!).subarray(1, 4).toString()).toBe('PNG');
    expect(flowBug.evidence.reproSteps?.at(-1)).toMatch(/Place order/);
    expect(r.stdout).toMatch(/■ P0 {2}Step 14 of Checkout \(hand-written\) failed on \w+: Click 'Place order'/);
    await shop.setDefects([]);
  }, 240_000);

  it('exits 2 on bad input, naming every problem', async () => {
    const bad = join(dir, 'bad-flow.json');
    writeFileSync(bad, JSON.stringify({ name: '', startUrl: 'not a url', steps: [{ action: 'click', selectors: [] }] }));
    const r1 = await check(['--flow', bad, '--flow', join(dir, 'missing.json')]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/missing\.json: cannot read it/);
    expect(r1.stderr).toMatch(/name/);
    expect(r1.stderr).toMatch(/startUrl/);
    expect(r1.stderr).toMatch(/steps\[0\]\.selectors: must have at least one selector/);
    const r2 = await check(['--flow', flow, '--viewports', 'phone']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/Unknown viewport "phone"/);
    const r3 = await check(['--base-url', 'ftp://x']);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/--base-url must be http/);
  });
});
