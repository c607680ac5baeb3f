/**
 * Outbound requests to addresses a tenant chose (Slack and webhook channels): the same egress rules
 * as the crawler (crawler/src/net/address-policy.ts, DESIGN.md §8). A channel URL may only reach a
 * public address: private, loopback, link-local (incl. 169.254.169.254 cloud metadata), carrier-grade
 * NAT, multicast and reserved addresses are refused after DNS resolution, and again for every
 * redirect, which is only followed when it keeps the POST (307/308) and points somewhere allowed.
 *
 * FLOWLENS_CHANNELS_ALLOW_LOOPBACK=true (set by the local stack only, for the tests' receivers on
 * 127.0.0.1; production never sets it) additionally allows loopback addresses — nothing else.
 *
 * Channel URLs are secrets: nothing here puts a URL in a message (see scrub()).
 */
import { env } from './env.ts';

export function loopbackAllowed(): boolean {
  return env('FLOWLENS_CHANNELS_ALLOW_LOOPBACK') === 'true';
}

type Range = [bigint, number];

function v4ToBig(ip: string): bigint | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = (n << 8n) | BigInt(Number(p));
  }
  return n;
}

function v6ToBig(ip: string): bigint | null {
  let s = ip.toLowerCase().replace(/^\[|\]$/g, '');
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4tail) {
    const v4 = v4ToBig(v4tail[1]!);
    if (v4 === null) return null;
    s = s.slice(0, -v4tail[1]!.length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 0) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

const cidr4 = (a: string, p: number): Range => [v4ToBig(a)!, p];
const cidr6 = (a: string, p: number): Range => [v6ToBig(a)!, p];

const BLOCKED_V4: Range[] = [
  cidr4('0.0.0.0', 8), cidr4('10.0.0.0', 8), cidr4('100.64.0.0', 10), cidr4('169.254.0.0', 16), cidr4('172.16.0.0', 12),
  cidr4('192.0.0.0', 24), cidr4('192.0.2.0', 24), cidr4('192.88.99.0', 24), cidr4('192.168.0.0', 16), cidr4('198.18.0.0', 15),
  cidr4('198.51.100.0', 24), cidr4('203.0.113.0', 24), cidr4('224.0.0.0', 4), cidr4('240.0.0.0', 4),
];
const LOOPBACK_V4: Range = cidr4('127.0.0.0', 8);
const BLOCKED_V6: Range[] = [
  cidr6('::', 128), cidr6('64:ff9b::', 96), cidr6('100::', 64), cidr6('2001:db8::', 32), cidr6('fc00::', 7), cidr6('fe80::', 10),
  cidr6('fec0::', 10), cidr6('ff00::', 8),
];
const LOOPBACK_V6: Range = cidr6('::1', 128);
const MAPPED_V4: Range = cidr6('::ffff:0:0', 96);

const inRange = (n: bigint, [base, prefix]: Range, bits: number) => (n >> BigInt(bits - prefix)) === (base >> BigInt(bits - prefix));

export type AddressClass = 'public' | 'loopback' | 'blocked' | 'invalid';

/** Classifies one IP address; IPv4-mapped IPv6 addresses are judged as the IPv4 they carry. */
export function classifyAddress(ip: string): AddressClass {
  const v4 = v4ToBig(ip);
  if (v4 !== null) {
    if (inRange(v4, LOOPBACK_V4, 32)) return 'loopback';
    return BLOCKED_V4.some((r) => inRange(v4, r, 32)) ? 'blocked' : 'public';
  }
  const v6 = v6ToBig(ip);
  if (v6 === null) return 'invalid';
  if (inRange(v6, MAPPED_V4, 128)) {
    const n = v6 & 0xffffffffn;
    return classifyAddress([24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.'));
  }
  if (inRange(v6, LOOPBACK_V6, 128)) return 'loopback';
  return BLOCKED_V6.some((r) => inRange(v6, r, 128)) ? 'blocked' : 'public';
}

const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

export interface EgressOptions {
  allowLoopback: boolean;
  /** Per-request timeout (default POST_TIMEOUT_MS). */
  timeoutMs?: number;
  /** DNS resolution (tests pass their own); defaults to Deno.resolveDns for A and AAAA. */
  resolve?: (host: string) => Promise<string[]>;
}

async function resolveHost(host: string): Promise<string[]> {
  const out: string[] = [];
  for (const type of ['A', 'AAAA'] as const) {
    try {
      out.push(...(await Deno.resolveDns(host, type)));
    } catch {
      // NXDOMAIN or no record of this type: the other type may still answer; none at all is refused below.
    }
  }
  return out;
}

export type Verdict = { allowed: true; addresses: string[] } | { allowed: false; reason: string };

/** May a channel post to this URL? Decided on every address the host resolves to. */
export async function vetUrl(url: URL, opts: EgressOptions): Promise<Verdict> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { allowed: false, reason: 'only https URLs are allowed' };
  if (url.username || url.password) return { allowed: false, reason: 'URLs with a user name or password are not allowed' };
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (METADATA_HOSTS.has(host)) return { allowed: false, reason: 'the host is a cloud metadata service' };
  let addresses: string[];
  if (classifyAddress(host) !== 'invalid') addresses = [host];
  else if (host === 'localhost' || host.endsWith('.localhost')) addresses = ['127.0.0.1'];
  else addresses = await (opts.resolve ?? resolveHost)(host);
  if (addresses.length === 0) return { allowed: false, reason: 'the host does not resolve' };
  for (const a of addresses) {
    const c = classifyAddress(a);
    if (c === 'loopback' && opts.allowLoopback) continue;
    if (c !== 'public') return { allowed: false, reason: 'the host resolves to a private, loopback, link-local or reserved address' };
  }
  if (url.protocol === 'http:' && !(opts.allowLoopback && addresses.every((a) => classifyAddress(a) === 'loopback'))) {
    return { allowed: false, reason: 'only https URLs are allowed' };
  }
  return { allowed: true, addresses };
}

/** Removes anything URL-shaped (and the given secret URL) from a message before it is stored or shown. */
export function scrub(message: string, secretUrl?: string): string {
  let m = message;
  if (secretUrl) m = m.split(secretUrl).join('<channel URL>');
  return m.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s)'"]+/gi, '<URL>').slice(0, 500);
}

export interface PostResult {
  /** The receiver accepted (2xx). */
  ok: boolean;
  /** HTTP status of the final answer, null when there was none (refused, timeout, network). */
  status: number | null;
  /** The first characters of the receiver's answer, as text. */
  answer: string;
  /** What went wrong, for people: never contains the URL. */
  error?: string;
  /** Worth trying again later (5xx, 408, 429, timeouts, network errors). */
  retry: boolean;
  /** Milliseconds the receiver asked us to wait (429 Retry-After). */
  retryAfterMs?: number;
}

export const POST_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 3;
const MAX_ANSWER = 500;

async function readAnswer(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < 4096) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  // deno-lint-ignore no-control-regex
  return new TextDecoder().decode(all).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').slice(0, MAX_ANSWER);
}

/**
 * POSTs a JSON body to a channel URL under the egress rules. Never throws for network trouble:
 * the result says what happened. Redirects: 307/308 are followed (at most 3) after vetting the new
 * target; any other redirect is a failure (following it would turn the POST into a GET elsewhere).
 */
export async function postJson(rawUrl: string, body: string, headers: Record<string, string>, opts: EgressOptions): Promise<PostResult> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, status: null, answer: '', error: 'the channel URL is not a valid URL', retry: false };
  }
  for (let hop = 0; ; hop++) {
    const verdict = await vetUrl(url, opts);
    if (!verdict.allowed) {
      return { ok: false, status: null, answer: '', error: `refused${hop ? ` after a redirect` : ''}: ${verdict.reason}`, retry: false };
    }
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'FlowLens-Alerts/1', ...headers },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(opts.timeoutMs ?? POST_TIMEOUT_MS),
      });
    } catch (e) {
      const name = e instanceof Error ? e.name : '';
      if (name === 'TimeoutError' || name === 'AbortError') {
        return { ok: false, status: null, answer: '', error: `the receiver did not answer within ${(opts.timeoutMs ?? POST_TIMEOUT_MS) / 1000} s`, retry: true };
      }
      const msg = e instanceof Error ? e.message : String(e);
      const cause = /connection refused/i.test(msg) ? 'connection refused'
        : /certificate|tls|ssl/i.test(msg) ? 'TLS handshake failed'
        : /dns|lookup|resolve/i.test(msg) ? 'the host could not be resolved'
        : /reset|closed|broken pipe|eof/i.test(msg) ? 'the connection was closed'
        : 'network error';
      return { ok: false, status: null, answer: '', error: `could not reach the receiver: ${cause}`, retry: true };
    }
    if ([301, 302, 303, 307, 308].includes(res.status)) {
      await res.body?.cancel().catch(() => {});
      const location = res.headers.get('location');
      if ((res.status !== 307 && res.status !== 308) || !location) {
        return { ok: false, status: res.status, answer: '', error: `the receiver answered with a ${res.status} redirect, which FlowLens does not follow for a POST: update the channel's URL`, retry: false };
      }
      if (hop + 1 > MAX_REDIRECTS) return { ok: false, status: res.status, answer: '', error: 'too many redirects', retry: false };
      try {
        url = new URL(location, url);
      } catch {
        return { ok: false, status: res.status, answer: '', error: 'the receiver redirected to an invalid URL', retry: false };
      }
      continue;
    }
    const answer = scrub(await readAnswer(res), rawUrl);
    if (res.ok) return { ok: true, status: res.status, answer, retry: false };
    const retryAfter = Number(res.headers.get('retry-after'));
    const retry = res.status >= 500 || res.status === 408 || res.status === 429;
    return {
      ok: false,
      status: res.status,
      answer,
      error: `the receiver answered ${res.status}${answer ? ` ${JSON.stringify(answer.slice(0, 120))}` : ''}`,
      retry,
      retryAfterMs: res.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 3600) * 1000 : undefined,
    };
  }
}
