/**
 * `deploy-webhook`: POST /functions/v1/deploy-webhook/<site id>
 *
 *   X-FlowLens-Timestamp: <unix seconds>
 *   X-FlowLens-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the site's webhook secret>
 *   { "commit_sha": "abc123", "branch": "main", "environment": "production", "timestamp": "…" }
 *
 * No JWT (verify_jwt = false): the signature is the authentication. Answers
 *   202 { deployEventId, runId, merged }  stored, and a deploy-triggered crawl is queued; merged:
 *                                  true when a deploy run of the site was still queued and now
 *                                  crawls this deploy too (runId is that run)
 *   400 malformed body             401 missing/bad signature, or a timestamp more than 5 min off
 *   404 unknown site               409 this exact delivery was already received (replay), or
 *                                  crawling is turned off for the site (nothing stored)
 *   413 body over 64 KB            405 not POST
 *   429 too many deliveries or deploy crawls for the site this hour (Retry-After; nothing stored)
 */
import { json, preflight } from '../_shared/cors.ts';
import { hmacSha256, fromHex, safeEqual, sha256Hex } from '../_shared/crypto.ts';
import { db } from '../_shared/db.ts';
import { MAX_SKEW_SECONDS, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../_shared/signature.ts';
import { parseText, readText } from '../_shared/body.ts';
import { DEPLOY_SENTENCES, DEPLOY_WEBHOOK_LIMITS, type DeployWebhookResponse, DeployWebhookRequestSchema, EDGE_UUID } from '../../../core/src/edge-functions.ts';

// The signing scheme is shared with the webhooks FlowLens sends (alert channels, issue 18).
export { MAX_SKEW_SECONDS, SIGNATURE_HEADER, signDelivery, TIMESTAMP_HEADER } from '../_shared/signature.ts';

export const MAX_BODY_BYTES = DEPLOY_WEBHOOK_LIMITS.maxBodyBytes;

export function handler(req: Request): Promise<Response> {
  return handleDeploy(req, new Date());
}

export async function handleDeploy(req: Request, now: Date): Promise<Response> {
  const pre = preflight(req);
  if (pre) return pre;
  if (req.method !== 'POST') return json({ error: 'Use POST.' }, 405, { allow: 'POST' });

  const parts = new URL(req.url).pathname.split('/').filter(Boolean);
  const siteId = parts[parts.indexOf('deploy-webhook') + 1] ?? '';

  // The bytes first (capped), the JSON only once the signature over them is good.
  const read = await readText(req, { maxBytes: MAX_BODY_BYTES, tooLarge: { status: 413, error: DEPLOY_SENTENCES.tooLarge } });
  if (!read.ok) return read.response;
  const bodyText = read.value;
  if (!EDGE_UUID.test(siteId)) return json({ error: 'Unknown site. POST to /functions/v1/deploy-webhook/<site id>.' }, 404);

  const pool = db();
  const secretRow = await pool.query<{ webhook_secret: string }>(
    'select webhook_secret from public.site_secrets where site_id = $1',
    [siteId],
  );
  const secret = secretRow.rows[0]?.webhook_secret;
  if (!secret) return json({ error: 'Unknown site.' }, 404);

  const timestamp = req.headers.get(TIMESTAMP_HEADER)?.trim() ?? '';
  const signature = req.headers.get(SIGNATURE_HEADER)?.trim() ?? '';
  if (!/^\d{1,12}$/.test(timestamp)) return json({ error: `Missing or malformed ${TIMESTAMP_HEADER} header (unix seconds).` }, 401);
  const sigHex = /^sha256=([0-9a-fA-F]{64})$/.exec(signature)?.[1];
  if (!sigHex) return json({ error: `Missing or malformed ${SIGNATURE_HEADER} header (sha256=<hex>).` }, 401);

  const expected = await hmacSha256(secret, `${timestamp}.${bodyText}`);
  if (!safeEqual(expected, fromHex(sigHex)!)) return json({ error: 'Bad signature.' }, 401);

  const sentAt = new Date(Number(timestamp) * 1000);
  if (Math.abs(now.getTime() - sentAt.getTime()) > MAX_SKEW_SECONDS * 1000) {
    return json({ error: 'Stale timestamp: deliveries must be sent within 5 minutes of being signed.' }, 401);
  }

  // core's contract for the body (core/src/edge-functions.ts); the object is stored as it was sent.
  const parsed = parseText(bodyText, DeployWebhookRequestSchema, { notJson: DEPLOY_SENTENCES.notObject });
  if (!parsed.ok) return parsed.response;
  const { data: deploy, raw: payload } = parsed.value;

  const deliveryId = await sha256Hex(sigHex.toLowerCase());
  const { rows } = await pool.query<{ outcome: unknown }>(
    'select private.accept_deploy($1, $2, $3, $4, $5, $6, $7) as outcome',
    [siteId, deploy.commit_sha, deploy.branch, deploy.environment, deliveryId, sentAt.toISOString(), payload],
  );
  const outcome = readOutcome(rows[0]?.outcome);
  switch (outcome.status) {
    case 'queued':
    case 'merged':
    {
      const accepted: DeployWebhookResponse = { deployEventId: outcome.deployEventId, runId: outcome.runId, trigger: 'deploy', merged: outcome.status === 'merged' };
      return json(accepted, 202);
    }
    case 'replay':
    case 'disabled':
      return json({ error: outcome.message }, 409);
    case 'rate_limited':
      return json({ error: outcome.message, retryAfter: outcome.retryAfter }, 429, { 'retry-after': String(outcome.retryAfter) });
  }
}

type Outcome =
  | { status: 'queued' | 'merged'; deployEventId: string; runId: string }
  | { status: 'replay' | 'disabled'; message: string }
  | { status: 'rate_limited'; message: string; retryAfter: number };

/** private.accept_deploy's answer, checked (it is our own SQL, but a drift must not become a 202). */
function readOutcome(v: unknown): Outcome {
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');
  switch (o.status) {
    case 'queued':
    case 'merged':
      if (str('deployEventId') && str('runId')) return { status: o.status, deployEventId: str('deployEventId'), runId: str('runId') };
      break;
    case 'replay':
    case 'disabled':
      return { status: o.status, message: str('message') };
    case 'rate_limited':
      return { status: 'rate_limited', message: str('message'), retryAfter: typeof o.retryAfter === 'number' && o.retryAfter > 0 ? Math.ceil(o.retryAfter) : 60 };
  }
  throw new Error(`accept_deploy answered something unexpected: ${JSON.stringify(v).slice(0, 200)}`);
}
