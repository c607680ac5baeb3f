/**
 * FlowLens's webhook signature, used both ways: deploy webhooks we receive and channel webhooks we
 * send. `X-FlowLens-Timestamp: <unix seconds>` and `X-FlowLens-Signature: sha256=<hex HMAC-SHA256 of
 * "<timestamp>.<raw body>">` keyed with the shared secret; receivers reject timestamps more than five
 * minutes off (replays).
 */
import { hmacSha256, toHex } from './crypto.ts';

export const TIMESTAMP_HEADER = 'x-flowlens-timestamp';
export const SIGNATURE_HEADER = 'x-flowlens-signature';
export const MAX_SKEW_SECONDS = 5 * 60;

export async function signDelivery(secret: string, timestamp: string, body: string): Promise<string> {
  return `sha256=${toHex(await hmacSha256(secret, `${timestamp}.${body}`))}`;
}
