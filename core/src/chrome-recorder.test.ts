import { describe, expect, it } from 'vitest';
import {
  exportChromeRecording,
  fromChromeSelector,
  importChromeRecording,
  isChromeRecording,
  loadFlowJson,
  stableUrlFragment,
  toChromeSelector,
  type ChromeRecording,
} from './chrome-recorder.ts';
import fixture from './fixtures/chrome-checkout.recording.json';
import { parseFlow, type Flow, type Selector } from './flow.ts';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const sel = (s: readonly Selector[] | undefined) => (s ?? []).map((x) => `${x.kind}=${x.value}`);

describe('selectors', () => {
  it('maps every Chrome prefix to a FlowLens kind', () => {
    expect(fromChromeSelector(['aria/Add to cart[role="button"]'])).toEqual({ kind: 'role', value: 'button "Add to cart"' });
    expect(fromChromeSelector('aria/Email')).toEqual({ kind: 'label', value: 'Email' });
    expect(fromChromeSelector(['text/Place order'])).toEqual({ kind: 'text', value: 'Place order' });
    expect(fromChromeSelector(['xpath///*[@id="a"]/b'])).toEqual({ kind: 'xpath', value: '//*[@id="a"]/b' });
    expect(fromChromeSelector(['pierce/.buy'])).toEqual({ kind: 'css', value: '>>> .buy' });
    expect(fromChromeSelector(['my-app', 'cart-panel', 'button.pay'])).toEqual({ kind: 'css', value: 'my-app >>> cart-panel >>> button.pay' });
    expect(fromChromeSelector(['[data-testid="buy"]'])).toEqual({ kind: 'testid', value: 'buy' });
    expect(fromChromeSelector(['[data-qa=buy-now]'])).toEqual({ kind: 'testid', value: 'data-qa=buy-now' });
    expect(fromChromeSelector(['#email'])).toEqual({ kind: 'id', value: 'email' });
    expect(fromChromeSelector(['#\\31 23'])).toEqual({ kind: 'id', value: '123' });
    expect(fromChromeSelector(['#main > a'])).toEqual({ kind: 'css', value: '#main > a' });
    expect(fromChromeSelector(['my-app', 'aria/Buy'])).toEqual({ unsupported: expect.stringContaining('mixes in aria selectors') });
  });

  it('round-trips every kind through Chrome syntax', () => {
    const ours: Selector[] = [
      { kind: 'testid', value: 'checkout' },
      { kind: 'testid', value: 'data-cy=pay "now"' },
      { kind: 'role', value: 'button "Add to cart"' },
      { kind: 'label', value: 'Email address' },
      { kind: 'text', value: 'Place order' },
      { kind: 'id', value: '2fa-code' },
      { kind: 'css', value: 'main > ul > li:nth-of-type(2) > button' },
      { kind: 'css', value: 'shop-app >>> button.buy' },
      { kind: 'css', value: '>>> button.buy' },
      { kind: 'xpath', value: '//footer/a[2]' },
    ];
    for (const s of ours) {
      const chrome = toChromeSelector(s);
      expect(chrome, s.value).not.toBeNull();
      expect(fromChromeSelector(chrome ?? []), s.value).toEqual(s);
    }
    expect(toChromeSelector({ kind: 'role', value: 'navigation' })).toBeNull();
  });
});

describe('importChromeRecording', () => {
  it('imports a real Chrome Recorder checkout recording', () => {
    expect(isChromeRecording(fixture)).toBe(true);
    const { flow, warnings } = importChromeRecording(fixture, { critical: true });
    expect(flow.name).toBe('Checkout as returning customer');
    expect(flow.startUrl).toBe('https://shop.example.com/');
    expect(flow.critical).toBe(true);
    expect(flow.timeoutMs).toBe(10000);
    expect(flow.steps.map((s) => s.action)).toEqual([
      'click', 'assert', 'input', 'select', 'click', 'waitFor', 'click', 'assert', 'click', 'input', 'keypress', 'input', 'keypress', 'scroll', 'keypress', 'assert', 'waitFor',
    ]);
    const [link, toProduct, size, qty, add, cartWait, checkout, toCheckout, , email, tab, password, selectAll, scroll, enter, toOrder, thanks] = flow.steps;
    expect(sel(link?.action === 'click' ? link.selectors : [])).toEqual([
      'role=link "Blue oxford shirt"',
      'css=#product-grid > li:nth-child(1) > a',
      'xpath=//*[@id="product-grid"]/li[1]/a',
      'css=>>> #product-grid > li:nth-child(1) > a',
      'text=Blue oxford shirt',
    ]);
    expect(link).toMatchObject({ offset: { x: 84, y: 12.5 }, page: { url: 'https://shop.example.com/', title: 'Acme Shop', viewport: { width: 1280, height: 720 } } });
    // The product id in the slug and the query string change every run: only the stable prefix is asserted.
    expect(toProduct).toMatchObject({ action: 'assert', assertion: 'urlContains', value: '/products/' });
    expect(size).toMatchObject({ action: 'input', value: 'L' });
    expect(qty).toMatchObject({ action: 'select', value: '2' });
    expect(sel(add?.action === 'click' ? add.selectors : [])).toEqual(['testid=add-to-cart', 'role=button "Add to cart"', 'text=Add to cart']);
    expect(cartWait).toMatchObject({ action: 'waitFor', selectors: [{ kind: 'label', value: 'Cart (1 item)' }], timeoutMs: 8000 });
    expect(checkout).toMatchObject({ action: 'click', clickCount: 2, selectors: [{ kind: 'css', value: 'shop-mini-cart >>> button.checkout' }] });
    expect(toCheckout).toMatchObject({ action: 'assert', assertion: 'urlContains', value: '/checkout' });
    expect(email).toMatchObject({ action: 'input', value: 'ann@example.com', page: { url: 'https://shop.example.com/checkout', title: 'Checkout' } });
    expect(tab).toMatchObject({ action: 'keypress', key: 'Tab' });
    expect(password).toMatchObject({ action: 'input', value: '{{secret:PASSWORD}}' });
    expect(JSON.stringify(flow)).not.toContain('correct horse');
    expect(selectAll).toMatchObject({ action: 'keypress', key: 'Control+a' });
    expect(scroll).toMatchObject({ action: 'scroll', x: 0, y: 640 });
    expect(enter).toMatchObject({ action: 'keypress', key: 'Enter' });
    expect(toOrder).toMatchObject({ action: 'assert', assertion: 'urlContains', value: '/orders/' });
    expect(thanks).toMatchObject({ action: 'waitFor', selectors: [{ kind: 'text', value: 'Thank you for your order' }] });
    expect(warnings).toEqual([expect.stringMatching(/^steps\[12\] \(change\): the typed value looked like a password and was replaced by \{\{secret:PASSWORD\}\}/)]);
  });

  it('rejects every unsupported step at once, naming index and type', () => {
    const rec = clone(fixture) as ChromeRecording;
    rec.steps.splice(3, 0, { type: 'hover', selectors: [['#menu']] });
    rec.steps.push({ type: 'customStep', name: 'lighthouse' }, { type: 'waitForExpression', expression: 'window.ready === true' }, { type: 'click', target: 'https://popup.example.com/', selectors: [['a']], offsetX: 1, offsetY: 1 }, { type: 'teleport' });
    let message = '';
    try {
      importChromeRecording(rec);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^Chrome Recorder recording is invalid \(5 problems\):/);
    expect(message).toContain('steps[3] (hover): hover steps are not replayed');
    expect(message).toContain('steps[22] (customStep): custom step "lighthouse"');
    expect(message).toContain('steps[23] (waitForExpression): arbitrary JavaScript expressions are not replayed');
    expect(message).toContain('steps[24] (click): it acts on another tab or window (https://popup.example.com/)');
    expect(message).toContain('steps[25] (teleport): unknown step type "teleport"');
    expect(message).toMatch(/Nothing was imported\.$/);
  });

  it('skips unsupported steps with warnings when asked', () => {
    const rec = clone(fixture) as ChromeRecording;
    rec.steps.splice(3, 0, { type: 'hover', selectors: [['#menu']] }, { type: 'emulateNetworkConditions', download: 1, upload: 1, latency: 1 });
    const { flow, warnings } = importChromeRecording(rec, { skipUnsupported: true });
    expect(flow.steps).toHaveLength(17);
    expect(warnings.slice(0, 2)).toEqual([
      'steps[3] (hover) skipped: hover steps are not replayed; FlowLens clicks menu items directly',
      'steps[4] (emulateNetworkConditions) skipped: network throttling is set per site by FlowLens, not per flow',
    ]);
  });

  it('explains a recording without a navigate step or with a bad shape', () => {
    expect(() => importChromeRecording({ title: 'x', steps: [{ type: 'click', selectors: [['a']], offsetX: 1, offsetY: 1 }] })).toThrow(/steps: has no navigate step, so there is no start URL/);
    expect(() => importChromeRecording({ steps: 'nope' })).toThrow(/title: is required[\s\S]*steps: must be an array, got string/);
  });

  it('collapses key presses: modifiers, lone modifiers and unmatched keyUps', () => {
    const rec = {
      title: 'keys',
      steps: [
        { type: 'navigate', url: 'https://a.example/' },
        { type: 'keyDown', key: 'Shift' },
        { type: 'keyUp', key: 'Shift' },
        { type: 'keyDown', key: 'Meta' },
        { type: 'keyDown', key: 'Shift' },
        { type: 'keyDown', key: 'z' },
        { type: 'keyUp', key: 'z' },
        { type: 'keyUp', key: 'Shift' },
        { type: 'keyUp', key: 'Meta' },
        { type: 'keyUp', key: 'Escape' },
      ],
    };
    expect(importChromeRecording(rec).flow.steps.map((s) => (s.action === 'keypress' ? s.key : s.action))).toEqual(['Shift', 'Meta+Shift+z', 'Escape']);
  });

  it('keeps only the stable part of a navigated-to URL', () => {
    const start = 'https://shop.example.com/';
    expect(stableUrlFragment('https://shop.example.com/orders/10234/confirmation?x=1', start)).toBe('/orders/');
    expect(stableUrlFragment('https://shop.example.com/checkout/done#top', start)).toBe('/checkout/done');
    expect(stableUrlFragment('https://shop.example.com/', start)).toBe('/');
    expect(stableUrlFragment('https://pay.example.net/session/a1b2c3d4e5f6', start)).toBe('https://pay.example.net/session/');
  });
});

describe('round trips', () => {
  it('Chrome fixture → FlowLens → Chrome keeps step types, selectors and values', () => {
    const { flow } = importChromeRecording(fixture);
    const back = exportChromeRecording(flow, { includeFlowLensData: false });
    const relevant = (r: { steps: readonly { type: string }[] }) => r.steps.map((s) => s.type);
    expect(relevant(back)).toEqual(relevant(fixture));
    back.steps.forEach((step, i) => {
      const original = fixture.steps[i] as Record<string, unknown>;
      if ('selectors' in original) expect(step.selectors, `step ${i}`).toEqual(original['selectors']);
      if ('key' in original) expect(step['key'], `step ${i}`).toBe(original['key']);
      if ('value' in original && i !== 12) expect(step['value'], `step ${i}`).toBe(original['value']);
      if ('url' in original) expect(step['url'], `step ${i}`).toBe(original['url']);
    });
    expect(back.steps[12]?.['value']).toBe('{{secret:PASSWORD}}');
    // Navigation assertions come back as assertedEvents on the step that caused them.
    expect(back.steps[2]?.assertedEvents).toEqual([{ type: 'navigation', url: 'https://shop.example.com/products/', title: 'Blue oxford shirt – Acme Shop' }]);
    expect(back.steps[7]?.assertedEvents?.[0]?.url).toBe('https://shop.example.com/checkout');
    expect(back.steps[19]?.assertedEvents?.[0]?.url).toBe('https://shop.example.com/orders/');
  });

  const ours: Flow = parseFlow({
    name: 'Sign up',
    startUrl: 'https://app.example.com/signup',
    critical: true,
    timeoutMs: 45000,
    steps: [
      { action: 'input', label: 'Type your email', labelSource: 'ai', selectors: [{ kind: 'role', value: 'textbox "Email"' }, { kind: 'label', value: 'Email' }, { kind: 'id', value: 'email' }], value: 'new@example.com', page: { url: 'https://app.example.com/signup', viewport: { width: 390, height: 844 } } },
      { action: 'input', selectors: [{ kind: 'label', value: 'Password' }], value: '{{secret:PASSWORD}}', element: { tag: 'input', attributes: { type: 'password' } } },
      { action: 'select', selectors: [{ kind: 'css', value: 'form > select.plan' }], value: 'pro' },
      { action: 'check', selectors: [{ kind: 'role', value: 'checkbox "I accept the terms"' }] },
      { action: 'click', selectors: [{ kind: 'testid', value: 'signup' }, { kind: 'text', value: 'Create account' }], button: 'right', offset: { x: 3, y: 4 } },
      { action: 'assert', assertion: 'urlContains', value: '/welcome' },
      { action: 'keypress', key: 'Control+Shift+K', timeoutMs: 60000 },
      { action: 'scroll', selectors: [{ kind: 'css', value: 'app-shell >>> .feed' }], y: 300 },
      { action: 'waitFor', selectors: [{ kind: 'xpath', value: '//main//h1' }], operator: '>=', count: 1 },
      { action: 'assert', assertion: 'titleContains', value: 'Welcome' },
      { action: 'assert', assertion: 'textVisible', value: 'Your trial has started' },
      { action: 'submit', selectors: [{ kind: 'css', value: 'form.survey' }] },
      { action: 'navigate', url: 'https://app.example.com/settings', frame: [1, 0] },
    ],
  });

  it('FlowLens → Chrome → FlowLens is exact with the flowlens data', () => {
    const json = JSON.parse(JSON.stringify(exportChromeRecording(ours))) as unknown;
    const { flow, warnings } = importChromeRecording(json);
    expect(flow).toEqual(ours);
    expect(warnings).toEqual([]);
  });

  it('FlowLens → Chrome → FlowLens keeps actions, selectors and values from the Chrome steps alone', () => {
    const recording = JSON.parse(JSON.stringify(exportChromeRecording(ours, { includeFlowLensData: false }))) as ChromeRecording;
    expect(recording.steps[0]).toEqual({ type: 'setViewport', width: 390, height: 844, deviceScaleFactor: 1, isMobile: false, hasTouch: false, isLandscape: false });
    expect(recording.timeout).toBe(30000);
    const { flow } = importChromeRecording(recording);
    const summary = (f: Flow) =>
      f.steps.map((s) => ({
        action: s.action,
        selectors: sel('selectors' in s ? s.selectors : undefined),
        value: 'value' in s ? s.value : 'key' in s ? s.key : 'url' in s ? s.url : undefined,
      }));
    // Chrome has no check, submit, title or text assertions: those come back as their Chrome equivalents.
    const expected = summary(ours).map((s) => {
      if (s.action === 'check') return { ...s, action: 'click' };
      if (s.action === 'submit') return { action: 'keypress', selectors: [], value: 'Enter' };
      return s;
    });
    expected[10] = { action: 'waitFor', selectors: ['text=Your trial has started'], value: undefined };
    expect(summary(flow)).toEqual(expected);
    expect(flow.steps[4]).toMatchObject({ action: 'click', button: 'right', offset: { x: 3, y: 4 } });
    expect(flow.steps[12]).toMatchObject({ action: 'navigate', frame: [1, 0] });
    expect(flow.steps[6]).toMatchObject({ timeoutMs: 30000 });
    expect(flow.name).toBe(ours.name);
    expect(flow.startUrl).toBe(ours.startUrl);
  });

  it('ignores the flowlens data once the Chrome steps were edited', () => {
    const recording = JSON.parse(JSON.stringify(exportChromeRecording(ours))) as ChromeRecording;
    recording.steps[1] = { ...recording.steps[1], type: 'navigate', url: 'https://app.example.com/signup?ref=edited' };
    const { flow } = importChromeRecording(recording);
    expect(flow.startUrl).toBe('https://app.example.com/signup?ref=edited');
    expect(flow.steps[0]).not.toHaveProperty('labelSource', 'ai');
  });
});

describe('loadFlowJson', () => {
  it('reads both formats', () => {
    expect(loadFlowJson(fixture).flow.name).toBe('Checkout as returning customer');
    expect(loadFlowJson({ name: 'Plain', startUrl: 'https://a.example/', steps: [] }).flow.name).toBe('Plain');
    expect(() => loadFlowJson({ name: 'Plain', steps: [] })).toThrow(/^Flow is invalid \(1 problem\):\n {2}- startUrl: is required/);
  });
});
