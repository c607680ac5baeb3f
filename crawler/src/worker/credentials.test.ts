import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { credentialLookup, decryptCredential, encryptCredential } from './credentials.ts';

const key = Buffer.alloc(32, 7).toString('base64');

describe('credentials', () => {
  it('decrypts what WebCrypto (the Deno edge function) encrypts', async () => {
    const raw = await webcrypto.subtle.importKey('raw', Buffer.from(key, 'base64'), 'AES-GCM', false, ['encrypt']);
    const iv = webcrypto.getRandomValues(new Uint8Array(12));
    const data = new Uint8Array(await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv }, raw, new TextEncoder().encode('hunter2!')));
    const stored = `v1.${Buffer.from(iv).toString('base64')}.${Buffer.from(data).toString('base64')}`;
    expect(decryptCredential(stored, key)).toBe('hunter2!');
  });

  it('round-trips, and refuses a wrong key or a tampered value without echoing it', () => {
    const stored = encryptCredential('s3cret-value', key);
    expect(decryptCredential(stored, key)).toBe('s3cret-value');
    const other = Buffer.alloc(32, 8).toString('base64');
    expect(() => decryptCredential(stored, other)).toThrow(/differs from the key/);
    const [v, iv, data] = stored.split('.');
    const flipped = Buffer.from(data!, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    try {
      decryptCredential(`${v}.${iv}.${flipped.toString('base64')}`, key);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cret');
    }
    expect(() => decryptCredential('plain', key)).toThrow(/v1/);
  });

  it('looks up by name and needs a key only when a credential is used', () => {
    const lookup = credentialLookup([{ name: 'PASSWORD', ciphertext: encryptCredential('pw', key) }], key);
    expect(lookup('PASSWORD')).toBe('pw');
    expect(lookup('OTHER')).toBeUndefined();
    const keyless = credentialLookup([{ name: 'PASSWORD', ciphertext: 'v1.x.y' }], undefined);
    expect(() => keyless('PASSWORD')).toThrow(/FLOWLENS_CREDENTIALS_KEY/);
  });
});
