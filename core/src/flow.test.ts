import { describe, expect, it } from 'vitest';
import { FLOW_SCHEMA_VERSION, parseFlow, parseStep, safeParseFlow, type FlowInput } from './flow.ts';
import { ValidationError } from './validation.ts';

const checkout: FlowInput = {
  name: 'Checkout',
  startUrl: 'https://shop.example.com/',
  critical: true,
  steps: [
    {
      action: 'click',
      label: "Click 'Add to cart'",
      selectors: [
        { kind: 'testid', value: 'add-to-cart', score: 100 },
        { kind: 'role', value: 'button "Add to cart"', score: 90 },
      ],
      element: { tag: 'button', role: 'button', name: 'Add to cart', attributes: { class: 'btn' } },
      page: { url: 'https://shop.example.com/p/blue-shirt', title: 'Blue shirt', viewport: { width: 1440, height: 900 } },
    },
    { action: 'input', selectors: [{ kind: 'label', value: 'Email' }], value: 'ann@example.com' },
    { action: 'input', selectors: [{ kind: 'label', value: 'Password' }], value: '{{secret:PASSWORD}}', element: { tag: 'input', attributes: { type: 'password' } } },
    { action: 'select', selectors: [{ kind: 'css', value: 'select#country' }], value: 'DE', optionText: 'Germany' },
    { action: 'check', selectors: [{ kind: 'label', value: 'I accept the terms' }] },
    { action: 'submit', selectors: [{ kind: 'css', value: 'form.checkout' }] },
    { action: 'keypress', key: 'Enter' },
    { action: 'scroll', y: 800 },
    { action: 'waitFor', selectors: [{ kind: 'css', value: '.spinner' }], state: 'absent' },
    { action: 'assert', assertion: 'urlContains', value: '/order/' },
    { action: 'assert', assertion: 'elementVisible', selectors: [{ kind: 'text', value: 'Thank you' }] },
    { action: 'navigate', url: 'https://shop.example.com/account', optional: true, frame: [0] },
  ],
};

describe('parseFlow', () => {
  it('accepts every step kind and fills defaults', () => {
    const flow = parseFlow(checkout);
    expect(flow.schemaVersion).toBe(FLOW_SCHEMA_VERSION);
    expect(flow.steps.map((s) => s.action)).toEqual(['click', 'input', 'input', 'select', 'check', 'submit', 'keypress', 'scroll', 'waitFor', 'assert', 'assert', 'navigate']);
    const click = flow.steps[0];
    expect(click?.action === 'click' && click.element).toMatchObject({ tag: 'button', labelText: '', nearbyText: '', box: null, ancestors: [], lookalikes: 0 });
    expect(flow.steps[4]).toMatchObject({ action: 'check', checked: true, label: '', labelSource: 'template' });
  });

  it('lists every problem with its path, not just the first', () => {
    const result = safeParseFlow({
      name: ' ',
      startUrl: 'shop.example.com',
      steps: [
        { action: 'navigate', url: 'https://shop.example.com/' },
        { action: 'click', selectors: [] },
        { action: 'hover', selectors: [{ kind: 'css', value: 'a' }] },
        { action: 'input', selectors: [{ kind: 'role', value: 'Button "unterminated' }], value: 'x' },
        { action: 'assert', assertion: 'textVisible' },
        { action: 'input', selectors: [{ kind: 'css', value: '#otp' }], value: 'code {{secret:otp}}' },
        { action: 'keypress' },
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      { path: 'name', message: 'must not be empty' },
      { path: 'startUrl', message: 'must be an absolute http(s) URL, e.g. https://shop.example.com/' },
      { path: 'steps[1].selectors', message: 'must have at least one selector' },
      { path: 'steps[2].action', message: 'must be one of navigate, click, input, select, check, submit, keypress, scroll, waitFor, assert' },
      { path: 'steps[3].selectors[0].value', message: expect.stringMatching(/^role selector must look like button "Add to cart"/) },
      { path: 'steps[4].value', message: 'is required for a textVisible assertion' },
      { path: 'steps[5].value', message: 'has a malformed secret placeholder "{{secret:otp}}"; write {{secret:NAME}} with NAME in A-Z, 0-9 and _' },
      { path: 'steps[6].key', message: 'is required' },
    ]);
  });

  it('throws a ValidationError whose message names each path', () => {
    expect(() => parseFlow({ name: 'x', startUrl: 'https://a.example/', steps: [{ action: 'click', selectors: [] }] })).toThrow(
      /Flow is invalid \(1 problem\):\n {2}- steps\[0\]\.selectors: must have at least one selector/,
    );
    expect(() => parseFlow('nope')).toThrow(ValidationError);
  });

  it('refuses a password typed into a password field', () => {
    const flow = (value: string): FlowInput => ({
      name: 'Login',
      startUrl: 'https://a.example/login',
      steps: [{ action: 'input', selectors: [{ kind: 'css', value: '#pw' }], value, element: { tag: 'input', attributes: { type: 'Password' } } }],
    });
    expect(() => parseFlow(flow('hunter2'))).toThrow(/steps\[0\]\.value: is typed into a password field, so it must be a secret placeholder/);
    expect(() => parseFlow(flow('hunter2'))).not.toThrow(/hunter2/);
    expect(parseFlow(flow('{{secret:PASSWORD}}')).steps).toHaveLength(1);
    expect(parseFlow(flow('')).steps).toHaveLength(1);
  });

  it('explains schema versions it cannot read', () => {
    const base = { name: 'x', startUrl: 'https://a.example/', steps: [] };
    expect(() => parseFlow({ ...base, schemaVersion: 2 })).toThrow('schemaVersion: is 2, written by a newer FlowLens; this version reads flow schema 1 — update FlowLens');
    expect(() => parseFlow({ ...base, schemaVersion: 0 })).toThrow(/which no FlowLens version wrote/);
    expect(parseFlow(base).schemaVersion).toBe(1);
  });

  it('validates single steps for the recorder', () => {
    expect(parseStep({ action: 'navigate', url: 'https://a.example/x' })).toMatchObject({ action: 'navigate', url: 'https://a.example/x' });
    expect(() => parseStep({ action: 'navigate', url: '/x' })).toThrow('url: must be an absolute http(s) URL, e.g. https://shop.example.com/');
    expect(() => parseStep({ action: 'waitFor', selectors: [{ kind: 'css', value: 'a >>> ' }] })).toThrow(/empty part around ">>>"/);
  });
});

describe('only the web (issue 12)', () => {
  const base = { name: 'x', startUrl: 'https://a.example/', steps: [] };
  for (const url of ['file:///etc/passwd', 'chrome://settings', 'view-source:https://a.example/', 'data:text/html,<b>x</b>', 'javascript:alert(1)', 'filesystem:https://a.example/temporary/x', 'ftp://a.example/x', '/relative/path']) {
    it(`refuses a navigate step to ${url.slice(0, 24)}`, () => {
      const r = safeParseFlow({ ...base, steps: [{ action: 'navigate', url }] });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.issues[0]).toMatchObject({ path: 'steps[0].url' });
      if (!r.ok && url.includes(':') && !url.startsWith('/')) expect(r.issues[0]!.message).toMatch(/FlowLens only opens http: and https: pages/);
    });
  }
  it('refuses a non-web start URL with the same sentence', () => {
    const r = safeParseFlow({ ...base, startUrl: 'file:///etc/passwd' });
    expect(r.ok ? [] : r.issues.map((i) => i.message)).toEqual(['uses the file: scheme; FlowLens only opens http: and https: pages']);
  });
  it('accepts http and https', () => {
    expect(safeParseFlow({ ...base, steps: [{ action: 'navigate', url: 'http://a.example/x?y=1' }] }).ok).toBe(true);
  });
});
