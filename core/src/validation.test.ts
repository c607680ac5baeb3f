import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatPath, parseWith, ValidationError } from './validation.ts';

describe('validation', () => {
  it('formats paths like code', () => {
    expect(formatPath(['steps', 3, 'selectors'])).toBe('steps[3].selectors');
    expect(formatPath(['attributes', 'data-testid'])).toBe('attributes["data-testid"]');
    expect(formatPath([])).toBe('');
  });

  it('lists every problem in plain words', () => {
    const schema = z.object({ a: z.string(), b: z.array(z.number()).min(2), c: z.enum(['x', 'y']), d: z.number().max(3) });
    let error: ValidationError | undefined;
    try {
      parseWith(schema, { b: [1], c: 'z', d: 9 }, 'Thing', 'Fix it.');
    } catch (e) {
      error = e as ValidationError;
    }
    expect(error?.issues).toEqual([
      { path: 'a', message: 'is required' },
      { path: 'b', message: 'must have at least 2 items' },
      { path: 'c', message: 'must be one of "x", "y"' },
      { path: 'd', message: 'must be at most 3' },
    ]);
    expect(error?.message).toBe('Thing is invalid (4 problems):\n  - a: is required\n  - b: must have at least 2 items\n  - c: must be one of "x", "y"\n  - d: must be at most 3\nFix it.');
  });

  it('names the wrong type it got', () => {
    expect(() => parseWith(z.object({ a: z.string() }), { a: 3 }, 'T')).toThrow('a: must be a string, got number');
    expect(() => parseWith(z.object({ a: z.string() }), [], 'T')).toThrow('(top level): must be an object, got an array');
  });
});
