/**
 * Vitest global setup for every project that talks to the local stack: makes sure the test stack
 * (its own folder and port block, apart from the developer's stack) is running, and provides its
 * URLs and keys to the tests through `inject('stack')`.
 *
 * `npm test` (scripts/test.ts) resets this stack before the run and stops it afterwards. When
 * vitest is run directly, the stack is started if needed and left running for the next run
 * (stop it with `FLOWLENS_STACK_DIR=.stack-test npm run stack stop`).
 */
import type { TestProject } from 'vitest/node';
import { Stack } from '../stack.ts';
import { TEST_STACK } from './config.ts';
import './index.ts'; // the `inject('stack')` type

export default async function setup(project: TestProject): Promise<void> {
  const stack = new Stack(TEST_STACK, () => {});
  const info = await stack.start();
  project.provide('stack', info);
}
