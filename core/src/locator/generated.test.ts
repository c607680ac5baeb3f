import { describe, expect, it } from 'vitest';
import { GENERATED_RULES, generatedReason, isStableToken } from './generated.ts';

describe('generated-looking tokens', () => {
  it('rejects framework and build-tool output, naming the rule', () => {
    const cases: [string, string][] = [
      [':r1:', 'react-use-id'],
      ['«r3»', 'react-use-id'],
      ['_r_1f_', 'react-use-id'],
      ['ember123', 'framework-counter'],
      ['mui-42', 'framework-counter'],
      ['headlessui-menu-button-3', 'framework-counter'],
      ['css-1x2y3z', 'css-in-js'],
      ['sc-bdVaJa', 'css-in-js'],
      ['jsx-2838411', 'css-in-js'],
      ['svelte-1abc2de', 'css-in-js'],
      ['Button_primary__3xYz1', 'css-module-hash'],
      ['3f2b8c1e-9d4a-4b6f-8e2a-1c3d5e7f9a0b', 'uuid'],
      ['node-9fceb02d0ae5', 'hex-hash'],
      ['input-12345', 'many-digits'],
      ['a1b2c3', 'digit-heavy'],
      ['bZkfAO', 'random-case'],
      ['md:flex', 'utility-class'],
      ['w-[200px]', 'utility-class'],
      ['', 'empty'],
      ['   ', 'empty'],
    ];
    for (const [token, rule] of cases) expect(generatedReason(token), token).toBe(rule);
  });

  it('keeps hand-written names', () => {
    for (const token of ['checkout-button', 'nl-email', 'btn', 'btn-primary', 'product-card', 'col-12', 'h1', 'iPhone', 'fooBarBaz', 'MuiButton-root', 'email', 'add-to-cart', 'step2', 'v2']) {
      expect(isStableToken(token), token).toBe(true);
    }
    expect(isStableToken(null)).toBe(false);
  });

  it('documents every rule', () => {
    for (const rule of GENERATED_RULES) expect(rule.why.length, rule.name).toBeGreaterThan(10);
  });
});
