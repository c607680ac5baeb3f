/**
 * The one messaging contract (issue 16): messages are routed by name, answered with one Result
 * shape, accepted only from this extension and from the right kind of sender, and what a content
 * script sends is parsed before a handler sees it.
 */
import { browser } from 'wxt/browser';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { onMessage, type Sender } from '../messaging.ts';
import { overlaySnooze, walkAdvance } from '../protocol-schemas.ts';
import type { Result } from '../protocol.ts';

type Route = (raw: unknown, sender: Sender, sendResponse: (r: Result<unknown>) => void) => true | undefined;

let route: Route | undefined;
const removers: (() => void)[] = [];

beforeEach(() => {
  fakeBrowser.reset();
  route = undefined;
  vi.spyOn(browser.runtime.onMessage, 'addListener').mockImplementation((fn) => {
    route = fn as unknown as Route;
  });
});
afterEach(() => {
  for (const r of removers.splice(0)) r();
  vi.restoreAllMocks();
});

const id = () => browser.runtime.id;
const panel = (): Sender => ({ id: id(), url: browser.runtime.getURL('/sidepanel.html') });
const panelInTab = (): Sender => ({ id: id(), url: browser.runtime.getURL('/sidepanel.html'), tab: { id: 7 } as Sender['tab'] });
const content = (): Sender => ({ id: id(), url: 'https://shop.test/cart', tab: { id: 7 } as Sender['tab'], frameId: 0 });
const otherExtension = (): Sender => ({ id: 'someone-else', url: 'chrome-extension://someone-else/x.html' });

/** Delivers a raw message; resolves with the answer, or 'unanswered' when the router did not take it. */
function deliver(raw: unknown, sender: Sender): Promise<Result<unknown> | 'unanswered'> {
  return new Promise((resolve) => {
    const taken = route!(raw, sender, resolve);
    if (taken !== true) resolve('unanswered');
  });
}

describe('lib/messaging.ts', () => {
  it('answers a registered message with its data, and an error sentence when the handler throws', async () => {
    removers.push(onMessage('overlay.sync', { from: 'extension' }, () => ['https://shop.test/*']));
    removers.push(
      onMessage('auth.signOut', { from: 'extension' }, () => {
        throw new Error('You are signed out. Sign in to continue.');
      }),
    );
    expect(await deliver({ flowlens: 'overlay.sync' }, panel())).toEqual({ ok: true, data: ['https://shop.test/*'] });
    expect(await deliver({ flowlens: 'auth.signOut' }, panel())).toEqual({ ok: false, error: 'You are signed out. Sign in to continue.' });
  });

  it('leaves messages it does not handle, and anything from another extension, unanswered', async () => {
    const run = vi.fn(() => ['x']);
    removers.push(onMessage('overlay.sync', { from: 'any', schema: { safeParse: (d: unknown) => ({ success: true as const, data: d as undefined }) } }, run));
    expect(await deliver({ flowlens: 'overlay.refresh' }, panel())).toBe('unanswered');
    expect(await deliver({ type: 'flowlens:overlay:sync' }, panel())).toBe('unanswered');
    expect(await deliver(null, panel())).toBe('unanswered');
    expect(await deliver({ flowlens: 'overlay.sync' }, otherExtension())).toBe('unanswered');
    expect(run).not.toHaveBeenCalled();
  });

  it('panel-only messages refuse content scripts; content-only messages refuse extension pages (also one in a tab)', async () => {
    const signIn = vi.fn(() => ({ email: 'a@b.test' }));
    const page = vi.fn(() => true as const);
    removers.push(onMessage('auth.signIn', { from: 'extension' }, signIn));
    removers.push(onMessage('overlay.snooze', { from: 'content', schema: overlaySnooze }, page));
    expect(await deliver({ flowlens: 'auth.signIn', data: { email: 'a@b.test', password: 'x' } }, content())).toMatchObject({ ok: false });
    expect(await deliver({ flowlens: 'auth.signIn', data: { email: 'a@b.test', password: 'x' } }, panelInTab())).toEqual({ ok: true, data: { email: 'a@b.test' } });
    expect(await deliver({ flowlens: 'overlay.snooze', data: { bugId: 'b1', days: 7 } }, panelInTab())).toMatchObject({ ok: false });
    expect(await deliver({ flowlens: 'overlay.snooze', data: { bugId: 'b1', days: 7 } }, content())).toEqual({ ok: true, data: true });
    expect(signIn).toHaveBeenCalledTimes(1);
    expect(page).toHaveBeenCalledTimes(1);
  });

  it('parses what a content script sends before the handler sees it (hostile payloads are refused)', async () => {
    const run = vi.fn((data: unknown) => data as never);
    removers.push(onMessage('walkthrough.advance', { from: 'content', schema: walkAdvance }, run));
    for (const bad of [undefined, 'advance', { index: -1, status: 'passed', by: 'user' }, { index: 0, status: 'skipped', by: 'user' }, { index: 0, status: 'passed', by: 'admin' }, { index: '0', status: 'passed', by: 'user' }]) {
      expect(await deliver({ flowlens: 'walkthrough.advance', data: bad }, content())).toMatchObject({ ok: false, error: expect.stringMatching(/could not read that request/) });
    }
    expect(run).not.toHaveBeenCalled();
    // A confidence outside 0…1 is dropped, as the dispatcher did before the contract.
    expect(await deliver({ flowlens: 'walkthrough.advance', data: { index: 2, status: 'healed', by: 'extension', confidence: 7 } }, content())).toEqual({ ok: true, data: { index: 2, status: 'healed', by: 'extension' } });
  });

  it('a removed handler no longer answers', async () => {
    const remove = onMessage('overlay.sync', { from: 'extension' }, () => []);
    expect(await deliver({ flowlens: 'overlay.sync' }, panel())).toEqual({ ok: true, data: [] });
    remove();
    expect(await deliver({ flowlens: 'overlay.sync' }, panel())).toBe('unanswered');
  });
});
