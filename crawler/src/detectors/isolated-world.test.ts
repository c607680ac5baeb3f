import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { call } from './isolated-world.ts';

describe('call', () => {
  it('runs a function the way tsx transpiles it: nested functions wrapped in __name, which the page lacks', () => {
    // What `fn.toString()` gives under tsx (keepNames) for a function with a nested arrow.
    const transpiled = Object.assign(() => 0, {
      toString: () => '(n) => { const twice = /* @__PURE__ */ __name((x) => x * 2, "twice"); return twice(n) + 1; }',
    });
    expect(runInNewContext(call(transpiled as (n: number) => number, 20), {})).toBe(41);
  });

  it('passes the argument as JSON, so a string cannot break out of the expression', () => {
    const echo = (s: string) => s;
    const hostile = '"); globalThis.pwned = 1; ("';
    const sandbox: Record<string, unknown> = {};
    expect(runInNewContext(call(echo, hostile), sandbox)).toBe(hostile);
    expect(sandbox.pwned).toBeUndefined();
  });
});
