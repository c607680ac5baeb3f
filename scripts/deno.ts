/**
 * Runs the repo's Deno (npm package `deno`) with the shared cache in node_modules/.cache/deno, so
 * typechecks, tests and the local stack download each npm: dependency of the edge functions once.
 *   npm run deno -- check supabase/functions
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../stack/src/config.ts';
import { denoBinary } from '../stack/src/stack.ts';

const res = spawnSync(denoBinary(), process.argv.slice(2), {
  stdio: 'inherit',
  cwd: REPO_ROOT,
  env: { ...process.env, DENO_DIR: join(REPO_ROOT, 'node_modules', '.cache', 'deno'), NO_COLOR: process.env.NO_COLOR ?? '1' },
});
process.exit(res.status ?? 1);
