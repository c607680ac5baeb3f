/**
 * core's credential format (core/src/credentials.ts) under Deno, where the `credentials` function
 * runs it: a round trip, the value the old node:crypto implementation stored (the fixture core's
 * Node tests read too), and clear errors for a wrong key or altered bytes. No stack needed.
 */
import { assert, assertEquals } from './testing.ts';
import { CredentialError, decryptCredential, encryptCredential, parseCredentialKey } from '../../../core/src/credentials.ts';

const fixture = JSON.parse(await Deno.readTextFile(new URL('../../../core/src/fixtures/credential-v1.json', import.meta.url))) as {
  key: string;
  value: string;
  stored: string;
};

function randomKey(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

Deno.test('credential format: round trip under Deno, a fresh IV each time', async () => {
  const key = randomKey();
  const a = await encryptCredential('s3cret — ✓', key);
  const b = await encryptCredential('s3cret — ✓', parseCredentialKey(key));
  assert(/^v1\.[A-Za-z0-9+/]{16}\.[A-Za-z0-9+/=]+$/.test(a), a);
  assert(a !== b, 'two encryptions differ');
  assertEquals(await decryptCredential(a, key), 's3cret — ✓');
  assertEquals(await decryptCredential(b, key), 's3cret — ✓');
});

Deno.test('credential format: a value stored by the old node:crypto implementation still decrypts', async () => {
  assertEquals(await decryptCredential(fixture.stored, fixture.key), fixture.value);
});

Deno.test('credential format: a wrong key or tampered bytes is a clear CredentialError without the value', async () => {
  const key = randomKey();
  const stored = await encryptCredential('s3cret-value', key);
  const wrong = await failure(decryptCredential(stored, randomKey()));
  assert(wrong instanceof CredentialError);
  assert(/differs from the key it was stored with/.test(wrong.message), wrong.message);
  const [v, iv, data] = stored.split('.');
  const bytes = Uint8Array.from(atob(data!), (c) => c.charCodeAt(0));
  bytes[0] = bytes[0]! ^ 1;
  const tampered = await failure(decryptCredential(`${v}.${iv}.${btoa(String.fromCharCode(...bytes))}`, key));
  assert(tampered instanceof CredentialError);
  assert(/altered/.test(tampered.message) && !tampered.message.includes('s3cret'), tampered.message);
  const notV1 = await failure(decryptCredential('plain', key));
  assert(/v1\.<iv>\.<data>/.test(notV1.message), notV1.message);
});
