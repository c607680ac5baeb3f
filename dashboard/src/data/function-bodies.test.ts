/**
 * The bodies the dashboard sends to edge functions pass the schemas the functions parse them with
 * (core/src/edge-functions.ts), and what the functions answer is read with core's answer schemas.
 */
import { ChannelTestRequestSchema, CredentialRemoveRequestSchema, CredentialStoreRequestSchema } from '@flowlens/core/edge-functions';
import { describe, expect, it, vi } from 'vitest';
import type { Db } from '../lib/supabase.tsx';
import { testChannel } from './alerts.ts';
import { credentialRemoveBody, credentialStoreBody, fetchCredentialNames, removeCredential, storeCredential } from './credentials.ts';

const SITE = '00000000-0000-4000-8000-000000000001';

/** The body of the first `functions.invoke` call. */
const sentBody = (invoke: ReturnType<typeof vi.fn>): unknown => (invoke.mock.calls[0]?.[1] as { body?: unknown } | undefined)?.body;

function fakeDb(answer: { data: unknown; error: unknown }) {
  const invoke = vi.fn(async () => answer);
  return { db: { functions: { invoke } } as unknown as Db, invoke };
}

describe('edge function bodies the dashboard builds', () => {
  it('credentials: the store and remove bodies are what the function accepts', async () => {
    expect(CredentialStoreRequestSchema.parse(credentialStoreBody(SITE, 'PASSWORD', 'hunter2 ✓'))).toEqual({ site_id: SITE, name: 'PASSWORD', value: 'hunter2 ✓' });
    expect(CredentialRemoveRequestSchema.parse(credentialRemoveBody(SITE, 'PASSWORD'))).toEqual({ site_id: SITE, name: 'PASSWORD' });

    const store = fakeDb({ data: { stored: true, name: 'PASSWORD' }, error: null });
    await storeCredential(store.db, SITE, 'PASSWORD', 'hunter2');
    expect(CredentialStoreRequestSchema.safeParse(sentBody(store.invoke)).success).toBe(true);
    const remove = fakeDb({ data: { deleted: true, name: 'PASSWORD' }, error: null });
    await removeCredential(remove.db, SITE, 'PASSWORD');
    expect(CredentialRemoveRequestSchema.safeParse(sentBody(remove.invoke)).success).toBe(true);
  });

  it('credentials: answers are read with core’s schemas, anything else is refused', async () => {
    expect(await fetchCredentialNames(fakeDb({ data: { names: ['API_TOKEN'] }, error: null }).db, SITE)).toEqual(['API_TOKEN']);
    await expect(fetchCredentialNames(fakeDb({ data: { names: ['<img src=x>'] }, error: null }).db, SITE)).rejects.toThrow('FlowLens answered something unexpected.');
    await expect(storeCredential(fakeDb({ data: { stored: 'yes' }, error: null }).db, SITE, 'PASSWORD', 'x')).rejects.toThrow('FlowLens answered something unexpected.');
    // A refusal's sentence is the function's own `{ error }`.
    const refused = Object.assign(new Error('non-2xx'), { context: new Response(JSON.stringify({ error: '`name` must be 1–64 capital letters, digits or underscores (like PASSWORD).' }), { status: 400 }) });
    await expect(storeCredential(fakeDb({ data: null, error: refused }).db, SITE, 'PASSWORD', 'x')).rejects.toThrow('`name` must be 1–64');
  });

  it('channels: the test body is what the function accepts, and the answer is parsed', async () => {
    const id = '00000000-0000-4000-8000-000000000009';
    const { db, invoke } = fakeDb({ data: { ok: false, status: 404, answer: 'no_service' }, error: null });
    expect(await testChannel(db, id)).toEqual({ ok: false, status: 404, answer: 'no_service' });
    expect(ChannelTestRequestSchema.parse(sentBody(invoke))).toEqual({ channel_id: id });
    await expect(testChannel(fakeDb({ data: { ok: 'sure' }, error: null }).db, id)).rejects.toThrow('FlowLens answered something unexpected.');
  });
});
