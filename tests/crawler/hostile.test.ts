/**
 * The hostile-site suite through `flowlens check` (issue 12, docs/security.md): a real CLI process
 * replays a flow on every attack page of tests/fixtures/hostile with the worker's runner, with the
 * egress guard on (only --base-url's host:port may be private). For each attack: the run ends
 * within its time limit, the report is valid and bounded, and nothing of the process's environment
 * or the machine's files appears in the report, the output or the screenshots. Secrets: typed only
 * on the site's origins (or an --allow-origin), redacted from everything printed or stored.
 */
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseReport, REPORT_LIMITS, secretVariants, type FlowInput, type Report } from '@flowlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_PAGES, hostileFlows, startForeignSite, startHostileSite, type ForeignSite, type HostilePage, type HostileSite } from '../fixtures/index.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const bin = join(root, 'crawler', 'bin', 'flowlens.mjs');
const dir = mkdtempSync(join(tmpdir(), 'flowlens-hostile-'));

/** What must never leave the worker: its environment and a line of /etc/passwd. */
const CANARIES = {
  SUPABASE_SERVICE_ROLE_KEY: `canary-service-role-${process.pid}-x7q`,
  FLOWLENS_CREDENTIALS_KEY: `canary-credentials-key-${process.pid}-k2z`,
  ANTHROPIC_API_KEY_CANARY: `canary-anthropic-${process.pid}-a9b`,
};
const PASSWD_LINE = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('daemon:')) ?? 'daemon:x:1:1';
const SECRET = 'Canary-Pa55 word&!/é';

let site: HostileSite;
let foreign: ForeignSite;
let canaryHits = 0;
let canaryServer: http.Server;
let canaryUdp: dgram.Socket;
let udpPackets = 0;

function check(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'check', ...args], { env: { ...process.env, ...CANARIES, ...env }, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started }));
  });
}

function flowFile(name: string, flow: FlowInput): string {
  const file = join(dir, `${name.replace(/\W+/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(flow));
  return file;
}

function leaks(text: string): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(CANARIES)) if (text.includes(value)) found.push(name);
  if (text.includes(PASSWD_LINE)) found.push('/etc/passwd');
  for (const v of secretVariants(SECRET)) if (text.includes(v)) found.push(`the secret (${v})`);
  return found;
}

beforeAll(async () => {
  canaryServer = http.createServer((_req, res) => {
    canaryHits += 1;
    res.end('canary');
  });
  await new Promise<void>((r) => canaryServer.listen(0, '127.0.0.1', () => r()));
  canaryUdp = dgram.createSocket('udp4');
  canaryUdp.on('message', () => (udpPackets += 1));
  await new Promise<void>((r) => canaryUdp.bind(0, '127.0.0.1', () => r()));
  site = await startHostileSite({ canaryUrl: `http://127.0.0.1:${(canaryServer.address() as AddressInfo).port}`, canaryUdpPort: canaryUdp.address().port });
  foreign = await startForeignSite();
});

afterAll(async () => {
  await site.close();
  await foreign.close();
  canaryServer.close();
  canaryUdp.close();
});

describe('the hostile site through flowlens check', () => {
  it('refuses a flow that navigates to file: before any browser starts (exit 2, a clear message)', async () => {
    const file = flowFile('file-step', { name: 'Read passwd', startUrl: `${site.url}/`, steps: [{ action: 'navigate', url: 'file:///etc/passwd' }, { action: 'assert', assertion: 'textVisible', value: 'root:x:0' }] });
    const r = await check(['--base-url', site.url, '--flow', file, '--viewports', 'desktop']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/steps\[0\]\.url: uses the file: scheme; FlowLens only opens http: and https: pages/);
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
  });

  it('survives every attack page: bounded time, a valid bounded report, nothing of the machine in it', async () => {
    const files = hostileFlows(site.url).map(({ page, flow }) => flowFile(`hostile-${page}`, flow));
    const out = join(dir, 'hostile.json');
    const shots = join(dir, 'shots');
    const r = await check(['--base-url', site.url, ...files.flatMap((f) => ['--flow', f]), '--viewports', 'desktop', '--step-timeout', '8000', '--concurrency', '2', '--discover', '3', '--json', out, '--screenshots', shots]);
    const text = readFileSync(out, 'utf8');
    const report: Report = parseReport(JSON.parse(text));
    expect([0, 1]).toContain(r.code);
    const run = (p: HostilePage) => report.runs.find((x) => x.flow === `Attack ${p}`)!;
    // Every attack ended, each well within the job time limit a worker would apply.
    expect(report.runs).toHaveLength(HOSTILE_PAGES.length);
    for (const p of HOSTILE_PAGES) {
      expect(run(p), p).toBeDefined();
      expect(run(p).durationMs!, p).toBeLessThan(180_000);
    }
    // Only the web: the file: page was never read, the flow stopped there.
    expect(run('file-nav').status).toBe('failed');
    expect(run('file-nav').steps.map((s) => s.status)).not.toContain('passed');
    // Forged metrics are not believed.
    for (const pg of report.pages.filter((x) => x.urlTemplate === '/perf-forge')) {
      for (const v of Object.values(pg.metrics)) expect(v === null || (v >= 0 && v < 60_000), JSON.stringify(pg.metrics)).toBe(true);
    }
    expect(report.pages.some((x) => x.urlTemplate === '/perf-forge')).toBe(true);
    // A redirect loop and a page that never loads fail their start, as a broken site would.
    expect(run('redirect-loop').status).toBe('failed');
    expect(run('never-loads').status).toBe('failed');
    // Popups, dialogs, downloads are refused and the flows go on.
    for (const p of ['popups', 'dialogs', 'download', 'metadata', 'perf-forge'] as const) {
      expect(run(p).status, `${p}: ${JSON.stringify(run(p).steps)}`).toBe('passed');
    }
    // The heavy pages pass on a quiet machine; on a loaded one their load may outlast the step
    // timeout, which is then the only way they may fail.
    for (const p of ['console-flood', 'huge', 'big-dom'] as const) {
      if (run(p).status === 'passed') continue;
      const failed = run(p).steps.find((s) => s.status === 'failed');
      expect(failed?.error, `${p}: ${JSON.stringify(run(p).steps)}`).toMatch(/Timeout \d+ms exceeded|the page stopped answering|no element for this step after/);
    }
    // window.open answers null (no document loads); the tabs script-clicked links open are closed.
    // (The link checker's HEAD requests to the same links are not page loads: GETs are counted.)
    expect(site.hits('/popup-target')).toBeLessThanOrEqual(10);
    if (site.hits('/popup-target') > 0) expect(r.stderr).toMatch(/the page opened [1-9]\d* popup\(s\) \(closed\)/);
    expect(r.stderr).toMatch(/started [1-9]\d* download\(s\) \(refused\)/);
    expect(readdirSync(tmpdir()).filter((f) => f === 'payload.bin' || f === 'blob.bin')).toEqual([]);
    // Bounded: 10,000 console errors do not become 10,000 bugs.
    expect(report.bugs.filter((b) => b.type === 'console_error').length).toBeLessThanOrEqual(REPORT_LIMITS.items.bugs);
    expect(report.bugs.filter((b) => b.type === 'console_error' && b.pageUrl.includes('console-flood')).length).toBeLessThanOrEqual(50);
    expect(text.length).toBeLessThan(2_000_000);
    // The egress guard refused the metadata address; the canary heard nothing, not even by WebRTC.
    expect(r.stderr).toMatch(/blocked 169\.254\.169\.254:80 — 169\.254\.169\.254 is a cloud metadata host|blocked 169\.254\.169\.254:80 — .*private, loopback, link-local/);
    expect(canaryHits).toBe(0);
    expect(udpPackets).toBe(0);
    // Nothing of the machine anywhere.
    expect(leaks(text + r.stdout + r.stderr)).toEqual([]);
    for (const f of existsSync(shots) ? readdirSync(shots) : []) expect(leaks(readFileSync(join(shots, f), 'latin1')), f).toEqual([]);
  }, 600_000);
});

describe('secrets stay on the site', () => {
  const secretEnv = { FLOWLENS_SECRET_PASSWORD: SECRET };

  it('never types a secret into another origin, and redacts it from everything the site echoed', async () => {
    const echo = flowFile('secret-echo', {
      name: 'Sign in that echoes',
      startUrl: `${site.url}/login`,
      steps: [
        { action: 'input', selectors: [{ kind: 'css', value: '#email' }], value: 'ann@example.com', label: 'Type the email' },
        { action: 'input', selectors: [{ kind: 'css', value: '#pw' }], value: '{{secret:PASSWORD}}', label: 'Type the password' },
        { action: 'click', selectors: [{ kind: 'css', value: '#signin' }], label: 'Sign in' },
        { action: 'assert', assertion: 'textVisible', value: 'Your dashboard', label: 'Dashboard shows' },
      ],
    });
    const out = join(dir, 'secrets.json');
    const shots = join(dir, 'secret-shots');
    // --allow-private stands in for a public foreign site (the guard would refuse 127.0.0.1).
    const r = await check(['--base-url', site.url, '--flow', echo, '--viewports', 'desktop', '--step-timeout', '8000', '--allow-private', '--json', out, '--screenshots', shots], secretEnv);
    // A flow of the site that walks to another origin and types the secret there.
    const r3 = await check(['--base-url', site.url, '--flow', flowFile('secret-foreign-2', { name: 'Secret elsewhere', startUrl: `${site.url}/`, steps: [{ action: 'navigate', url: `${foreign.url}/search` }, { action: 'input', selectors: [{ kind: 'css', value: '#q' }], value: 'x {{secret:PASSWORD}}', label: 'Type the password' }, { action: 'keypress', key: 'Enter' }] }), '--viewports', 'desktop', '--step-timeout', '8000', '--allow-private', '--json', join(dir, 'foreign-2.json')], secretEnv);

    const report = parseReport(JSON.parse(readFileSync(out, 'utf8')));
    const signIn = report.runs[0]!;
    expect(signIn.steps.slice(0, 3).map((s) => s.status)).toEqual(['passed', 'passed', 'passed']);
    expect(signIn.status).toBe('failed');
    // The page put the password in its URL, title, text, console and an error: none of it survives.
    const everything = readFileSync(out, 'utf8') + r.stdout + r.stderr;
    expect(everything).toContain('{{secret:PASSWORD}}');
    expect(leaks(everything)).toEqual([]);
    for (const f of existsSync(shots) ? readdirSync(shots) : []) expect(leaks(readFileSync(join(shots, f), 'latin1')), f).toEqual([]);

    const elsewhere = parseReport(JSON.parse(readFileSync(join(dir, 'foreign-2.json'), 'utf8'))).runs[0]!;
    const typed = elsewhere.steps.find((s) => s.action === 'input')!;
    expect(typed.status).toBe('failed');
    expect(typed.error).toMatch(new RegExp(`refused to type the secret PASSWORD into ${foreign.url.replace(/\./g, '\\.')}: FlowLens types this site's secrets only on ${site.url.replace(/\./g, '\\.')}`));
    expect(typed.error).toMatch(/--allow-origin/);
    expect(leaks(readFileSync(join(dir, 'foreign-2.json'), 'utf8') + r3.stdout + r3.stderr)).toEqual([]);
    // The foreign origin never received it.
    expect(foreign.received().filter((q) => leaks(decodeURIComponent(q.replace(/\+/g, ' '))).length > 0 || leaks(q).length > 0)).toEqual([]);
  }, 300_000);

  it('types it on an origin listed with --allow-origin (an SSO provider)', async () => {
    const before = foreign.received().length;
    const file = flowFile('secret-sso', { name: 'Sign in with SSO', startUrl: `${site.url}/`, steps: [{ action: 'navigate', url: `${foreign.url}/search` }, { action: 'input', selectors: [{ kind: 'css', value: '#q' }], value: 'sso {{secret:PASSWORD}}', label: 'Type the password' }, { action: 'keypress', key: 'Enter' }] });
    const r = await check(['--base-url', site.url, '--flow', file, '--allow-origin', foreign.url, '--viewports', 'desktop', '--step-timeout', '8000', '--allow-private', '--no-detectors', '--json', join(dir, 'sso.json')], secretEnv);
    expect(r.code, r.stderr).toBe(0);
    const got = foreign.received().slice(before);
    expect(got.some((q) => new URLSearchParams(q).get('q') === `sso ${SECRET}`)).toBe(true);
    expect(leaks(readFileSync(join(dir, 'sso.json'), 'utf8') + r.stdout + r.stderr)).toEqual([]);
  }, 120_000);
});
