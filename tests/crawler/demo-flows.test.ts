/**
 * The demo's two recorded flows (tests/fixtures/shop/flows, written by
 * tests/extension/record-demo.ts with the built extension) replay with `flowlens check` as `npm
 * start` will crawl them: green on the clean shop on desktop, tablet and mobile; with
 * `signup-mobile-hidden-button` on, the sign-up breaks on mobile only and nothing else does.
 *
 * The sign-up types {{secret:PASSWORD}}: the CLI reads it from FLOWLENS_SECRET_PASSWORD, set here to
 * the value the demo stores as the site's credential (DEMO_CUSTOMER.password). Its fixed email is
 * accepted again on every later run: the shop signs a returning customer in when the password matches.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseReport, type Report } from '@flowlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CUSTOMER, startShop, type Shop } from '../fixtures/index.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const bin = join(root, 'crawler', 'bin', 'flowlens.mjs');
const flowsDir = join(root, 'tests', 'fixtures', 'shop', 'flows');
const CHECKOUT = join(flowsDir, 'checkout.json');
const SIGNUP = join(flowsDir, 'signup.json');
const dir = mkdtempSync(join(tmpdir(), 'flowlens-demo-flows-'));

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

/**
 * Both flows on all three viewports. Flow replays only (--no-detectors): the page checks on these
 * pages are check-cli.test.ts's subject, and without them the two runs stay well inside the budget.
 */
async function replay(name: string, extra: string[] = []): Promise<{ code: number; out: string; report: Report }> {
  const json = join(dir, `${name}.json`);
  const r = await check(
    ['--base-url', shop.url, '--flow', CHECKOUT, '--flow', SIGNUP, '--viewports', 'desktop,tablet,mobile', '--discover', '0', '--concurrency', '3', '--no-detectors', '--json', json, ...extra],
    { FLOWLENS_SECRET_PASSWORD: DEMO_CUSTOMER.password },
  );
  return { code: r.code, out: `${r.stdout}\n${r.stderr}`, report: parseReport(JSON.parse(readFileSync(json, 'utf8'))) };
}

/** "flow · viewport → status", sorted, with the failed steps' errors for the assertion message. */
function outcomes(report: Report): { statuses: string[]; detail: string } {
  const statuses = report.runs.map((run) => `${run.flow} · ${run.viewport} → ${run.status}`).sort();
  const detail = report.runs
    .flatMap((run) => run.steps.filter((s) => s.status === 'failed').map((s) => `${run.flow} · ${run.viewport} #${s.index}: ${s.error ?? ''}`))
    .join('\n');
  return { statuses, detail };
}

let shop: Shop;
beforeAll(async () => {
  shop = await startShop();
});
afterAll(async () => {
  await shop?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the demo flows recorded with the extension', () => {
  it('are what the demo seeds: a critical checkout and a sign-up typing {{secret:PASSWORD}}', () => {
    const checkout = JSON.parse(readFileSync(CHECKOUT, 'utf8')) as { name: string; critical: boolean; startUrl: string; steps: { action: string; value?: string }[] };
    const signup = JSON.parse(readFileSync(SIGNUP, 'utf8')) as typeof checkout;
    expect([checkout.name, checkout.critical, checkout.startUrl]).toEqual(['Checkout', true, 'http://shop.example.com/']);
    expect([signup.name, signup.critical, signup.startUrl]).toEqual(['Sign up', false, 'http://shop.example.com/signup']);
    expect(signup.steps.filter((s) => s.value === '{{secret:PASSWORD}}')).toHaveLength(2);
    expect(checkout.steps.at(-1)).toMatchObject({ action: 'assert', value: 'Thank you for your order' });
    expect(signup.steps.at(-1)).toMatchObject({ action: 'assert' });
  });

  it('replay green on the clean shop on desktop, tablet and mobile: exit 0', async () => {
    const { code, out, report } = await replay('clean');
    const { statuses, detail } = outcomes(report);
    expect(statuses, detail).toEqual([
      'Checkout · desktop → passed',
      'Checkout · mobile → passed',
      'Checkout · tablet → passed',
      'Sign up · desktop → passed',
      'Sign up · mobile → passed',
      'Sign up · tablet → passed',
    ]);
    expect(report.bugs).toEqual([]);
    expect(code, out).toBe(0);
  }, 120_000);

  // Same shop, so the sign-up's customer exists now: desktop and tablet passing also shows the
  // flow replays again (the shop signs the returning customer in). A short step timeout keeps the
  // hidden button's two attempts (a failure is re-run to confirm it) quick.
  it('with signup-mobile-hidden-button on, only the sign-up on mobile fails', async () => {
    await shop.setDefects(['signup-mobile-hidden-button']);
    try {
      const { code, out, report } = await replay('hidden-button', ['--step-timeout', '5000']);
      const { statuses, detail } = outcomes(report);
      expect(statuses, detail).toEqual([
        'Checkout · desktop → passed',
        'Checkout · mobile → passed',
        'Checkout · tablet → passed',
        'Sign up · desktop → passed',
        'Sign up · mobile → failed',
        'Sign up · tablet → passed',
      ]);
      const broken = report.bugs.filter((b) => b.type === 'flow_broken');
      expect(broken.map((b) => [b.viewport, b.severity, b.urlTemplate])).toEqual([['mobile', 'P1', '/signup']]);
      expect(code, out).toBe(1);
    } finally {
      await shop.setDefects([]);
    }
  }, 120_000);
});
