import { afterEach, describe, expect, it } from 'vitest';
import { HOST_TAG, Overlay, relativeAge, type Send } from '../overlay.ts';
import type { OverlayBug, PageState } from '../protocol.ts';

/** A request as the fake background saw it: the message name as `type`, then its data. */
type OverlayRequest = { type: string; [key: string]: unknown };

const HTML_TITLE = `<img src=x onerror="window.__xss=1"><b>bold</b>`;

function bug(id: string, over: Partial<OverlayBug> = {}): OverlayBug {
  return {
    id,
    type: 'a11y',
    severity: 'P2',
    status: 'active',
    title: `Bug ${id}`,
    cause: '',
    viewports: ['desktop'],
    firstSeenAt: new Date(Date.now() - 2 * 86_400_000).toISOString(),
    lastSeenAt: new Date().toISOString(),
    selectors: [],
    dashboardUrl: `http://127.0.0.1:5173/sites/s/bugs/${id}`,
    ...over,
  };
}

function fakeSend(state: PageState, sent: OverlayRequest[] = []): Send {
  return (async (name: string, data?: object) => {
    const msg: OverlayRequest = { type: name, ...data };
    sent.push(msg);
    if (msg.type === 'overlay.page') return state;
    return true;
  }) as Send;
}

// jsdom has no layout: every element counts as visible to the locator engine's checks.
afterEach(() => {
  document.body.innerHTML = '';
  document.querySelectorAll(HOST_TAG).forEach((h) => h.remove());
});

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}

describe('Overlay (jsdom)', () => {
  it('builds nothing when there is nothing to show', async () => {
    const o = new Overlay({ send: fakeSend({ status: 'not-monitored', bugs: [] }) });
    await o.start();
    expect(document.querySelector(HOST_TAG)).toBeNull();
    o.dispose();
  });

  it('pins resolvable bugs, lists the rest as page-level, renders titles as text', async () => {
    document.body.innerHTML = `<main><button id="buy">Buy now</button><p data-testid="note">Free shipping</p></main>`;
    const state: PageState = {
      status: 'ok',
      site: { id: 's', name: 'Shop' },
      template: '/',
      bugs: [bug('a', { selectors: ['#buy'], severity: 'P1' }), bug('b', { selectors: ['testid=note'], title: HTML_TITLE }), bug('c'), bug('d', { selectors: ['#missing'] })],
    };
    const o = new Overlay({ send: fakeSend(state) });
    await o.start();
    expect(document.querySelector(HOST_TAG)).not.toBeNull();
    o.toggle(true);
    await settle();
    const { pinned, pageLevel } = o.ordered();
    expect(pinned.map((t) => t.bug.id)).toEqual(['a', 'b']);
    expect(pinned[0]!.el).toBe(document.getElementById('buy'));
    expect(pageLevel.map((t) => t.bug.id)).toEqual(['c', 'd']);
    expect((window as unknown as { __xss?: number }).__xss).toBeUndefined();
    o.dispose();
    expect(document.querySelector(HOST_TAG)).toBeNull();
  });

  it('heals a pin onto a re-rendered element and drops it when the element is gone', async () => {
    document.body.innerHTML = `<main><section><h2>Cart</h2><button id="checkout" class="btn">Proceed to checkout</button></section><footer>f</footer></main>`;
    const o = new Overlay({ send: fakeSend({ status: 'ok', site: { id: 's', name: 'S' }, bugs: [bug('a', { selectors: ['#checkout'] })] }) });
    await o.start();
    o.toggle(true);
    await settle();
    expect(o.tracked[0]!.el?.id).toBe('checkout');
    const old = document.getElementById('checkout')!;
    const fresh = old.cloneNode(true) as HTMLElement;
    fresh.id = 'go-to-checkout';
    old.remove();
    document.querySelector('section')!.prepend(fresh);
    (o as unknown as { resolveAll: (then?: () => void) => void }).resolveAll();
    await settle();
    expect(o.tracked[0]!.el).toBe(fresh);
    fresh.remove();
    (o as unknown as { resolveAll: (then?: () => void) => void }).resolveAll();
    await settle();
    expect(o.tracked[0]!.el).toBeNull();
    o.dispose();
  });

  it('snooze asks the background and removes the bug at once', async () => {
    const sent: OverlayRequest[] = [];
    let bugs = [bug('a'), bug('b')];
    const send = (async (name: string, data?: object) => {
      const msg: OverlayRequest = { type: name, ...data };
      sent.push(msg);
      if (msg.type === 'overlay.page') return { status: 'ok', site: { id: 's', name: 'S' }, bugs } satisfies PageState;
      bugs = bugs.filter((b) => b.id !== msg.bugId);
      return true;
    }) as Send;
    const o = new Overlay({ send });
    await o.start();
    o.toggle(true);
    await settle();
    await (o as unknown as { act: (item: HTMLElement, request: () => Promise<unknown>, id: string) => Promise<void> }).act(document.createElement('div'), () => send('overlay.snooze', { bugId: 'a', days: 7 }), 'a');
    expect(sent.some((m) => m.type === 'overlay.snooze')).toBe(true);
    expect(o.state!.bugs.map((b) => b.id)).toEqual(['b']);
    o.dispose();
  });

  it('relative ages', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(relativeAge('2026-11-30T11:59:30Z', now)).toBe('just now');
    expect(relativeAge('2026-11-30T11:00:00Z', now)).toBe('1 h ago');
    expect(relativeAge('2026-11-30T11:50:00Z', now)).toBe('10 min ago');
    expect(relativeAge('2026-11-27T12:00:00Z', now)).toBe('3 days ago');
    expect(relativeAge('nope', now)).toBe('');
  });
});
