import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

// WxtVitest wires WXT's auto-imports, aliases and a fake `browser` into unit tests
// (tests live beside the code in __tests__/). The WXT project root is the repo root, resolved
// from this file so the project works whichever directory vitest starts in.
const root = fileURLToPath(new URL('..', import.meta.url));

export default defineProject({
  plugins: [WxtVitest({ root })],
  test: { name: 'extension', environment: 'jsdom', include: ['**/__tests__/**/*.test.{ts,tsx}'], exclude: ['**/node_modules/**'] },
});
