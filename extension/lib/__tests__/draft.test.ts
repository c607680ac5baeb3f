/** The recorder's editing rules (lib/draft.ts), template labels and the validated session state. */
import { parseFlow, type Step } from '@flowlens/core';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { beforeEach, describe, expect, it } from 'vitest';
import { startCapture, type CapturedAction } from '../capture.ts';
import { addCapturedStep, addPageChange, applyEdit, ensureDraft, stepFromCapture } from '../draft.ts';
import { clip, stableName, templateLabel } from '../labels.ts';
import { emptyState, parseRecorderState, readRecorderState, STATE_KEY, updateRecorderState, type RecorderState } from '../state.ts';

function captureOn(html: string, act: (doc: Document) => void): CapturedAction[] {
  document.body.innerHTML = html;
  const out: CapturedAction[] = [];
  const stop = startCapture(window, (a) => out.push(a), { acceptUntrusted: true });
  act(document);
  stop();
  return out;
}

function recording(): RecorderState {
  return ensureDraft({ ...emptyState(), recording: true, tabId: 1, siteId: 's', origin: 'https://shop.test', recordingId: 'r', lastUrl: 'https://shop.test/' }, 'https://shop.test/');
}

function stepsOf(state: RecorderState): Step[] {
  return state.draft!.steps.map((s) => s.step);
}

describe('template labels', () => {
  it('reads like an instruction', () => {
    const [click] = captureOn('<button><span>Add to cart</span></button>', (d) => d.querySelector('span')!.dispatchEvent(new MouseEvent('click', { bubbles: true })));
    expect(stepFromCapture(click!).label).toBe("Click 'Add to cart'");
    const [input] = captureOn('<label>Email <input name="email"></label>', (d) => {
      const el = d.querySelector('input')!;
      el.value = 'ada@example.com';
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(stepFromCapture(input!).label).toBe('Enter email');
    const [pw] = captureOn('<label>Password <input type="password"></label>', (d) => {
      const el = d.querySelector('input')!;
      el.value = 'x';
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(stepFromCapture(pw!).label).toBe('Enter password');
    expect(templateLabel({ action: 'navigate', url: 'https://shop.test/cart', label: '', labelSource: 'template' })).toBe('Go to /cart');
    expect(templateLabel({ action: 'assert', assertion: 'urlContains', value: '/thanks', label: '', labelSource: 'template' })).toBe('Check the URL contains /thanks');
  });

  it('leaves out what changes on the next run: counts, prices, user data (issue 19)', () => {
    const label = (html: string) => stepFromCapture(captureOn(html, (d) => d.querySelector('[data-t]')!.dispatchEvent(new MouseEvent('click', { bubbles: true })))[0]!).label;
    expect(label('<a href="/cart" data-t>Cart <span>1 items</span></a>')).toBe("Click 'Cart'");
    expect(label('<button data-t>Checkout ($42.50)</button>')).toBe("Click 'Checkout'");
    expect(label('<button data-t>Pay 12,50 €</button>')).toBe("Click 'Pay'");
    expect(label('<a href="/me" data-t>ada@example.com</a>')).toBe("Click the link");
    expect(label('<button data-t>Inbox (3)</button>')).toBe("Click 'Inbox'");
    expect(label('<button data-t>Add to cart</button>')).toBe("Click 'Add to cart'");
    expect(label('<button data-t>Top 10 lamps</button>')).toBe("Click 'Top 10 lamps'");
    // Long names are cut at a word, never in the middle of one.
    const long = label('<button data-t>Subscribe to the weekly newsletter about lamps, brass fittings and restoration tips</button>');
    expect(long).toBe("Click 'Subscribe to the weekly newsletter about lamps, brass…'");
    expect(stableName('Cart · 2 items')).toBe('Cart');
    expect(clip('word '.repeat(30), 20)).toBe('word word word word…');
  });
});

describe('recording rules', () => {
  it('turns navigations right after an action into URL checks, and direct ones into navigate steps', () => {
    let s = recording();
    const [click] = captureOn('<a href="/cart">Cart</a>', (d) => d.querySelector('a')!.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true })));
    s = addCapturedStep(s, stepFromCapture(click!), 10_000).state;
    s = addPageChange(s, 'https://shop.test/cart', 10_500);
    s = addPageChange(s, 'https://shop.test/cart', 10_600); // a reload of the same URL: nothing
    s = addPageChange(s, 'https://shop.test/about', 60_000); // typed in the address bar
    expect(stepsOf(s).map((x) => [x.action, x.label])).toEqual([
      ['click', "Click 'Cart'"],
      ['assert', 'Check the URL contains /cart'],
      ['navigate', 'Go to /about'],
    ]);
    // Ids in paths are left out of the check so it holds on every run.
    s = addCapturedStep(s, stepFromCapture(click!), 70_000).state;
    s = addPageChange(s, 'https://shop.test/orders/8f14e45f-ea3b-4c2f-9d8e-3f1f2b6a7c10', 70_100);
    expect(stepsOf(s).at(-1)).toMatchObject({ action: 'assert', value: '/orders/' });
  });

  it('drops the same step reported twice in a row', () => {
    let s = recording();
    const [click] = captureOn('<button>Buy</button>', (d) => d.querySelector('button')!.dispatchEvent(new MouseEvent('click', { bubbles: true })));
    const step = stepFromCapture(click!);
    const first = addCapturedStep(s, step, 1_000);
    s = first.state;
    const second = addCapturedStep(s, step, 1_100);
    expect(second.uid).toBeNull();
    expect(stepsOf(second.state)).toHaveLength(1);
  });

  it('edits: delete, reorder, rename, critical, labels the AI must keep, secrets, assertions', () => {
    let s = recording();
    const captured = captureOn('<label>Email <input name="email"></label><label>Card <input name="card"></label><button>Pay</button>', (d) => {
      for (const [name, value] of [['email', 'ada@example.com'], ['card', '4242424242424242']]) {
        const el = d.querySelector<HTMLInputElement>(`[name=${name}]`)!;
        el.value = value!;
        el.dispatchEvent(new Event('change', { bubbles: true }));
      }
      d.querySelector('button')!.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    });
    for (const [i, c] of captured.entries()) s = addCapturedStep(s, stepFromCapture(c), i * 1000).state;
    const uids = s.draft!.steps.map((x) => x.uid);
    s = applyEdit(s, { op: 'move', uid: uids[2]!, to: 0 });
    expect(stepsOf(s).map((x) => x.action)).toEqual(['click', 'input', 'input']);
    s = applyEdit(s, { op: 'delete', uid: uids[2]! });
    s = applyEdit(s, { op: 'rename', name: '  Checkout  ' });
    s = applyEdit(s, { op: 'critical', critical: true });
    s = applyEdit(s, { op: 'label', uid: uids[0]!, label: 'Type the customer email' });
    s = applyEdit(s, { op: 'secret', uid: uids[1]!, name: 'CARD_NUMBER' });
    s = applyEdit(s, { op: 'assert', assertion: { kind: 'textVisible', text: 'Thank you' } });
    expect(s.draft!.name).toBe('Checkout');
    expect(s.draft!.critical).toBe(true);
    expect(stepsOf(s).map((x) => [x.action, x.label, x.labelSource])).toEqual([
      ['input', 'Type the customer email', 'user'],
      ['input', 'Enter card', 'template'],
      ['assert', "Check 'Thank you' is visible", 'template'],
    ]);
    expect(JSON.stringify(s)).not.toContain('4242424242424242');
    expect(() => applyEdit(s, { op: 'rename', name: ' ' })).toThrow(/name/);
    expect(() => applyEdit(s, { op: 'secret', uid: uids[0]!, name: 'bad name' })).toThrow(/capital letters/);
    // A secret renamed in every step that uses it; a check right after a given step; a check on an element.
    s = applyEdit(s, { op: 'renameSecret', from: 'CARD_NUMBER', to: 'card_pan' });
    expect(stepsOf(s)[1]).toMatchObject({ value: '{{secret:CARD_PAN}}' });
    expect(() => applyEdit(s, { op: 'renameSecret', from: 'CARD_PAN', to: 'no spaces allowed' })).toThrow(/capital letters/);
    s = applyEdit(s, { op: 'assert', assertion: { kind: 'urlContains', text: '/checkout' }, after: s.draft!.steps[0]!.uid });
    const target = { selectors: [{ kind: 'testid' as const, value: 'total' }], element: (stepsOf(s)[0] as Extract<Step, { action: 'input' }>).element! };
    s = applyEdit(s, { op: 'assert', assertion: { kind: 'elementText', text: '  Total   $12  ', target } });
    expect(stepsOf(s).map((x) => [x.action, x.label])).toEqual([
      ['input', 'Type the customer email'],
      ['assert', 'Check the URL contains /checkout'],
      ['input', 'Enter card'],
      ['assert', "Check 'Thank you' is visible"],
      ['assert', "Check 'Email' shows 'Total $12'"],
    ]);
    expect(stepsOf(s).at(-1)).toMatchObject({ assertion: 'textVisible', value: 'Total $12', selectors: [{ kind: 'testid', value: 'total' }] });
    // What the editor holds is a valid flow.
    expect(() => parseFlow({ name: s.draft!.name, startUrl: s.draft!.startUrl, steps: stepsOf(s) })).not.toThrow();
  });
});

describe('session state', () => {
  beforeEach(() => fakeBrowser.reset());

  it('is validated on read: garbage reads as "not recording"', async () => {
    expect(parseRecorderState({ recording: 'yes' })).toEqual(emptyState());
    await fakeBrowser.storage.session.set({ [STATE_KEY]: { recording: true, draft: { steps: [{ uid: 1 }] } } });
    expect(await readRecorderState()).toEqual(emptyState());
  });

  it('serialises concurrent updates so no step is lost', async () => {
    await updateRecorderState(() => recording());
    const [click] = captureOn('<button>Buy</button><button>Sell</button>', (d) => d.querySelectorAll('button').forEach((b) => b.dispatchEvent(new MouseEvent('click', { bubbles: true }))));
    await Promise.all([0, 1, 2, 3].map((i) => updateRecorderState((s) => addCapturedStep(s, stepFromCapture(click!), i * 1000).state)));
    expect((await readRecorderState()).draft!.steps).toHaveLength(4);
  });
});
