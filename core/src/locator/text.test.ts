import { describe, expect, it } from 'vitest';
import { dice, foldText, textSimilarity, tokens, truncate } from './text.ts';

describe('text similarity', () => {
  it('folds case, digits, hyphens and whitespace', () => {
    expect(foldText('  E-mail  Address 24h ')).toBe('email address #h');
    expect(tokens('Add to cart ($20)')).toEqual(['add', 'to', 'cart', '#']);
  });

  it('scores alike UI strings high and unlike ones low', () => {
    expect(textSimilarity('Add to cart', 'add  to CART')).toBe(1);
    expect(textSimilarity('Price $20', 'Price $25')).toBe(1);
    expect(textSimilarity('Add to cart', 'Add to basket')).toBeCloseTo(0.667, 2);
    expect(textSimilarity('Sign in', 'Sign-in')).toBeGreaterThan(0.6);
    expect(textSimilarity('Email address', 'E-mail address')).toBe(1);
    expect(textSimilarity('Save', 'Delete account')).toBeLessThan(0.2);
    expect(textSimilarity('', '')).toBeNull();
    expect(textSimilarity('x', '')).toBe(0);
  });

  it('computes multiset Dice', () => {
    expect(dice(['a', 'a', 'b'], ['a', 'b', 'b'])).toBeCloseTo(2 * 2 / 6);
    expect(dice([], [])).toBe(1);
  });

  it('truncates on word boundaries', () => {
    expect(truncate('alpha beta gamma delta', 16)).toBe('alpha beta…');
    expect(truncate('abcdefghijklmnop', 8)).toBe('abcdefg…');
    expect(truncate('short', 12)).toBe('short');
  });
});
