/**
 * core runs in Node (crawler), browsers (extension, dashboard, page-injected locator) and Deno (edge
 * functions). This guards the rule: no Node/Deno-only imports, no DOM globals touched at import
 * time, and a locator that does not pull zod into the page bundle.
 */
import { describe, expect, it } from 'vitest';

interface Fs {
  readFileSync(path: string, encoding: 'utf8'): string;
  readdirSync(path: string, options: { recursive: true; encoding: 'utf8' }): string[];
}

// The test itself runs in Node; the specifier is a variable so core's own types need no @types/node.
const nodeFs = 'node:fs';
const fs = (await import(/* @vite-ignore */ nodeFs)) as Fs;
const srcDir = new URL('.', import.meta.url).pathname;
const sources = fs
  .readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('testing/'))
  .map((f) => ({ file: f, text: fs.readFileSync(`${srcDir}${f}`, 'utf8') }));

/**
 * The source without comments and single-quoted or template string literals: the expressions the
 * Chrome and Playwright exports write (`window.…`, `process.env.…`) are data, not code that runs here.
 */
const codeOnly = (text: string) => text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').replace(/'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, "''");

const importsOf = (text: string) => [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => ({ spec: m[1] ?? '', typeOnly: /^\s*(?:import|export)\s+type\s/.test(m[0]) }));

describe('portability of core', () => {
  it('finds the sources', () => {
    expect(sources.length).toBeGreaterThan(20);
  });

  it('imports only relative files, zod and @noble/hashes', () => {
    for (const { file, text } of sources) {
      for (const { spec } of importsOf(text)) {
        expect(spec.startsWith('.') || spec === 'zod' || spec.startsWith('@noble/hashes/'), `${file} imports ${spec}`).toBe(true);
      }
      expect(codeOnly(text), file).not.toMatch(/\bDeno\.|\bprocess\.|\brequire\(/);
    }
  });

  it('touches no window or document global in library code', () => {
    for (const { file, text } of sources) {
      expect(codeOnly(text), file).not.toMatch(/(?<![.\w])(window|document|navigator|localStorage)\s*[.[]/);
    }
  });

  it('keeps zod out of the locator at runtime (type imports only)', () => {
    for (const { file, text } of sources.filter((s) => s.file.startsWith('locator/'))) {
      for (const { spec, typeOnly } of importsOf(text)) {
        if (!spec.startsWith('.')) expect.fail(`${file} imports ${spec}`);
        if (/\.\.\/(flow|report|validation)\.ts$/.test(spec)) expect(typeOnly, `${file} imports ${spec} at runtime`).toBe(true);
      }
    }
  });

  it('imports in an environment without DOM globals', async () => {
    expect(typeof (globalThis as { document?: unknown }).document).toBe('undefined');
    const core = await import('./index.ts');
    expect(typeof core.parseFlow).toBe('function');
    expect(typeof core.resolveStep).toBe('function');
  });
});
