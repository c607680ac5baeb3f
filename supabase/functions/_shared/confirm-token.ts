/**
 * Signed confirmation links for external alert recipients (issue 14): `<recipient id>.<base64url
 * HMAC-SHA256>` over the recipient id and its address, keyed with FLOWLENS_UNSUBSCRIBE_SECRET (the
 * same secret as unsubscribe links, with its own prefix so one token can never pass for the other).
 * The address is inside the signature, not the token: when an admin points the row at another
 * address, every link sent to the old one stops working. A re-sent email carries the same link.
 */
import { base64url, fromBase64url, hmacSha256, safeEqual } from './crypto.ts';
import { requireEnv } from './env.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function message(recipientId: string, email: string): string {
  return `flowlens-confirm-recipient:v1:${recipientId}:${email.toLowerCase()}`;
}

export async function signConfirmation(recipientId: string, email: string, key?: string): Promise<string> {
  const mac = await hmacSha256(key ?? requireEnv('FLOWLENS_UNSUBSCRIBE_SECRET'), message(recipientId, email));
  return `${recipientId}.${base64url(mac)}`;
}

/** The recipient id a token names, before its signature is checked against the row's address. */
export function confirmationRecipient(token: string): string | null {
  const [recipientId, sig, ...rest] = token.split('.');
  if (rest.length > 0 || !recipientId || !sig || !UUID.test(recipientId) || sig.length > 100) return null;
  return recipientId;
}

/** True when the token was signed for this recipient and this address. */
export async function verifyConfirmation(token: string, email: string, key?: string): Promise<boolean> {
  const recipientId = confirmationRecipient(token);
  const given = fromBase64url(token.split('.')[1] ?? '');
  if (!recipientId || !given) return false;
  const expected = await hmacSha256(key ?? requireEnv('FLOWLENS_UNSUBSCRIBE_SECRET'), message(recipientId, email));
  return safeEqual(expected, given);
}
