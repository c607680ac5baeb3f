/**
 * Request bodies are core's contract (issue 16, core/src/edge-functions.ts): _shared/body.ts reads
 * them under a byte cap (with or without Content-Length), and every function refuses a malformed
 * body with a 400 naming each problem in its own sentences, before any database call — while the
 * bodies the dashboard, the extension and the stack's timers build still pass.
 */
import { z } from 'zod';
import {
  CHANNEL_SENTENCES,
  CREDENTIAL_SENTENCES,
  CredentialNamesResponseSchema,
  type CredentialRemoveRequest,
  type CredentialStoreRequest,
  DEPLOY_SENTENCES,
  type DeployWebhookRequest,
  DeployWebhookResponseSchema,
  LABEL_STEPS_SENTENCES,
  type LabelStepsRequest,
  type NotifyRequest,
  type ScheduleRequest,
  ScheduleResponseSchema,
  TIMER_SENTENCES,
} from '../../../core/src/edge-functions.ts';
import { createHandler as createLabelSteps } from '../label-steps/handler.ts';
import { signDelivery } from '../deploy-webhook/handler.ts';
import { parseText, readBody } from './body.ts';
import { assert, assertEquals, callFunction, createSite, signUpUser, STACK_TEST, stackInfo, testDb } from './testing.ts';

const Demo = z.object({ name: z.string({ error: 'Say a name.' }).min(1, 'Say a name.'), tags: z.array(z.string({ error: 'Tag {index} is not text.' })).optional() }, { error: 'Send an object.' });
const RULES = { maxBytes: 64, tooLarge: { status: 413, error: 'Too big.' }, notJson: 'Not JSON.' };

async function answer(res: Response): Promise<{ status: number; body: { error?: string } & Record<string, unknown> }> {
  return { status: res.status, body: await res.json() };
}

/** A request whose body is a stream: no Content-Length to trust. */
function streamed(text: string): Request {
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += 16) c.enqueue(bytes.subarray(i, i + 16));
      c.close();
    },
  });
  return new Request('http://local/x', { method: 'POST', body, duplex: 'half' } as RequestInit);
}

Deno.test('body: read under the cap, parsed, checked; each refusal names its problem', async () => {
  const ok = await readBody(new Request('http://local/x', { method: 'POST', body: '{"name":"a","extra":1}' }), Demo, RULES);
  assertEquals(ok.ok && ok.value, { name: 'a' });

  const big = await readBody(streamed(JSON.stringify({ name: 'x'.repeat(100) })), Demo, RULES);
  assert(!big.ok);
  assertEquals(await answer(big.response), { status: 413, body: { error: 'Too big.' } });
  const declared = await readBody(new Request('http://local/x', { method: 'POST', body: 'x'.repeat(65) }), Demo, RULES);
  assert(!declared.ok);
  assertEquals((await answer(declared.response)).status, 413);

  const notJson = parseText('{name:', Demo, RULES);
  assert(!notJson.ok);
  assertEquals(await answer(notJson.response), { status: 400, body: { error: 'Not JSON.' } });
  const empty = parseText('  ', Demo, RULES);
  assert(!empty.ok, 'an empty body is not JSON unless the function says what it stands for');
  const emptyAllowed = parseText('', Demo.partial(), { ...RULES, empty: {} });
  assertEquals(emptyAllowed.ok && emptyAllowed.value, { data: {}, raw: {} });

  const wrong = parseText('{"name":"","tags":["a",2,"b",3]}', Demo, RULES);
  assert(!wrong.ok);
  assertEquals(await answer(wrong.response), { status: 400, body: { error: 'Say a name. Tag 1 is not text. Tag 3 is not text.' } });
  const notObject = parseText('[1]', Demo, RULES);
  assert(!notObject.ok);
  assertEquals((await answer(notObject.response)).body, { error: 'Send an object.' });
});

async function credentialsCall(token: string, method: string, body: unknown, path = '') {
  return answer(await callFunction('credentials', { key: null, method, body, path, headers: { apikey: stackInfo().anonKey, authorization: `Bearer ${token}` } }));
}

Deno.test({ name: 'body: credentials names every problem of a body; the dashboard’s and extension’s bodies pass', ...STACK_TEST, async fn() {
  const site = await createSite();
  const owner = await signUpUser();
  await testDb().query(`insert into public.organization_members (organization_id, user_id, role, email) values ($1, $2, 'owner', $3)`, [site.organizationId, owner.id, owner.email]);

  const bad = await credentialsCall(owner.accessToken, 'POST', { site_id: 'nope', name: 'pass word', value: '' });
  assertEquals(bad, { status: 400, body: { error: `${CREDENTIAL_SENTENCES.siteId} ${CREDENTIAL_SENTENCES.name} ${CREDENTIAL_SENTENCES.value}` } });
  assertEquals(await credentialsCall(owner.accessToken, 'DELETE', { site_id: site.siteId }), { status: 400, body: { error: CREDENTIAL_SENTENCES.name } });
  assertEquals(await credentialsCall(owner.accessToken, 'POST', [site.siteId]), { status: 400, body: { error: CREDENTIAL_SENTENCES.notObject } });
  // Over 16 KB is refused before parsing, in the sentence it always had.
  assertEquals(await credentialsCall(owner.accessToken, 'POST', { site_id: site.siteId, name: 'BIG', value: 'x'.repeat(17 * 1024) }), { status: 400, body: { error: CREDENTIAL_SENTENCES.notObject } });
  // A 4096-character value of 3-byte characters still fits under the byte cap.
  const wide: CredentialStoreRequest = { site_id: site.siteId, name: 'WIDE', value: '€'.repeat(4096) };
  assertEquals((await credentialsCall(owner.accessToken, 'POST', wide)).status, 200);

  // dashboard/src/data/credentials.ts and extension/background/credentials.ts send these.
  const store: CredentialStoreRequest = { site_id: site.siteId, name: 'PASSWORD', value: 'hunter2 ✓' };
  assertEquals(await credentialsCall(owner.accessToken, 'POST', store), { status: 200, body: { stored: true, name: 'PASSWORD' } });
  const listed = await credentialsCall(owner.accessToken, 'GET', undefined, `?site_id=${site.siteId}`);
  assertEquals(CredentialNamesResponseSchema.parse(listed.body).names, ['PASSWORD', 'WIDE']);
  const remove: CredentialRemoveRequest = { site_id: site.siteId, name: 'WIDE' };
  assertEquals(await credentialsCall(owner.accessToken, 'DELETE', remove), { status: 200, body: { deleted: true, name: 'WIDE' } });
} });

Deno.test({ name: 'body: channels refuses a malformed body in its own sentences (over 4 KB is a 400, as it was)', ...STACK_TEST, async fn() {
  const user = await signUpUser();
  const call = async (body: unknown) => answer(await callFunction('channels', { key: user.accessToken, body }));
  assertEquals(await call({ channel_id: 'nope' }), { status: 400, body: { error: CHANNEL_SENTENCES.channelId } });
  assertEquals(await call('{"channel_id":'), { status: 400, body: { error: CHANNEL_SENTENCES.notJson } });
  assertEquals(await call({ channel_id: crypto.randomUUID(), padding: 'x'.repeat(5000) }), { status: 400, body: { error: CHANNEL_SENTENCES.tooLarge } });
  // The dashboard's body (dashboard/src/data/alerts.ts) passes: a channel the caller cannot see is a 404.
  assertEquals((await call({ channel_id: crypto.randomUUID() })).status, 404);
} });

Deno.test({ name: 'body: label-steps names the step that is not an object and a missing site, before asking anyone', ...STACK_TEST, async fn() {
  const user = await signUpUser();
  // Claude "configured" at an address nothing listens on: a body refused with 400 never gets that far.
  const handler = createLabelSteps(() => ({ apiKey: 'k', baseURL: 'http://127.0.0.1:9', model: 'm' }));
  const call = async (body: unknown) =>
    answer(await handler(new Request('http://local/label-steps', { method: 'POST', headers: { authorization: `Bearer ${user.accessToken}` }, body: JSON.stringify(body) })));
  assertEquals(await call({ site_id: crypto.randomUUID(), steps: [{ action: 'click' }, 'x', null] }), { status: 400, body: { error: 'Step 1 is not an object. Step 2 is not an object.' } });
  assertEquals(await call({ steps: [{ action: 'click' }] }), { status: 400, body: { error: LABEL_STEPS_SENTENCES.site } });
  assertEquals(await call({ site_id: crypto.randomUUID(), steps: [] }), { status: 400, body: { error: LABEL_STEPS_SENTENCES.steps } });
  assertEquals(await call({ site_id: crypto.randomUUID(), steps: Array.from({ length: 101 }, (_, i) => ({ index: i })) }), { status: 400, body: { error: LABEL_STEPS_SENTENCES.tooManySteps } });
  // The extension's body (extension/background/ai-labels.ts, labelStepsBody) passes the parse: a
  // site of another organisation is then a 403, not a 400.
  const sent: LabelStepsRequest = {
    site_id: crypto.randomUUID(),
    steps: [
      { index: 0, action: 'navigate', label: 'Open the shop', element: null, page: { url: 'https://shop.test/', title: 'Shop' }, url: 'https://shop.test/' },
      { index: 1, action: 'click', label: "Click 'Buy'", element: { tag: 'button', text: 'Buy', attributes: { 'data-testid': 'buy' } }, page: null, screenshot_path: 'screenshots/x/y.png' },
    ],
  };
  assertEquals((await call(sent)).status, 403);
} });

Deno.test({ name: 'body: schedule and notify take no body, or { now, sites }, and name a bad one', ...STACK_TEST, async fn() {
  const schedule = async (body: unknown) => answer(await callFunction('schedule', { body }));
  assertEquals(await schedule({ now: 'yesterday' }), { status: 400, body: { error: TIMER_SENTENCES.now } });
  assertEquals(await schedule('{"now":'), { status: 400, body: { error: TIMER_SENTENCES.notJson } });
  const notify = async (body: unknown) => answer(await callFunction('notify', { body }));
  assertEquals(await notify({ sites: ['nope', 3] }), { status: 400, body: { error: TIMER_SENTENCES.sites } });
  assertEquals(await notify({ now: 'soon', sites: 'all' }), { status: 400, body: { error: `${TIMER_SENTENCES.now} ${TIMER_SENTENCES.sites}` } });
  // What the stack's timers send (stack/src/gateway/timers.ts), at an injected time long ago:
  // accepted, answered in core's shape. (Sites other tests left behind may have a slot then; their
  // runs are whatever schedule queues for them, so only the shape is checked.)
  const tick: ScheduleRequest & NotifyRequest = {};
  const ran = await schedule({ ...tick, now: '2001-01-01T00:00:00Z' } satisfies ScheduleRequest);
  assertEquals(ran.status, 200);
  assertEquals(ScheduleResponseSchema.parse(ran.body).now, '2001-01-01T00:00:00.000Z');
} });

Deno.test({ name: 'body: deploy-webhook names a malformed commit and a body that is not an object', ...STACK_TEST, async fn() {
  const site = await createSite({ crawlEnabled: false });
  const secret = (await testDb().query<{ webhook_secret: string }>('select webhook_secret from public.site_secrets where site_id = $1', [site.siteId])).rows[0]!.webhook_secret;
  const send = async (body: string) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await callFunction('deploy-webhook', {
      key: null,
      path: `/${site.siteId}`,
      body,
      headers: { 'content-type': 'application/json', 'x-flowlens-timestamp': timestamp, 'x-flowlens-signature': await signDelivery(secret, timestamp, body) },
    });
    return answer(res);
  };
  assertEquals(await send('{"commit_sha":"not a sha"}'), { status: 400, body: { error: DEPLOY_SENTENCES.commitSha } });
  assertEquals(await send('["3f9c2e1"]'), { status: 400, body: { error: DEPLOY_SENTENCES.notObject } });
  assertEquals(await send('3f9c2e1'), { status: 400, body: { error: DEPLOY_SENTENCES.notObject } });
  // The body of the dashboard's copy-paste examples (dashboard/src/lib/webhook.ts) passes the parse;
  // crawling is off for this site, so it is then refused with 409 and nothing is stored.
  const example: DeployWebhookRequest = { commit_sha: '3f9c2e1', branch: 'main', environment: 'production', timestamp: new Date().toISOString() };
  const refused = await send(JSON.stringify(example));
  assertEquals(refused.status, 409, JSON.stringify(refused.body));
  assert(!DeployWebhookResponseSchema.safeParse(refused.body).success);
} });
