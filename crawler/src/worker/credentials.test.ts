/**
 * The worker decrypts with core's WebCrypto credential format (core/src/credentials.ts). Here, in
 * Node: node:crypto's AES-256-GCM (the worker's implementation before issue 16) and core agree on
 * the v1 layout in both directions, so values stored before and after the change all decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { decryptCredential, encryptCredential } from '@flowlens/core';
import { describe, expect, it } from 'vitest';

const key = randomBytes(32).toString('base64');

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

describe('credentials: core (WebCrypto) and node:crypto agree on v1', () => {
  it('decrypts what node:crypto encrypted, and node:crypto decrypts what core encrypted', async () => {
    expect(await decryptCredential(nodeEncrypt('from node — ✓', key), key)).toBe('from node — ✓');
    expect(nodeDecrypt(await encryptCredential('from webcrypto — ✓', key), key)).toBe('from webcrypto — ✓');
  });
});
