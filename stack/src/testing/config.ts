import { join } from 'node:path';
import { REPO_ROOT } from '../config.ts';

/** The test suite's own stack: separate folder and ports, fsync off. */
export const TEST_STACK = {
  dir: process.env.FLOWLENS_TEST_STACK_DIR ?? join(REPO_ROOT, '.stack-test'),
  portBase: Number(process.env.FLOWLENS_TEST_STACK_PORT_BASE ?? 55321),
  fast: true,
};
