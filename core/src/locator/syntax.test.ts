import { describe, expect, it } from 'vitest';
import {
  cssEscape,
  cssString,
  describeSelector,
  formatRoleValue,
  formatSelector,
  formatTestIdValue,
  joinShadowCss,
  parseRoleValue,
  parseSelectorString,
  parseTestIdValue,
  selectorSyntaxProblem,
  splitShadowCss,
  xpathLiteral,
} from './syntax.ts';

describe('selector syntax', () => {
  it('round-trips role values, names quoted as JSON', () => {
    expect(formatRoleValue('button', 'Add to "cart"')).toBe('button "Add to \\"cart\\""');
    expect(parseRoleValue('button "Add to \\"cart\\""')).toEqual({ role: 'button', name: 'Add to "cart"' });
    expect(parseRoleValue('navigation')).toEqual({ role: 'navigation' });
    expect(parseRoleValue('button Add')).toBeNull();
    expect(parseRoleValue('button "open')).toBeNull();
  });

  it('reads test ids with and without an attribute prefix', () => {
    expect(parseTestIdValue('checkout')).toEqual({ attribute: 'data-testid', value: 'checkout' });
    expect(parseTestIdValue('data-cy=pay')).toEqual({ attribute: 'data-cy', value: 'pay' });
    expect(formatTestIdValue('data-qa', 'x=y')).toBe('data-qa=x=y');
    expect(parseTestIdValue('data-qa=x=y')).toEqual({ attribute: 'data-qa', value: 'x=y' });
  });

  it('splits shadow css on >>> outside strings and brackets', () => {
    expect(splitShadowCss('my-app >>> button.buy')).toEqual({ deep: false, parts: ['my-app', 'button.buy'] });
    expect(splitShadowCss('>>> .buy')).toEqual({ deep: true, parts: ['.buy'] });
    expect(splitShadowCss('a[title=">>>"] >>> b')).toEqual({ deep: false, parts: ['a[title=">>>"]', 'b'] });
    expect(joinShadowCss({ deep: true, parts: ['a', 'b'] })).toBe('>>> a >>> b');
  });

  it('escapes like CSS.escape and XPath literals', () => {
    expect(cssEscape('2fa-code')).toBe('\\32 fa-code');
    expect(cssEscape('a:b.c')).toBe('a\\:b\\.c');
    expect(cssEscape('-')).toBe('\\-');
    expect(cssEscape('-1x')).toBe('-\\31 x');
    expect(cssString('say "hi"\n')).toBe('"say \\"hi\\"\\a "');
    expect(xpathLiteral('plain')).toBe('"plain"');
    expect(xpathLiteral('say "hi"')).toBe(`'say "hi"'`);
    expect(xpathLiteral(`it's "x"`)).toBe(`concat("it's ", '"', "x", '"', "")`);
  });

  it('formats selectors as one string and back, treating anything else as CSS', () => {
    expect(formatSelector({ kind: 'role', value: 'button "Buy"' })).toBe('role=button "Buy"');
    expect(parseSelectorString('role=button "Buy"')).toEqual({ kind: 'role', value: 'button "Buy"' });
    expect(parseSelectorString('main > button')).toEqual({ kind: 'css', value: 'main > button' });
    expect(parseSelectorString('a[href="x=y"]')).toEqual({ kind: 'css', value: 'a[href="x=y"]' });
    expect(describeSelector({ kind: 'testid', value: 'data-qa=buy' })).toBe('[data-qa="buy"]');
    expect(describeSelector({ kind: 'text', value: 'Buy' })).toBe('text "Buy"');
  });

  it('reports syntax problems without a DOM', () => {
    expect(selectorSyntaxProblem({ kind: 'css', value: ' ' })).toBe('must not be empty');
    expect(selectorSyntaxProblem({ kind: 'testid', value: 'data-qa=' })).toBe('test id must not be empty');
    expect(selectorSyntaxProblem({ kind: 'role', value: 'button' })).toBeNull();
  });
});
