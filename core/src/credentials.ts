/**
 * The stored form of a site credential (a password a flow types, `{{secret:NAME}}`), the one
 * implementation used by both sides of the boundary: the `credentials` edge function encrypts
 * (Deno), the worker and `flowlens check` decrypt (Node). WebCrypto only (`globalThis.crypto.subtle`,
 * Node 20+ and Deno), no imports, so Deno loads this file as it is.
 *
 *   v1.<iv: 12 bytes, base64>.<ciphertext followed by the 16-byte GCM tag, base64>
 *
 * AES-256-GCM under FLOWLENS_CREDENTIALS_KEY (32 bytes, base64; `openssl rand -base64 32`), a fresh
 * random IV per value. The layout is WebCrypto's own output (tag appended), which is also what the
 * earlier node:crypto implementation wrote (core/src/fixtures/credential-v1.json proves it still
 * decrypts). Errors never contain the value or the key.
 */

export const CREDENTIAL_VERSION = 'v1';
export const CREDENTIAL_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A credential key or stored value that cannot be used; the message says what to do. */
export class CredentialError extends Error {
  override name = 'CredentialError';
}

const KEY_HINT = 'FLOWLENS_CREDENTIALS_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32).';

function fromBase64(text: string): Uint8Array | null {
  const clean = text.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) return null;
  try {
    return Uint8Array.from(atob(clean), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** The 32 key bytes from FLOWLENS_CREDENTIALS_KEY's base64 text; CredentialError when it is not that. */
export function parseCredentialKey(base64: string): Uint8Array {
  const key = fromBase64(base64);
  if (!key) throw new CredentialError(`FLOWLENS_CREDENTIALS_KEY is not valid base64. ${KEY_HINT}`);
  if (key.length !== CREDENTIAL_KEY_BYTES) throw new CredentialError(KEY_HINT);
  return key;
}

async function aesKey(key: string | Uint8Array, use: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  const bytes = typeof key === 'string' ? parseCredentialKey(key) : key;
  if (bytes.length !== CREDENTIAL_KEY_BYTES) throw new CredentialError(KEY_HINT);
  return globalThis.crypto.subtle.importKey('raw', bytes as BufferSource, { name: 'AES-GCM' }, false, [use]);
}

/** Encrypts one value into the v1 layout. `key`: FLOWLENS_CREDENTIALS_KEY's base64 text or its bytes. */
export async function encryptCredential(value: string, key: string | Uint8Array): Promise<string> {
  const k = await aesKey(key, 'encrypt');
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const data = new Uint8Array(
    await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, tagLength: TAG_BYTES * 8 }, k, new TextEncoder().encode(value)),
  );
  return `${CREDENTIAL_VERSION}.${toBase64(iv)}.${toBase64(data)}`;
}

/** Decrypts a stored v1 value; CredentialError on another layout, a wrong key or altered bytes. */
export async function decryptCredential(stored: string, key: string | Uint8Array): Promise<string> {
  const parts = stored.split('.');
  const [version, ivB64, dataB64] = parts;
  if (parts.length !== 3 || version !== CREDENTIAL_VERSION || !ivB64 || !dataB64) {
    throw new CredentialError('A stored credential is not in the v1.<iv>.<data> format; store it again from the extension or dashboard.');
  }
  const iv = fromBase64(ivB64);
  const data = fromBase64(dataB64);
  if (!iv || !data || iv.length !== IV_BYTES || data.length < TAG_BYTES + 1) {
    throw new CredentialError('A stored credential is truncated or damaged; store it again.');
  }
  const k = await aesKey(key, 'decrypt');
  let plain: ArrayBuffer;
  try {
    plain = await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv as BufferSource, tagLength: TAG_BYTES * 8 }, k, data as BufferSource);
  } catch {
    throw new CredentialError(
      'A stored credential could not be decrypted: FLOWLENS_CREDENTIALS_KEY differs from the key it was stored with, or the stored value was altered.',
    );
  }
  return new TextDecoder().decode(plain);
}

/**
 * Decrypts the named credentials a job carries, up front, into a synchronous lookup for the replay.
 * A credential's problem (no key on this worker, a value that does not decrypt) surfaces only when
 * a step asks for that name, naming the credential, never its value.
 */
export async function credentialLookup(
  stored: readonly { name: string; ciphertext: string }[],
  keyBase64: string | undefined,
): Promise<(name: string) => string | undefined> {
  const values = new Map<string, { value: string } | { error: CredentialError }>();
  for (const entry of stored) {
    if (values.has(entry.name)) continue;
    if (!keyBase64) {
      values.set(entry.name, { error: new CredentialError(`The flow needs the credential ${entry.name}, but this worker has no FLOWLENS_CREDENTIALS_KEY.`) });
      continue;
    }
    try {
      values.set(entry.name, { value: await decryptCredential(entry.ciphertext, keyBase64) });
    } catch (e) {
      values.set(entry.name, { error: e instanceof CredentialError ? e : new CredentialError('A stored credential could not be decrypted.') });
    }
  }
  return (name) => {
    const found = values.get(name);
    if (!found) return undefined;
    if ('error' in found) throw found.error;
    return found.value;
  };
}
