import { defineProject } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

// WxtVitest wires WXT's auto-imports, aliases and a fake `browser` into unit tests
// (tests live beside the code in __tests__/). The WXT project root is the repo root.
export default defineProject({
  root: '..',
  plugins: [WxtVitest({ root: '..' })],
  test: { name: 'extension', environment: 'jsdom', include: ['extension/**/__tests__/**/*.test.{ts,tsx}'] },
});
