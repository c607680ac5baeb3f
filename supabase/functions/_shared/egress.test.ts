/**
 * The channels' egress rules without the network: address classes (the crawler's list), DNS answers
 * judged address by address, https only, and loopback only when the dev/test setting allows it.
 */
import { assert, assertEquals } from './testing.ts';
import { classifyAddress, postJson, scrub, vetUrl } from './egress.ts';

Deno.test('egress: classifies addresses like the crawler does', () => {
  for (const ip of ['10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', 'fd00::1', 'fe80::1', '::', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '64:ff9b::a00:1']) {
    assertEquals(classifyAddress(ip), 'blocked', ip);
  }
  for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assertEquals(classifyAddress(ip), 'loopback', ip);
  for (const ip of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.4.4']) assertEquals(classifyAddress(ip), 'public', ip);
  assertEquals(classifyAddress('hooks.slack.com'), 'invalid');
});

Deno.test('egress: a host is judged on every address it resolves to', async () => {
  const dns = (answers: Record<string, string[]>) => ({ allowLoopback: false, resolve: (h: string) => Promise.resolve(answers[h] ?? []) });
  const ok = await vetUrl(new URL('https://hooks.example.com/x'), dns({ 'hooks.example.com': ['93.184.216.34'] }));
  assert(ok.allowed);
  const mixed = await vetUrl(new URL('https://rebind.example.com/x'), dns({ 'rebind.example.com': ['93.184.216.34', '10.0.0.5'] }));
  assert(!mixed.allowed && mixed.reason.includes('private'));
  const none = await vetUrl(new URL('https://nowhere.example.com/x'), dns({}));
  assert(!none.allowed && none.reason.includes('does not resolve'));
  const meta = await vetUrl(new URL('http://metadata.google.internal/computeMetadata/v1/'), dns({}));
  assert(!meta.allowed && meta.reason.includes('metadata'));
  const plain = await vetUrl(new URL('http://hooks.example.com/x'), dns({ 'hooks.example.com': ['93.184.216.34'] }));
  assert(!plain.allowed && plain.reason.includes('https'), 'http to a public host is refused');
  const creds = await vetUrl(new URL('https://user:pw@hooks.example.com/x'), dns({ 'hooks.example.com': ['93.184.216.34'] }));
  assert(!creds.allowed);
});

Deno.test('egress: loopback only with the dev/test setting, and nothing else private with it', async () => {
  const prod = { allowLoopback: false, resolve: () => Promise.resolve([]) };
  const dev = { allowLoopback: true, resolve: () => Promise.resolve([]) };
  assert(!(await vetUrl(new URL('http://127.0.0.1:8080/hook'), prod)).allowed);
  assert(!(await vetUrl(new URL('http://localhost:8080/hook'), prod)).allowed);
  assert(!(await vetUrl(new URL('https://[::1]/hook'), prod)).allowed);
  assert((await vetUrl(new URL('http://127.0.0.1:8080/hook'), dev)).allowed);
  assert(!(await vetUrl(new URL('http://10.0.0.1/hook'), dev)).allowed);
  assert(!(await vetUrl(new URL('http://169.254.169.254/'), dev)).allowed);
});

Deno.test('egress: scrub removes URLs from messages', () => {
  const url = 'https://hooks.slack.com/services/T1/B2/secretsecret';
  const m = scrub(`error sending request for url (${url}): connection refused; see http://x.example/y`, url);
  assert(!m.includes('secretsecret') && !m.includes('http://x.example'), m);
});

Deno.test({ name: 'egress: a receiver that does not answer in time is a retryable timeout; a refused connection too', sanitizeOps: false, sanitizeResources: false, async fn() {
  // A local receiver that accepts the request and never answers.
  let release: () => void = () => {};
  const hanging = new Promise<void>((r) => (release = r));
  let port = 0;
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: (a) => { port = a.port; } }, async () => {
    await hanging;
    return new Response('late');
  });
  try {
    const url = `http://127.0.0.1:${port}/hook/secret-path`;
    const res = await postJson(url, '{}', {}, { allowLoopback: true, timeoutMs: 300 });
    assertEquals([res.ok, res.status, res.retry], [false, null, true]);
    assert(res.error?.includes('did not answer within 0.3 s'), res.error);
    assert(!res.error?.includes('secret-path'));
  } finally {
    release();
    await server.shutdown();
  }
  const refused = await postJson(`http://127.0.0.1:${port}/gone`, '{}', {}, { allowLoopback: true, timeoutMs: 2000 });
  assertEquals([refused.ok, refused.retry], [false, true]);
  assert(refused.error?.startsWith('could not reach the receiver'), refused.error);
} });
