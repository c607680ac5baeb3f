/**
 * `flowlens check` before anything runs (the bin, a real process; nothing is replayed, so no site
 * is needed): --help prints the usage and exits 0; a flow whose {{secret:…}} is not set exits 2
 * listing every environment variable to set, instead of reporting a broken site.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const bin = join(root, 'crawler', 'bin', 'flowlens.mjs');
const dir = mkdtempSync(join(tmpdir(), 'flowlens-setup-'));

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FLOWLENS_SECRET_')));
    const child = spawn(process.execPath, [bin, ...args], { env: { ...clean, ...env }, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const signIn = (name: string, secrets: string[]) => ({
  name,
  startUrl: 'http://127.0.0.1:9/login',
  steps: secrets.map((s, i) => ({ action: 'input', label: `Field ${i}`, selectors: [{ kind: 'id', value: `f${i}` }], value: `{{secret:${s}}}` })),
});

describe('flowlens check before it runs', () => {
  it('prints the usage for --help and -h and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await run(['check', flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Usage:\n {2}flowlens check --base-url URL --flow FILE/);
      expect(r.stdout).toMatch(/-h, --help/);
      expect(r.stderr).toBe('');
    }
  });

  it('exits 2 listing every secret to set, and which flows use it, before replaying anything', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify(signIn('Sign in', ['EMAIL', 'PASSWORD'])));
    writeFileSync(b, JSON.stringify(signIn('Checkout', ['PASSWORD', 'CARD_NUMBER'])));
    const r = await run(['check', '--flow', a, '--flow', b, '--viewports', 'desktop'], { FLOWLENS_SECRET_EMAIL: 'someone@example.com' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/FLOWLENS_SECRET_PASSWORD {3}\(used by "Sign in", "Checkout"\)/);
    expect(r.stderr).toMatch(/FLOWLENS_SECRET_CARD_NUMBER {3}\(used by "Checkout"\)/);
    expect(r.stderr).not.toMatch(/FLOWLENS_SECRET_EMAIL/);
    expect(r.stderr).not.toContain('someone@example.com');
    expect(r.stderr).not.toMatch(/▶/);
    expect(r.stdout).toBe('');
  });
});
