/**
 * Signed unsubscribe tokens: `<recipient id>.<kind>.<base64url HMAC-SHA256>` with
 * FLOWLENS_UNSUBSCRIBE_SECRET. kind is instant, daily, weekly or all. They do not expire (an
 * unsubscribe link in an old email must keep working); rotating the secret invalidates them all.
 */
import { base64url, fromBase64url, hmacSha256, safeEqual } from './crypto.ts';
import { requireEnv } from './env.ts';

export const UNSUBSCRIBE_KINDS = ['instant', 'daily', 'weekly', 'all'] as const;
export type UnsubscribeKind = (typeof UNSUBSCRIBE_KINDS)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function secret(explicit?: string): string {
  return explicit ?? requireEnv('FLOWLENS_UNSUBSCRIBE_SECRET');
}

export async function signUnsubscribe(recipientId: string, kind: UnsubscribeKind, key?: string): Promise<string> {
  const mac = await hmacSha256(secret(key), `flowlens-unsubscribe:v1:${recipientId}:${kind}`);
  return `${recipientId}.${kind}.${base64url(mac)}`;
}

export async function verifyUnsubscribe(token: string, key?: string): Promise<{ recipientId: string; kind: UnsubscribeKind } | null> {
  const [recipientId, kind, sig, ...rest] = token.split('.');
  if (rest.length > 0 || !recipientId || !kind || !sig) return null;
  if (!UUID.test(recipientId) || !(UNSUBSCRIBE_KINDS as readonly string[]).includes(kind)) return null;
  const given = fromBase64url(sig);
  if (!given) return null;
  const expected = await hmacSha256(secret(key), `flowlens-unsubscribe:v1:${recipientId}:${kind}`);
  return safeEqual(expected, given) ? { recipientId, kind: kind as UnsubscribeKind } : null;
}
