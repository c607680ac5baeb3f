import { defineConfig } from 'vitest/config';

// One `vitest run` drives every workspace; each project keeps its own environment and setup.
export default defineConfig({
  test: {
    projects: ['core', 'stack', 'crawler', 'dashboard', 'extension', 'tests'].map((dir) => `${dir}/vitest.config.ts`),
  },
});
