/**
 * What the dashboard's end-to-end tests and benchmark share: building the dashboard against a
 * stack (Vite env, a temporary outDir), serving it from 127.0.0.1 on an ephemeral port with the
 * SPA fallback, Chromium, signing in, axe, screenshots, and measuring the initial JS.
 * No vitest imports: the benchmark script uses it too.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright';

const require = createRequire(import.meta.url);
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DASHBOARD_DIR = join(REPO_ROOT, 'dashboard');
export const ARTIFACTS_DIR = join(REPO_ROOT, 'artifacts', 'dashboard');

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** `vite build` of the dashboard for one stack, into a fresh temporary folder. */
export async function buildDashboard(env: { apiUrl: string; anonKey: string }): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'flowlens-dashboard-'));
  const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
  await new Promise<void>((res, rej) => {
    const child = spawn(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: DASHBOARD_DIR,
      env: { ...process.env, VITE_SUPABASE_URL: env.apiUrl, VITE_SUPABASE_ANON_KEY: env.anonKey, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', rej);
    child.on('exit', (code) => (code === 0 ? res() : rej(new Error(`vite build of the dashboard failed (exit ${code}):\n${out}`))));
  });
  return outDir;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves a built SPA: files as they are, every other path gets index.html (deep links). */
export async function serveStatic(dir: string, port = 0): Promise<StaticServer> {
  const root = resolve(dir);
  const index = readFileSync(join(root, 'index.html'));
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path));
    if (file.startsWith(root + sep) && extname(file) && safeIsFile(file)) {
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      res.end(readFileSync(file));
      return;
    }
    if (extname(path) && path !== '/index.html') {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES['.html']!, 'cache-control': 'no-cache' });
    res.end(index);
  });
  await new Promise<void>((r, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', r);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function safeIsFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Waits until no skeleton or loading status is on screen (the page has its data). */
export async function settled(page: Page, timeout = 15_000): Promise<void> {
  await page.waitForFunction(
    () =>
      document.querySelectorAll('.skeleton, [role=status][aria-label^="Loading"]').length === 0 &&
      document.querySelector('#root')?.childElementCount !== 0 &&
      // Fade-ins finished, so what axe and screenshots see is the final state.
      document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
    undefined,
    { timeout },
  );
}

export async function signIn(page: Page, baseUrl: string, email: string, password: string, path = '/'): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.waitForURL(/\/signin/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string; failureSummary?: string }[];
}

/** axe-core over the current page; returns the serious and critical violations. */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  const axe = (await import('axe-core')) as unknown as { source: string; default?: { source: string } };
  const source = axe.source ?? axe.default?.source;
  if (!source) throw new Error('axe-core has no `source` export');
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: source });
  const violations = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } };
    const r = await w.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function keepScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface InitialJs {
  files: { file: string; bytes: number; gzip: number }[];
  gzipTotal: number;
  rawTotal: number;
  cssGzip: number;
}

/** The JS the browser must load before the app can start: index.html's module scripts and modulepreloads. */
export function measureInitialJs(outDir: string): InitialJs {
  const html = readFileSync(join(outDir, 'index.html'), 'utf8');
  const js = new Set<string>();
  for (const m of html.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+)"/g)) js.add(m[1]!);
  for (const m of html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)) js.add(m[1]!);
  const css = [...html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"/g)].map((m) => m[1]!);
  const files = [...js].map((f) => {
    const buf = readFileSync(join(outDir, f));
    return { file: f, bytes: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
  });
  return {
    files,
    gzipTotal: files.reduce((s, f) => s + f.gzip, 0),
    rawTotal: files.reduce((s, f) => s + f.bytes, 0),
    cssGzip: css.reduce((s, f) => s + gzipSync(readFileSync(join(outDir, f)), { level: 9 }).length, 0),
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
