import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'crawler', environment: 'node', include: ['src/**/*.test.ts'] },
});
