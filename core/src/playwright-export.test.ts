import { describe, expect, it } from 'vitest';
import { importChromeRecording } from './chrome-recorder.ts';
import { parseFlow, type Flow, type FlowInput } from './flow.ts';
import { stepToRow } from './flow-rows.ts';
import {
  exportSelectorOrder,
  generatePlaywrightTestFromRows,
  generatePlaywrightConfig,
  generatePlaywrightTest,
  jsRegExp,
  jsString,
  playwrightLocator,
  PlaywrightExportError,
  playwrightSpecSlug,
  type HealedStepInfo,
} from './playwright-export.ts';
import { VIEWPORT_PRESETS } from './viewport.ts';

import chromeRecording from './fixtures/chrome-checkout.recording.json';
import everyStepJson from './fixtures/playwright/every-step.flow.json';

/** Compares with a golden file; `vitest run -u` rewrites it (review the diff before committing). */
async function golden(name: string, actual: string): Promise<void> {
  await expect(actual).toMatchFileSnapshot(`./fixtures/${name}`);
}

const everyStep = parseFlow(everyStepJson);
const healed = new Map<number, HealedStepInfo>([[11, { from: { kind: 'testid', value: 'tab-orders-old' }, to: { kind: 'role', value: 'tab "Orders"' }, confidence: 0.91 }]]);

function flow(steps: FlowInput['steps'], extra: Partial<FlowInput> = {}): Flow {
  return parseFlow({ name: 'T', startUrl: 'https://shop.example.com/', steps, ...extra });
}

/**
 * Runs a generated spec's body with a stand-in for @playwright/test that records what it is asked
 * to do: which tests and steps exist, and every call on `page` and `expect` with its arguments.
 * It proves the code parses as JavaScript and that every user-written string arrives as data.
 */
interface SpecRun {
  tests: string[];
  steps: string[];
  calls: string[];
  args: { path: string; args: unknown[] }[];
  done: Promise<unknown>;
}

function runSpec(code: string, env: Record<string, string> = {}): SpecRun {
  const tests: string[] = [];
  const steps: string[] = [];
  const calls: string[] = [];
  const args: SpecRun['args'] = [];
  const pending: Promise<unknown>[] = [];
  const chain = (path: string): unknown =>
    new Proxy(() => undefined, {
      get: (_t, prop) => (prop === 'then' ? undefined : chain(`${path}.${String(prop)}`)),
      apply: (_t, _this, a: unknown[]) => {
        args.push({ path, args: a });
        calls.push(`${path}(${a.map((a) => (typeof a === 'function' ? 'fn' : a instanceof RegExp ? String(a) : JSON.stringify(a))).join(', ')})`);
        return chain(`${path}()`);
      },
    });
  const test = Object.assign(
    (name: string, fn: (a: { page: unknown }) => Promise<void>) => {
      tests.push(name);
      pending.push(fn({ page: chain('page') }));
    },
    {
      use: () => undefined,
      step: async (name: string, fn: () => Promise<void>) => {
        steps.push(name);
        await fn();
      },
      info: () => ({ annotations: [] as unknown[] }),
    },
  );
  const expectFn = Object.assign(() => chain('expect'), { poll: (fn: () => unknown) => (fn(), chain('expect.poll')) });
  // Types and the import are the only TypeScript in a spec: drop them to run it as JavaScript.
  const js = code.replace(/^import .*$/m, '').replace(/\)!\./g, ').');
  new Function('test', 'expect', 'process', js)(test, expectFn, { env });
  return { tests, steps, calls, args, done: Promise.all(pending) };
}

describe('generatePlaywrightTest', () => {
  it('golden: every step kind, a healed step, an optional step, secrets, a frame, shadow DOM', async () => {
    const out = generatePlaywrightTest(everyStep, { version: 7, healed, generator: 'FlowLens 0.1.0' });
    expect(out.filename).toBe('every-step-kind.spec.ts');
    await golden('playwright/every-step.spec.golden', out.code);
  });

  it('golden: a Chrome DevTools Recorder file exports through the importer', async () => {
    const { flow: imported } = importChromeRecording(chromeRecording);
    await golden('playwright/chrome-checkout.spec.golden', generatePlaywrightTest(imported, { generator: 'FlowLens 0.1.0' }).code);
  });

  it('golden: playwright.config.ts has the crawler viewports as projects', async () => {
    const config = generatePlaywrightConfig({ generator: 'FlowLens 0.1.0' });
    await golden('playwright/playwright.config.golden', config);
    for (const [name, p] of Object.entries(VIEWPORT_PRESETS)) {
      expect(config).toContain(`name: '${name}'`);
      expect(config).toContain(`viewport: { width: ${p.width}, height: ${p.height} }`);
    }
  });

  it('writes secrets as environment reads with a clear failure, never a value', async () => {
    const { code } = generatePlaywrightTest(everyStep);
    expect(code).toContain('const secretPassword = process.env.FLOWLENS_SECRET_PASSWORD;');
    expect(code).toContain("fill('Bearer ' + secretApiToken)");
    expect(code).not.toContain('{{secret:');
    const ran = runSpec(code, { FLOWLENS_SECRET_PASSWORD: 'pw-value', FLOWLENS_SECRET_API_TOKEN: 'tok' });
    await ran.done;
    expect(ran.calls).toEqual(expect.arrayContaining(['page.getByLabel("Password", {"exact":true})', 'page.getByLabel().fill("pw-value")']));
    expect(ran.calls).toEqual(expect.arrayContaining(['page.locator("#token")', 'page.locator().fill("Bearer tok")']));
    const unset = runSpec(code, { FLOWLENS_SECRET_PASSWORD: 'pw-value' });
    await expect(unset.done).rejects.toThrow('Set FLOWLENS_SECRET_API_TOKEN to the API_TOKEN secret');
  });

  it('never uses fixed sleeps', () => {
    const { code } = generatePlaywrightTest(everyStep, { healed });
    expect(code).not.toMatch(/waitForTimeout|setTimeout|sleep/);
  });

  it('a hostile flow name, label, value or selector stays inside its literal or comment', async () => {
    const evil = [
      "x'); globalThis.pwned = 1; ('",
      'x"); globalThis.pwned = 1; ("',
      '*/ globalThis.pwned = 1; /*',
      'line\nglobalThis.pwned = 1; //',
      'ls\u2028globalThis.pwned = 1; //',
      '`${globalThis.pwned = 1}`',
      '\\',
    ];
    for (const bad of evil) {
      const f = flow(
        [
          { action: 'click', label: bad, selectors: [{ kind: 'text', value: bad.replace(/\s+/g, ' ').trim() }] },
          { action: 'input', label: bad, selectors: [{ kind: 'css', value: `[name="${bad.replace(/["\\\n\u2028]/g, '')}"]` }], value: bad },
          { action: 'assert', label: 'url', assertion: 'urlContains', value: bad },
          { action: 'assert', label: 'text', assertion: 'textVisible', value: bad },
        ],
        { name: bad, startUrl: `https://shop.example.com/${encodeURIComponent(bad)}` },
      );
      const healedEvil = new Map<number, HealedStepInfo>([[0, { from: { kind: 'text', value: bad.trim() || 'x' }, to: { kind: 'testid', value: bad.trim() || 'x' }, confidence: 0.8 }]]);
      const { code } = generatePlaywrightTest(f, { healed: healedEvil, version: 2 });
      const ran = runSpec(code);
      await ran.done;
      expect((globalThis as { pwned?: unknown }).pwned, code).toBeUndefined();
      expect(ran.tests).toEqual([bad.trim()]);
      expect(ran.steps.slice(1)).toEqual([bad.trim(), bad.trim(), 'url', 'text']);
      expect(ran.calls.some((c) => c.endsWith(`.fill(${JSON.stringify(bad)})`)), ran.calls.join('\n')).toBe(true);
      const url = ran.args.find((c) => c.path === 'expect.toHaveURL')?.args[0];
      expect(url).toBeInstanceOf(RegExp);
      expect((url as RegExp).test(`https://x/${bad}/y`)).toBe(true);
      expect((url as RegExp).test('https://x/')).toBe(false);
      // Comments stay comments: no comment line carries a terminator but the header's own.
      expect(code.split('\n').filter((l) => /^\s*(\/\*\*|\*|\/\/)/.test(l) && l.includes('*/'))).toEqual([' */']);
    }
  });

  it('picks locators in Playwright order, keeping an accepted (first-ranked) semantic selector first', () => {
    const order = (sels: { kind: 'testid' | 'role' | 'label' | 'text' | 'id' | 'css' | 'xpath'; value: string }[]) => exportSelectorOrder(sels).map((s) => s.kind);
    expect(order([{ kind: 'xpath', value: '//a' }, { kind: 'css', value: 'a' }, { kind: 'text', value: 'Buy' }, { kind: 'testid', value: 'buy' }, { kind: 'role', value: 'link "Buy"' }])).toEqual(['testid', 'role', 'text', 'css', 'xpath']);
    expect(order([{ kind: 'role', value: 'button "Buy"' }, { kind: 'testid', value: 'buy-old' }, { kind: 'css', value: 'a' }])).toEqual(['role', 'testid', 'css']);
    expect(order([{ kind: 'css', value: 'a' }, { kind: 'role', value: 'button' }, { kind: 'label', value: 'Buy' }])).toEqual(['label', 'role', 'css']);
  });

  it('checks each selector at export time and explains what it skipped', () => {
    const el = { tag: 'button', role: 'button', name: 'Go', labelText: '', nearbyText: '', text: 'Go', attributes: {}, box: null, ancestors: [], lookalikes: 0, region: '' };
    expect(playwrightLocator({ kind: 'role', value: 'fancybutton "Go"' }, 'page')).toEqual({ problem: 'role=fancybutton "Go": "fancybutton" is not an ARIA role Playwright knows' });
    expect(playwrightLocator({ kind: 'label', value: 'Go' }, 'page', el)).toMatchObject({ problem: expect.stringContaining('getByLabel does not find a <button>') });
    expect(playwrightLocator({ kind: 'css', value: 'div[data-x="1"' }, 'page')).toMatchObject({ problem: expect.stringContaining('not well-formed CSS') });
    expect(playwrightLocator({ kind: 'css', value: 'a >> b' }, 'page')).toMatchObject({ problem: expect.stringContaining('">>"') });
    expect(playwrightLocator({ kind: 'css', value: 'xpath=//a' }, 'page')).toMatchObject({ problem: expect.stringContaining('another Playwright selector engine') });
    expect(playwrightLocator({ kind: 'xpath', value: 'a[1' }, 'page')).toMatchObject({ problem: expect.stringContaining('XPath') });
    expect(playwrightLocator({ kind: 'testid', value: 'data-cy=buy now' }, 'page')).toEqual({ code: `page.locator('[data-cy="buy now"]')` });
    expect(playwrightLocator({ kind: 'id', value: '1st:item' }, 'page')).toEqual({ code: `page.locator('[id="1st:item"]')` });
    // The first usable selector wins; a step with none fails the export naming every problem.
    const f = flow([
      { action: 'click', label: 'Go', selectors: [{ kind: 'css', value: 'a >> b' }, { kind: 'css', value: 'main a' }] },
      { action: 'click', label: 'Nowhere', selectors: [{ kind: 'role', value: 'fancy "x"' }, { kind: 'xpath', value: 'bad' }] },
    ]);
    expect(() => generatePlaywrightTest(f)).toThrow(PlaywrightExportError);
    try {
      generatePlaywrightTest(f);
    } catch (e) {
      expect((e as PlaywrightExportError).problems).toEqual([
        'step 2 (Nowhere): no selector can be a Playwright locator — role=fancy "x": "fancy" is not an ARIA role Playwright knows; xpath=bad: an XPath must start with "/", "(" or "."',
      ]);
    }
  });

  it('escapes literals and regular expressions', () => {
    expect(jsString("it's")).toBe(`"it's"`);
    expect(jsString(`"it's"`)).toBe(`'"it\\'s"'`);
    expect(jsString('a\u2028b\u0000')).toBe("'a\\u2028b\\u0000'");
    expect(jsString('\ud800 \u{1f600}')).toBe("'\\ud800 \u{1f600}'");
    expect(new RegExp(eval(jsRegExp('/a.b?c=(1)/')).source).test('x/a.b?c=(1)/y')).toBe(true);
    expect(eval(jsRegExp('/a.b')).test('/aXb')).toBe(false);
    expect(playwrightSpecSlug('Sign up & pay!')).toBe('sign-up-pay');
    expect(playwrightSpecSlug('*/\n')).toBe('flow');
  });

  it('starts at the start URL, relative to BASE_URL; --base-url sets the default', () => {
    const f = flow([{ action: 'navigate', url: 'https://sso.example.net/login' }, { action: 'navigate', url: 'https://shop.example.com/cart?x=1#top' }]);
    const { code } = generatePlaywrightTest(f, { baseUrl: 'http://127.0.0.1:4173/ignored/path' });
    expect(code).toContain("test.use({ baseURL: process.env.BASE_URL || 'http://127.0.0.1:4173' });");
    expect(code).toContain("await page.goto('https://sso.example.net/login');");
    expect(code).toContain("await page.goto('/cart?x=1#top');");
    expect(generatePlaywrightTest(flow([{ action: 'click', label: 'Go', selectors: [{ kind: 'testid', value: 'go' }] }])).code).toContain(
      "await test.step('Open the start page', async () => {\n    await page.goto('/');",
    );
  });
});

describe('generatePlaywrightTestFromRows', () => {
  it('is the same generator over stored rows: version in the header, pending healed selectors used', async () => {
    const rows = everyStep.steps.map((s, position) => ({ ...stepToRow(s), id: `step-${position}`, position }));
    const input = {
      flow: { id: 'f1', site_id: 's1', name: everyStep.name, start_url: everyStep.startUrl, critical: true, schema_version: 1, version: 7 },
      steps: [...rows].reverse(),
      proposals: [
        { step_id: 'step-11', from_selector: { kind: 'testid', value: 'tab-orders-old' }, to_selector: { kind: 'role', value: 'tab "Orders"' }, confidence: 0.91, status: 'pending' },
        { step_id: 'step-2', from_selector: null, to_selector: { kind: 'css', value: '#x' }, confidence: 0.7, status: 'rejected' },
        { step_id: 'step-3', from_selector: null, to_selector: { kind: 'nonsense', value: 1 }, confidence: 0.99, status: 'pending' },
      ],
    };
    const fromRows = generatePlaywrightTestFromRows(input, { generator: 'FlowLens 0.1.0' });
    expect(fromRows.code).toBe(generatePlaywrightTest({ ...everyStep, id: 'f1', siteId: 's1' }, { version: 7, healed, generator: 'FlowLens 0.1.0' }).code);
    await golden('playwright/every-step.spec.golden', fromRows.code);
  });
});
