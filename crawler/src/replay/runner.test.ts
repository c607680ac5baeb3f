/**
 * The replay runner on small fixture pages: flaky failures are retried and reported as flaky,
 * confirmed failures carry a screenshot and a message that names the step and what was on the page,
 * secrets are typed but never reported, an optional step that fails does not stop the flow, and an
 * ambiguous match is settled by the tie-breaker (Claude, faked here through the SDK's base URL)
 * only when it is sure.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseFlow, type Flow } from '@flowlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool } from '../browser/pool.ts';
import { html, serveRoutes, type TestServer } from '../testing/serve.ts';
import { claudeTieBreaker } from './claude.ts';
import { runFlow, type RunOptions } from './runner.ts';
import { detectorSettings } from './settings.ts';

const pool = new BrowserPool();
let server: TestServer;
let flakyLoads = 0;

beforeAll(async () => {
  server = await serveRoutes({
    '/flaky': () => {
      flakyLoads += 1;
      // The first load lacks the button (a slow deploy, a race): the retry gets it.
      return { body: html(flakyLoads === 1 ? '<h1>Loading</h1>' : '<h1>Ready</h1><button id="go" onclick="document.title=\'done\'">Go</button>') };
    },
    '/broken': { body: html('<h1>Checkout</h1><button id="pay" disabled>Pay now</button>') },
    '/data-frame': { body: html('<h1>Embed</h1><iframe title="embedded" src="data:text/html,<p>not the web</p>"></iframe><button id="go">Go</button>') },
    '/login': {
      body: html(`<form onsubmit="event.preventDefault(); document.querySelector('#out').textContent = document.querySelector('#pw').value.length + ' chars'">
        <label for="pw">Password</label><input id="pw" type="password" name="password"><button>Sign in</button></form><p id="out"></p>`),
    },
    '/twins': {
      body: html(`<section><h2>Lamps</h2><ul>
        <li><span>Brass lamp</span><button class="add">Add</button></li>
        <li><span>Brass lamp</span><button class="add">Add</button></li></ul></section><p id="picked"></p>
        <script>document.querySelectorAll('.add').forEach((b, i) => b.onclick = () => document.querySelector('#picked').textContent = 'item ' + i)</script>`),
    },
  });
});

afterAll(async () => {
  await pool.close();
  await server.close();
});

function opts(extra: Partial<RunOptions> = {}): RunOptions {
  return {
    viewport: 'desktop',
    newContext: () => pool.lease('desktop', { allowPrivate: true }),
    siteOrigin: server.url,
    templateOf: (u) => new URL(u).pathname,
    secrets: () => undefined,
    detectors: detectorSettings({ enabled: false }),
    stepTimeoutMs: 1500,
    healGraceMs: 100,
    ...extra,
  };
}

const flow = (path: string, steps: unknown[]): Flow => parseFlow({ name: `flow ${path}`, startUrl: `${server.url}${path}`, steps });

describe('runFlow', () => {
  it('retries a failure once: passing on the retry is flaky, not broken', async () => {
    const r = await runFlow(flow('/flaky', [{ action: 'click', label: 'Click Go', labelSource: 'template', selectors: [{ kind: 'id', value: 'go' }] }]), opts());
    expect(r.status).toBe('passed');
    expect(r.flaky).toBe(true);
    expect(r.attempts).toBe(2);
    expect(r.failure).toBeNull();
  });

  it('confirms a real failure with a screenshot and a message naming what was wrong', async () => {
    const r = await runFlow(flow('/broken', [{ action: 'click', label: 'Click Pay now', labelSource: 'template', selectors: [{ kind: 'id', value: 'pay' }] }]), opts());
    expect(r.status).toBe('failed');
    expect(r.confirmed).toBe(true);
    expect(r.attempts).toBe(2);
    expect(r.steps.map((s) => s.status)).toEqual(['failed']);
    expect(r.failure!.message).toBe('the button "Pay now" stayed disabled for 2 s');
    expect(r.failure!.screenshot!.subarray(1, 4).toString()).toBe('PNG');
  });

  it('says which selectors it tried and what the page was when an element never appears', async () => {
    const r = await runFlow(flow('/broken', [{ action: 'click', label: 'Click Confirm', labelSource: 'template', selectors: [{ kind: 'testid', value: 'confirm' }, { kind: 'text', value: 'Confirm' }] }]), opts({ retry: false }));
    expect(r.failure!.message).toMatch(/^no element for this step after 2 s on "Fixture" http:\/\/127\.0\.0\.1:\d+\/broken\. Tried /);
    expect(r.failure!.message).toMatch(/testid/);
  });

  it('types secrets from the lookup and never reports them; a missing secret is named, not guessed', async () => {
    const secret = 'correct-horse-battery';
    const steps = [
      { action: 'input', label: 'Enter password', labelSource: 'template', value: '{{secret:PASSWORD}}', selectors: [{ kind: 'id', value: 'pw' }], element: { tag: 'input', attributes: { type: 'password' } } },
      { action: 'click', label: 'Sign in', labelSource: 'template', selectors: [{ kind: 'role', value: 'button "Sign in"' }] },
      { action: 'assert', label: 'See it submitted', labelSource: 'template', assertion: 'textVisible', value: `${secret.length} chars` },
    ];
    const ok = await runFlow(flow('/login', steps), opts({ secrets: (n) => (n === 'PASSWORD' ? secret : undefined) }));
    expect(ok.status).toBe('passed');
    expect(JSON.stringify(ok)).not.toContain(secret);
    const missing = await runFlow(flow('/login', steps), opts({ retry: false }));
    expect(missing.status).toBe('failed');
    expect(missing.failure!.message).toMatch(/PASSWORD/);
  });

  it('follows only web documents: a non-web navigate step and a frame that lands on data: stop the flow', async () => {
    const nav = await runFlow({ ...flow('/login', []), steps: [{ action: 'navigate', url: 'file:///etc/passwd', label: 'Read', labelSource: 'template' }] }, opts({ retry: false }));
    expect(nav.status).toBe('failed');
    expect(nav.failure!.message).toBe('refused to open file:///etc/passwd: it uses the file: scheme; FlowLens only opens http: and https: pages');
    const framed = await runFlow(flow('/data-frame', [{ action: 'click', label: 'Go', labelSource: 'template', selectors: [{ kind: 'id', value: 'go' }] }]), opts({ retry: false }));
    expect(framed.status).toBe('failed');
    expect(framed.failure!.message).toMatch(/^a frame of the page went to data: \(data:text\/html.*\); FlowLens only follows http: and https: documents$/);
    expect(framed.failure!.screenshot).toBeNull();
  });

  it('types a secret only on the site\'s origins, naming the origin that asked', async () => {
    const steps = [{ action: 'input', label: 'Enter password', labelSource: 'template', value: '{{secret:PASSWORD}}', selectors: [{ kind: 'id', value: 'pw' }] }];
    const elsewhere = await runFlow(flow('/login', steps), opts({ retry: false, secretOrigins: ['https://shop.example.com'], secrets: () => 'correct-horse-battery' }));
    expect(elsewhere.status).toBe('failed');
    expect(elsewhere.failure!.message).toContain(`refused to type the secret PASSWORD into ${server.url}: FlowLens types this site's secrets only on https://shop.example.com.`);
    const listed = await runFlow(flow('/login', steps), opts({ retry: false, secretOrigins: ['https://shop.example.com', server.url], secrets: () => 'correct-horse-battery' }));
    expect(listed.status).toBe('passed');
  });

  it('goes on past a failing optional step', async () => {
    const r = await runFlow(
      flow('/login', [
        { action: 'click', label: 'Dismiss cookie banner', labelSource: 'template', optional: true, selectors: [{ kind: 'id', value: 'cookie-ok' }] },
        { action: 'click', label: 'Sign in', labelSource: 'template', selectors: [{ kind: 'role', value: 'button "Sign in"' }] },
      ]),
      opts(),
    );
    expect(r.status).toBe('passed');
    expect(r.steps.map((s) => s.status)).toEqual(['skipped', 'passed']);
  });
});

describe('tie-breaking ambiguous matches', () => {
  let fake: http.Server;
  let baseURL = '';
  let answer = '{"choice": 1, "reason": "second"}';
  const requests: { body: string; key: string | undefined }[] = [];

  beforeAll(async () => {
    // A stand-in for the Messages API: only what the SDK sends and reads.
    fake = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d));
      req.on('end', () => {
        // The SDK authenticates with x-api-key or a bearer token depending on its version.
        requests.push({ body, key: (req.headers['x-api-key'] as string | undefined) ?? req.headers.authorization?.replace(/^Bearer /, '') });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-test', content: [{ type: 'text', text: answer }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 10, output_tokens: 5 } }));
      });
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    baseURL = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => fake.close(() => r())));

  const twinStep = {
    action: 'click',
    label: 'Add the brass lamp',
    labelSource: 'template',
    selectors: [{ kind: 'css', value: 'li:nth-of-type(9) > button' }],
    element: { tag: 'button', role: 'button', name: 'Add', text: 'Add', nearbyText: 'Brass lamp', attributes: { class: 'add' }, lookalikes: 1, region: 'Lamps' },
  };

  it('acts on the candidate Claude picks, sending candidates and a screenshot', async () => {
    answer = '{"choice": 1, "reason": "second"}';
    const r = await runFlow(flow('/twins', [twinStep, { action: 'assert', label: 'picked', labelSource: 'template', assertion: 'textVisible', value: 'item 1' }]), opts({ retry: false, tieBreaker: claudeTieBreaker({ apiKey: 'test-key', baseURL }) }));
    expect(r.status, r.failure?.message).toBe('passed');
    expect(r.steps[0]!.status).toBe('healed');
    const sent = JSON.parse(requests.at(-1)!.body) as { messages: { content: { type: string }[] }[] };
    expect(sent.messages[0]!.content.map((c) => c.type)).toEqual(['image', 'text']);
    expect(requests.at(-1)!.key).toBe('test-key');
  });

  it('fails the step when Claude is not sure', async () => {
    answer = '{"choice": null, "reason": "cannot tell"}';
    const r = await runFlow(flow('/twins', [twinStep]), opts({ retry: false, tieBreaker: claudeTieBreaker({ apiKey: 'test-key', baseURL }) }));
    expect(r.status).toBe('failed');
    expect(r.failure!.message).toMatch(/look alike|apart/);
  });

  it('fails the step without a tie-breaker (deterministic scoring only)', async () => {
    const r = await runFlow(flow('/twins', [twinStep]), opts({ retry: false }));
    expect(r.status).toBe('failed');
    expect(r.failure!.message).toMatch(/look alike/);
  });
});
