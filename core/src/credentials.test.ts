import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CredentialError, credentialLookup, decryptCredential, encryptCredential, parseCredentialKey } from './credentials.ts';
import fixture from './fixtures/credential-v1.json';

const key = Buffer.alloc(32, 7).toString('base64');
const otherKey = Buffer.alloc(32, 8).toString('base64');

/** The first implementation's encryption (node:crypto), kept here to prove the layouts agree. */
function nodeEncrypt(value: string, keyBase64: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyBase64, 'base64'), iv);
  const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `v1.${iv.toString('base64')}.${data.toString('base64')}`;
}

function nodeDecrypt(stored: string, keyBase64: string): string {
  const [, ivB64, dataB64] = stored.split('.');
  const data = Buffer.from(dataB64!, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(keyBase64, 'base64'), Buffer.from(ivB64!, 'base64'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}

describe('credential format v1 (WebCrypto)', () => {
  it('round-trips text, including non-ASCII, with a fresh IV each time', async () => {
    const a = await encryptCredential('s3cret — ✓', key);
    const b = await encryptCredential('s3cret — ✓', key);
    expect(a).toMatch(/^v1\.[A-Za-z0-9+/]{16}\.[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await decryptCredential(a, key)).toBe('s3cret — ✓');
    expect(await decryptCredential(b, parseCredentialKey(key))).toBe('s3cret — ✓');
  });

  it('still decrypts a value stored by the old node:crypto implementation (fixture), and node:crypto reads ours', async () => {
    expect(await decryptCredential(fixture.stored, fixture.key)).toBe(fixture.value);
    expect(await decryptCredential(nodeEncrypt('from node', key), key)).toBe('from node');
    expect(nodeDecrypt(await encryptCredential('from webcrypto', key), key)).toBe('from webcrypto');
  });

  it('refuses a wrong key and a tampered value with a clear error that never carries the value', async () => {
    const stored = await encryptCredential('s3cret-value', key);
    await expect(decryptCredential(stored, otherKey)).rejects.toThrow(/differs from the key it was stored with/);
    const [v, iv, data] = stored.split('.');
    const flipped = Buffer.from(data!, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    const tampered = `${v}.${iv}.${flipped.toString('base64')}`;
    const error = await decryptCredential(tampered, key).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as Error).message).toMatch(/altered/);
    expect((error as Error).message).not.toContain('s3cret');
    await expect(decryptCredential('plain', key)).rejects.toThrow(/v1\.<iv>\.<data>/);
    await expect(decryptCredential('v1.AAAA.AAAA', key)).rejects.toThrow(/truncated/);
    await expect(decryptCredential('v1.!!!.???', key)).rejects.toThrow(/truncated or damaged/);
  });

  it('refuses a key that is not 32 bytes of base64', async () => {
    expect(() => parseCredentialKey('not base64!')).toThrow(/not valid base64/);
    expect(() => parseCredentialKey(Buffer.alloc(16).toString('base64'))).toThrow(/must be 32 bytes/);
    await expect(encryptCredential('x', Buffer.alloc(31).toString('base64'))).rejects.toThrow(CredentialError);
  });

  it('looks up by name; a missing key or an undecryptable value fails only for the credential that is used', async () => {
    const stored = [
      { name: 'PASSWORD', ciphertext: await encryptCredential('pw', key) },
      { name: 'BROKEN', ciphertext: await encryptCredential('x', otherKey) },
    ];
    const lookup = await credentialLookup(stored, key);
    expect(lookup('PASSWORD')).toBe('pw');
    expect(lookup('OTHER')).toBeUndefined();
    expect(() => lookup('BROKEN')).toThrow(/differs from the key/);
    const keyless = await credentialLookup([{ name: 'PASSWORD', ciphertext: 'v1.x.y' }], undefined);
    expect(keyless('OTHER')).toBeUndefined();
    expect(() => keyless('PASSWORD')).toThrow(/credential PASSWORD, but this worker has no FLOWLENS_CREDENTIALS_KEY/);
  });
});
