import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'crawler',
    environment: 'node',
    include: ['src/**/*.test.ts'],
    globalSetup: ['../stack/src/testing/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
