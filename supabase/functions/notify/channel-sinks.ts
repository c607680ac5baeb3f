/**
 * Local receivers for the channel tests, on 127.0.0.1 (ephemeral ports):
 *
 * Slack-shaped sink — answers like Slack's incoming webhooks: 200 `ok` for a valid message,
 * 400 `invalid_payload` when the body is not JSON or has neither text nor blocks, 400
 * `invalid_blocks` for Block Kit Slack would reject (unknown block type, header over 150
 * characters, section text over 3000, more than 50 blocks), 404 `no_service` for a revoked webhook,
 * 410 `channel_is_archived`, 500 `rollup_error` for an outage. The behaviour is chosen by the last
 * path segment of the webhook URL: /services/T…/B…/<behaviour>-<anything>, with behaviours ok,
 * revoked, archived, flaky (one 500, then ok) and moved (a 307 to the cloud metadata address).
 *
 * Webhook sink — verifies X-FlowLens-Signature over "<timestamp>.<body>" with the channel's signing
 * secret and a 5-minute timestamp window, and answers 200 or 401 like a careful receiver would.
 */
import { hmacSha256, toHex } from '../_shared/crypto.ts';

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  json: unknown;
  answer: number;
}

export interface Sink {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

const BLOCK_TYPES = new Set(['header', 'section', 'divider', 'actions', 'context', 'image', 'rich_text']);

/** Slack's own checks, as far as our messages can trip them. */
export function slackProblem(payload: unknown): 'invalid_payload' | 'invalid_blocks' | null {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return 'invalid_payload';
  const p = payload as { text?: unknown; blocks?: unknown };
  if (typeof p.text !== 'string' && !Array.isArray(p.blocks)) return 'invalid_payload';
  if (p.blocks === undefined) return null;
  if (!Array.isArray(p.blocks) || p.blocks.length > 50) return 'invalid_blocks';
  for (const b of p.blocks as Record<string, unknown>[]) {
    if (!b || typeof b !== 'object' || !BLOCK_TYPES.has(String(b.type))) return 'invalid_blocks';
    const text = b.text as { type?: string; text?: string } | undefined;
    if (b.type === 'header' && (text?.type !== 'plain_text' || typeof text.text !== 'string' || text.text.length > 150)) return 'invalid_blocks';
    if (b.type === 'section') {
      const fields = b.fields as unknown[] | undefined;
      if (!text && !fields) return 'invalid_blocks';
      if (text && (typeof text.text !== 'string' || text.text.length > 3000 || !['mrkdwn', 'plain_text'].includes(String(text.type)))) return 'invalid_blocks';
      if (fields && (!Array.isArray(fields) || fields.length > 10)) return 'invalid_blocks';
    }
  }
  return null;
}

function serve(handle: (req: Request, body: string) => Response, received: Received[]): Sink {
  let port = 0;
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: (a) => { port = a.port; } }, async (req) => {
    const body = await req.text();
    let json: unknown = null;
    try {
      json = JSON.parse(body);
    } catch {
      json = null;
    }
    const res = handle(req, body);
    received.push({ path: new URL(req.url).pathname, headers: Object.fromEntries(req.headers), body, json, answer: res.status });
    return res;
  });
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    received,
    close: () => server.shutdown(),
  };
}

export function startSlackSink(): Sink {
  const received: Received[] = [];
  const flakySeen = new Set<string>();
  const text = (body: string, status: number) => new Response(body, { status, headers: { 'content-type': 'text/plain' } });
  return serve((req, body) => {
    const path = new URL(req.url).pathname;
    const behaviour = path.split('/').pop()?.split('-')[0] ?? '';
    if (req.method !== 'POST' || !path.startsWith('/services/')) return text('invalid_token', 403);
    if (behaviour === 'revoked') return text('no_service', 404);
    if (behaviour === 'archived') return text('channel_is_archived', 410);
    if (behaviour === 'moved') return new Response(null, { status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data/' } });
    if (behaviour === 'flaky' && !flakySeen.has(path)) {
      flakySeen.add(path);
      return text('rollup_error', 500);
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return text('invalid_payload', 400);
    }
    const problem = slackProblem(payload);
    return problem ? text(problem, 400) : text('ok', 200);
  }, received);
}

export function startWebhookSink(secretFor: (path: string) => string | undefined): Sink {
  const received: Received[] = [];
  const verified = async (req: Request, body: string): Promise<boolean> => {
    const ts = req.headers.get('x-flowlens-timestamp') ?? '';
    const sig = req.headers.get('x-flowlens-signature') ?? '';
    const secret = secretFor(new URL(req.url).pathname);
    if (!secret || !/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
    return sig === `sha256=${toHex(await hmacSha256(secret, `${ts}.${body}`))}`;
  };
  // Deno.serve's handler may be async, but serve() above keeps one synchronous decision point; the
  // signature check is async, so this sink records and answers itself.
  let port = 0;
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: (a) => { port = a.port; } }, async (req) => {
    const body = await req.text();
    const ok = await verified(req, body);
    let json: unknown = null;
    try {
      json = JSON.parse(body);
    } catch {
      json = null;
    }
    const status = ok ? 200 : 401;
    received.push({ path: new URL(req.url).pathname, headers: Object.fromEntries(req.headers), body, json, answer: status });
    return new Response(JSON.stringify(ok ? { received: true } : { error: 'bad signature' }), { status, headers: { 'content-type': 'application/json' } });
  });
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    received,
    close: () => server.shutdown(),
  };
}
