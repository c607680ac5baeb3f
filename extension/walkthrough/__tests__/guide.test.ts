import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Guide, HOST_TAG, NOT_FOUND_GRACE_MS, type Send } from '../guide.ts';
import { performStep, sameDestination } from '../perform.ts';
import type { WalkState, WalkStep } from '../protocol.ts';

/** A request as the fake background saw it: the message name as `type`, then its data. */
type WalkRequest = { type: string; [key: string]: unknown };

const HTML_LABEL = `<img src=x onerror="window.__xss=1"><b>bold</b>`;

// The closed shadow root, captured for inspection (the page never gets it).
let roots: ShadowRoot[] = [];
const realAttach = Element.prototype.attachShadow;
beforeEach(() => {
  roots = [];
  Element.prototype.attachShadow = function (init: ShadowRootInit) {
    const r = realAttach.call(this, init);
    roots.push(r);
    return r;
  };
});
afterEach(() => {
  Element.prototype.attachShadow = realAttach;
  document.body.innerHTML = '';
  document.querySelectorAll(HOST_TAG).forEach((h) => h.remove());
});

function state(steps: WalkStep[], over: Partial<WalkState> = {}): WalkState {
  return { v: 1, id: 'w', tabId: 1, flow: { id: 'f', name: 'Flow', siteId: 's', version: 1, startUrl: 'http://localhost/' }, steps, index: 0, status: 'active', log: [], startedAt: '2026-11-30T00:00:00Z', offTarget: 0, ...over };
}

function fakeSend(initial: WalkState | null, sent: WalkRequest[] = []): Send {
  let current = initial;
  return (async (name: string, data?: object) => {
    const msg: WalkRequest = { type: name, ...data };
    sent.push(msg);
    if (msg.type === 'walkthrough.state') return current;
    if (msg.type === 'walkthrough.advance' && current) {
      const index = current.index + 1;
      current = index >= current.steps.length ? { ...current, status: 'done' } : { ...current, index };
      return current;
    }
    if (msg.type === 'walkthrough.stop') current = null;
    return null;
  }) as Send;
}

const card = () => roots[0]!.querySelector('.card') as HTMLElement;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Guide (jsdom)', () => {
  it('an element-scoped text check passes on that element, not on the same text elsewhere (issue 19)', async () => {
    document.body.innerHTML = `<main><p data-testid="cart">Your cart is empty</p><p>Merino Wool Socks, our best seller</p></main>`;
    const sent: WalkRequest[] = [];
    const g = new Guide({ send: fakeSend(state([{ action: 'assert', label: 'Check the cart shows Merino Wool Socks', assertion: 'textVisible', value: 'Merino Wool Socks', selectors: [{ kind: 'testid', value: 'cart' }] }, { action: 'click', label: 'x', selectors: [{ kind: 'testid', value: 'x' }] }]), sent) });
    await g.start();
    g.evaluate();
    expect(sent.some((m) => m.type === 'walkthrough.advance')).toBe(false);
    document.querySelector('[data-testid=cart]')!.textContent = 'Merino Wool Socks × 1';
    g.evaluate();
    await wait(0);
    expect(sent.find((m) => m.type === 'walkthrough.advance')).toMatchObject({ index: 0, status: 'passed', by: 'auto' });
    g.dispose();
  });

  it('builds nothing when no walkthrough is active in this tab', async () => {
    const g = new Guide({ send: fakeSend(null) });
    await g.start();
    expect(document.querySelector(HOST_TAG)).toBeNull();
    g.dispose();
  });

  it('resolves the step with the locator, renders labels as text, and "Do it for me" performs and advances', async () => {
    document.body.innerHTML = `<main><button data-testid="buy" id="buy">Buy</button><button>Other</button></main>`;
    let clicked = 0;
    document.getElementById('buy')!.addEventListener('click', () => clicked++);
    const sent: WalkRequest[] = [];
    const g = new Guide({ send: fakeSend(state([{ action: 'click', label: HTML_LABEL, selectors: [{ kind: 'testid', value: 'buy' }] }, { action: 'click', label: 'Second', selectors: [{ kind: 'testid', value: 'nope' }] }]), sent) });
    await g.start();
    expect(g.target?.el).toBe(document.getElementById('buy'));
    expect(card().dataset.kind).toBe('step');
    expect(card().querySelector('.label')!.textContent).toBe(HTML_LABEL);
    expect(card().querySelector('img')).toBeNull();
    expect(card().textContent).toContain('Step 1 of 2');
    g.doIt();
    expect(clicked).toBe(1);
    await wait(0);
    expect(sent.find((m) => m.type === 'walkthrough.advance')).toMatchObject({ index: 0, status: 'passed', by: 'extension' });
    expect(g.state!.index).toBe(1);
    expect((window as unknown as { __xss?: number }).__xss).toBeUndefined();
    g.dispose();
  });

  it('an unresolvable element: the expected card after the grace period, no target, no guess; Stop reports it', async () => {
    document.body.innerHTML = `<main><button>Cancel</button></main>`;
    const sent: WalkRequest[] = [];
    const g = new Guide({ send: fakeSend(state([{ action: 'click', label: 'Click "Subscribe"', selectors: [{ kind: 'id', value: 'subscribe' }, { kind: 'testid', value: 'sub' }], element: { tag: 'button', role: 'button', name: 'Subscribe', text: 'Subscribe', labelText: '', nearbyText: '', attributes: {}, ancestors: [], lookalikes: 0, region: '', box: null } }]), sent) });
    await g.start();
    expect(g.cardKind()).toBe('locating');
    await wait(NOT_FOUND_GRACE_MS + 400);
    expect(g.cardKind()).toBe('expected');
    expect(g.target?.el).toBeNull();
    expect(card().textContent).toContain('cannot find this element');
    expect(card().querySelectorAll('.sel li')).toHaveLength(2);
    expect((card().querySelector('.do-it') as HTMLButtonElement).disabled).toBe(true);
    await g.stop();
    expect(sent.at(-1)).toMatchObject({ type: 'walkthrough.stop', unresolved: { index: 0 } });
    expect(document.querySelector(HOST_TAG)).toBeNull();
  });

  it('never fills a secret nobody typed; fills it once typed and forgets it', async () => {
    document.body.innerHTML = `<form><label for="pw">Password</label><input id="pw" type="password" data-testid="pw"></form>`;
    const g = new Guide({ send: fakeSend(state([{ action: 'input', label: 'Password', selectors: [{ kind: 'testid', value: 'pw' }], value: '{{secret:PASSWORD}}' }, { action: 'click', label: 'x', selectors: [{ kind: 'testid', value: 'x' }] }])) });
    await g.start();
    const pw = document.getElementById('pw') as HTMLInputElement;
    g.doIt();
    expect(pw.value).toBe('');
    expect(card().textContent).toContain('Type PASSWORD first');
    const field = card().querySelector('input[data-secret="PASSWORD"]') as HTMLInputElement;
    field.value = 's3cret!';
    field.dispatchEvent(new Event('input'));
    g.doIt();
    expect(pw.value).toBe('s3cret!');
    await wait(0);
    expect(g.state!.index).toBe(1);
    expect(JSON.stringify(g.state)).not.toContain('s3cret!');
    g.dispose();
  });
});

describe('Guide against a page that fights back', () => {
  it('comes back when the page removes its host, and ignores untrusted (page-forged) clicks', async () => {
    document.body.innerHTML = `<button data-testid="go">Go</button>`;
    const sent: WalkRequest[] = [];
    const g = new Guide({ send: fakeSend(state([{ action: 'click', label: 'Go', selectors: [{ kind: 'testid', value: 'go' }] }, { action: 'click', label: 'x', selectors: [{ kind: 'testid', value: 'x' }] }]), sent) });
    await g.start();
    document.querySelector(HOST_TAG)!.remove();
    g.evaluate();
    expect(document.querySelector(HOST_TAG)).not.toBeNull();
    // jsdom's click() is untrusted, as a page's synthetic click would be: no progress.
    (document.querySelector('[data-testid=go]') as HTMLElement).click();
    await wait(0);
    expect(sent.some((m) => m.type === 'walkthrough.advance')).toBe(false);
    expect(g.state!.index).toBe(0);
    g.dispose();
  });
});

describe('performStep', () => {
  it('refuses a disabled control, selects by value or text, ticks, types with input+change', () => {
    document.body.innerHTML = `<button id="b" disabled>Pay</button><select id="s"><option value="">-</option><option value="gb">United Kingdom</option></select><input type="checkbox" id="c"><input id="t">`;
    expect(() => performStep({ action: 'click', label: '' }, document.getElementById('b')!)).toThrow(/disabled/);
    const sel = document.getElementById('s') as HTMLSelectElement;
    performStep({ action: 'select', label: '', value: 'zz', optionText: 'United Kingdom' }, sel);
    expect(sel.value).toBe('gb');
    const c = document.getElementById('c') as HTMLInputElement;
    performStep({ action: 'check', label: '', checked: true }, c);
    expect(c.checked).toBe(true);
    performStep({ action: 'check', label: '', checked: true }, c);
    expect(c.checked).toBe(true);
    const t = document.getElementById('t') as HTMLInputElement;
    const events: string[] = [];
    t.addEventListener('input', () => events.push('input'));
    t.addEventListener('change', () => events.push('change'));
    performStep({ action: 'input', label: '' }, t, 'hello');
    expect(t.value).toBe('hello');
    expect(events).toEqual(['input', 'change']);
  });

  it('same destination ignores the hash and a trailing slash, not the query or origin', () => {
    expect(sameDestination('https://a.test/checkout/#x', 'https://a.test/checkout')).toBe(true);
    expect(sameDestination('https://a.test/checkout?x=1', 'https://a.test/checkout')).toBe(false);
    expect(sameDestination('https://b.test/checkout', 'https://a.test/checkout')).toBe(false);
  });
});
