/**
 * Site credentials for flows that sign in. The `credentials` edge function encrypts each value with
 * AES-256-GCM under FLOWLENS_CREDENTIALS_KEY (base64, 32 bytes) and stores
 * `v1.<iv, base64>.<ciphertext followed by the 16-byte tag, base64>` — WebCrypto's output layout.
 * Only the function and the crawler hold the key; values are decrypted here, per job, in memory.
 */
import { createDecipheriv, createCipheriv, randomBytes } from 'node:crypto';

export class CredentialError extends Error {}

function keyFrom(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new CredentialError('FLOWLENS_CREDENTIALS_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32).');
  return key;
}

export function decryptCredential(stored: string, keyBase64: string): string {
  const [version, ivB64, dataB64] = stored.split('.');
  if (version !== 'v1' || !ivB64 || !dataB64) throw new CredentialError('A stored credential is not in the v1.<iv>.<data> format; store it again from the extension or dashboard.');
  const iv = Buffer.from(ivB64, 'base64');
  const data = Buffer.from(dataB64, 'base64');
  if (iv.length !== 12 || data.length < 17) throw new CredentialError('A stored credential is truncated; store it again.');
  const decipher = createDecipheriv('aes-256-gcm', keyFrom(keyBase64), iv);
  decipher.setAuthTag(data.subarray(data.length - 16));
  try {
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    throw new CredentialError('A stored credential could not be decrypted: FLOWLENS_CREDENTIALS_KEY differs from the key it was stored with.');
  }
}

/** The same format, for tests and for seeding local demo credentials. */
export function encryptCredential(value: string, keyBase64: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(keyBase64), iv);
  const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `v1.${iv.toString('base64')}.${data.toString('base64')}`;
}

/** Decrypts the named credentials a job carries into a lookup; errors name the credential, never its value. */
export function credentialLookup(stored: readonly { name: string; ciphertext: string }[], keyBase64: string | undefined): (name: string) => string | undefined {
  const cache = new Map<string, string>();
  return (name) => {
    if (cache.has(name)) return cache.get(name);
    const entry = stored.find((c) => c.name === name);
    if (!entry) return undefined;
    if (!keyBase64) throw new CredentialError(`The flow needs the credential ${name}, but this worker has no FLOWLENS_CREDENTIALS_KEY.`);
    const value = decryptCredential(entry.ciphertext, keyBase64);
    cache.set(name, value);
    return value;
  };
}
