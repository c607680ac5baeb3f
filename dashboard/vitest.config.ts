import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'dashboard', environment: 'jsdom', include: ['src/**/*.test.{ts,tsx}'] },
});
