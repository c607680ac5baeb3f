// @vitest-environment node
/**
 * The copy-paste examples are run for real: bash + openssl + curl against a local server, which
 * checks the signature the way the deploy-webhook function does (HMAC-SHA256 over
 * `${timestamp}.${body}`, header `sha256=<hex>`).
 */
import { execFile } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curlExample, githubActionsExample, maskSecret, shellQuote, webhookUrl } from './webhook.ts';

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let received: Received[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received.push({ url: req.url ?? '', headers: req.headers, body });
    res.writeHead(202, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
let base = '';

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function run(script: string, env: Record<string, string> = {}): Promise<string> {
  // `git` is stubbed: the example reads the commit from the checkout it runs in.
  const prelude = 'set -euo pipefail\ngit() { if [ "$2" = HEAD ]; then echo 9f2c4e1ab77d0c55aa00bb11cc22dd33ee44ff55; else echo main; fi; }\n';
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', prelude + script], { env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

function verify(r: Received, secret: string): void {
  const ts = String(r.headers['x-flowlens-timestamp']);
  const sig = String(r.headers['x-flowlens-signature']);
  expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
  const expected = createHmac('sha256', secret).update(`${ts}.${r.body}`).digest('hex');
  expect(timingSafeEqual(Buffer.from(sig.slice(7)), Buffer.from(expected))).toBe(true);
  expect(ts).toMatch(/^\d{10}$/);
  expect(Math.abs(Date.now() / 1000 - Number(ts))).toBeLessThan(60);
  const body = JSON.parse(r.body) as { commit_sha: string; branch: string; environment: string; timestamp: string };
  // The body's timestamp is ISO 8601 (docs/edge-functions.md); only the header's is signed.
  expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(Math.abs(Date.now() - Date.parse(body.timestamp))).toBeLessThan(60_000);
  expect(r.headers['content-type']).toBe('application/json');
}

describe('deploy webhook examples', () => {
  const siteId = '11111111-1111-4111-8111-111111111111';
  const secret = "whsec_0123abcd'quoted";

  it('the curl example sends a body signed the way the function checks it', async () => {
    received = [];
    await run(curlExample({ supabaseUrl: base, siteId, secret }));
    expect(received).toHaveLength(1);
    expect(received[0]!.url).toBe(`/functions/v1/deploy-webhook/${siteId}`);
    verify(received[0]!, secret);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ commit_sha: '9f2c4e1ab77d0c55aa00bb11cc22dd33ee44ff55', branch: 'main', environment: 'production' });
  });

  it('the GitHub Actions step does the same with the repository secret', async () => {
    received = [];
    const yaml = githubActionsExample({ supabaseUrl: base, siteId });
    expect(yaml).toContain('FLOWLENS_WEBHOOK_SECRET: ${{ secrets.FLOWLENS_WEBHOOK_SECRET }}');
    const lines = yaml.split('\n');
    const script = lines
      .slice(lines.findIndex((l) => l.trim() === 'run: |') + 1)
      .map((l) => l.replace(/^ {4}/, ''))
      .join('\n');
    await run(script, { FLOWLENS_WEBHOOK_SECRET: 'whsec_ci', GITHUB_SHA: 'abc1234def', GITHUB_REF_NAME: 'release' });
    expect(received).toHaveLength(1);
    verify(received[0]!, 'whsec_ci');
    expect(JSON.parse(received[0]!.body)).toMatchObject({ commit_sha: 'abc1234def', branch: 'release' });
  });

  it('quotes for the shell, masks the secret and builds the endpoint', () => {
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
    expect(maskSecret('whsec_0123456789abcdef')).toBe(`whsec_${'•'.repeat(24)}cdef`);
    expect(maskSecret('whsec_0123456789abcdef')).not.toContain('0123456789');
    expect(webhookUrl('https://x.supabase.co/', 'S')).toBe('https://x.supabase.co/functions/v1/deploy-webhook/S');
  });
});
