import { describe, expect, it } from 'vitest';
import { CredentialError, credentialLookup, decryptCredential, encryptCredential, parseCredentialKey } from './credentials.ts';
import fixture from './fixtures/credential-v1.json';

// core has no Node types: plain base64 helpers (the Node interop is tested in crawler/src/worker/credentials.test.ts).
const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const key = b64(new Uint8Array(32).fill(7));
const otherKey = b64(new Uint8Array(32).fill(8));

describe('credential format v1 (WebCrypto)', () => {
  it('round-trips text, including non-ASCII, with a fresh IV each time', async () => {
    const a = await encryptCredential('s3cret — ✓', key);
    const b = await encryptCredential('s3cret — ✓', key);
    expect(a).toMatch(/^v1\.[A-Za-z0-9+/]{16}\.[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await decryptCredential(a, key)).toBe('s3cret — ✓');
    expect(await decryptCredential(b, parseCredentialKey(key))).toBe('s3cret — ✓');
  });

  it('still decrypts a value stored by the old node:crypto implementation (fixture)', async () => {
    expect(await decryptCredential(fixture.stored, fixture.key)).toBe(fixture.value);
  });

  it('refuses a wrong key and a tampered value with a clear error that never carries the value', async () => {
    const stored = await encryptCredential('s3cret-value', key);
    await expect(decryptCredential(stored, otherKey)).rejects.toThrow(/differs from the key it was stored with/);
    const [v, iv, data] = stored.split('.');
    const flipped = unb64(data!);
    flipped[0] = flipped[0]! ^ 1;
    const tampered = `${v}.${iv}.${b64(flipped)}`;
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
    expect(() => parseCredentialKey(b64(new Uint8Array(16)))).toThrow(/must be 32 bytes/);
    await expect(encryptCredential('x', b64(new Uint8Array(31)))).rejects.toThrow(CredentialError);
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
