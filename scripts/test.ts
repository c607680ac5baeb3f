/**
 * `npm test` — the whole suite, the same on a laptop and in CI:
 *   1. typecheck (tsc -b, deno check) and lint
 *   2. a fresh test stack (own folder .stack-test, ports 55321+, fsync off), reset to an empty
 *      migrated database so migrations are proven from scratch every run
 *   3. vitest (every workspace project), then the Deno tests of the edge functions against the stack,
 *      then a scan of every log the suite wrote for the test stack's secrets (none may appear)
 *   4. the test stack is stopped whatever happened
 * Exit code: non-zero when any step failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../stack/src/config.ts';
import { findSecretsInLogs, stackSecretProbes, TEST_CREDENTIAL_PROBES } from '../stack/src/log-secrets.ts';
import { denoBinary, Stack } from '../stack/src/stack.ts';
import { TEST_STACK } from '../stack/src/testing/config.ts';

const args = process.argv.slice(2);
const quick = args.includes('--no-checks');
const vitestArgs = args.filter((a) => a !== '--no-checks');

function step(name: string, cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  console.log(`\n▶ ${name}`);
  const started = Date.now();
  const res = spawnSync(cmd, argv, { stdio: 'inherit', cwd: REPO_ROOT, env });
  const ok = res.status === 0;
  console.log(`${ok ? '✔' : '✖'} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ok;
}

function hasDenoTests(dir: string): boolean {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).some((f) => /\.test\.ts$/.test(f) && !f.includes('node_modules'));
}

const failures: string[] = [];
const npx = (bin: string) => join(REPO_ROOT, 'node_modules', '.bin', bin);

if (!quick) {
  if (!step('typecheck', 'npm', ['run', '--silent', 'typecheck'])) failures.push('typecheck');
  if (!step('lint', 'npm', ['run', '--silent', 'lint'])) failures.push('lint');
}

const stack = new Stack(TEST_STACK, (l) => console.log(`  ${l}`));
try {
  console.log('\n▶ test stack (reset to an empty, migrated database)');
  const info = await stack.reset();
  if (!step('vitest', npx('vitest'), ['run', ...vitestArgs])) failures.push('vitest');
  const functionsDir = join(REPO_ROOT, 'supabase', 'functions');
  if (vitestArgs.length === 0 && hasDenoTests(functionsDir)) {
    const env = {
      ...process.env,
      ...stack.functionsEnv(),
      FLOWLENS_STACK_JSON: JSON.stringify(info),
      DENO_DIR: join(REPO_ROOT, 'node_modules', '.cache', 'deno'),
      NO_COLOR: '1',
    };
    if (!step('deno test (edge functions)', denoBinary(), ['test', '-A', '--no-lock', functionsDir], env)) failures.push('deno test');
  }
  // Secrets never appear in logs (issue 15): every log the suite wrote — the test stack's processes
  // and the workers the tests started — is read for the test stack's secrets and test credentials.
  console.log('\n▶ logs hold no secret');
  const hits = findSecretsInLogs(stack.config.dir, [...stackSecretProbes(stack.secrets), ...TEST_CREDENTIAL_PROBES]);
  for (const h of hits.slice(0, 20)) console.error(`  ${h.file}:${h.line} holds the ${h.secret}`);
  console.log(`${hits.length === 0 ? '✔' : '✖'} logs hold no secret`);
  if (hits.length > 0) failures.push('secrets in logs');
} finally {
  await stack.stop();
}

if (failures.length > 0) {
  console.error(`\n✖ npm test failed: ${failures.join(', ')}`);
  process.exit(1);
}
console.log('\n✔ npm test passed');
