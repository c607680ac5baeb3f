/**
 * What the recorder captures from interactions (issue 4): one step per interaction, the meaningful
 * target, committed values, Enter-submit without duplicates, secrets as placeholders.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSecretField, secretNameFor, startCapture, type CapturedAction } from '../capture.ts';

let captured: CapturedAction[];
let stop: () => void;
let clock: number;

beforeEach(() => {
  captured = [];
  clock = 1_000;
  document.body.innerHTML = '';
  stop = startCapture(window, (a) => captured.push(a), { acceptUntrusted: true, now: () => clock });
});
afterEach(() => stop());

function click(el: Element) {
  el.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true }));
}
function type(el: HTMLInputElement, value: string) {
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true }));
}
function change(el: Element) {
  el.dispatchEvent(new Event('change', { bubbles: true }));
}
function enter(el: Element) {
  el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
}
const actions = () => captured.map((c) => c.action);

describe('startCapture', () => {
  it('records a click on an icon inside a button as a click on the button', () => {
    document.body.innerHTML = '<button aria-label="Open cart"><svg><path d="M0 0"/></svg></button>';
    click(document.querySelector('path')!);
    expect(actions()).toEqual(['click']);
    expect(captured[0]!.element.tag).toBe('button');
    expect(captured[0]!.selectors[0]?.value).toBe('button "Open cart"');
  });

  it('commits text on change, not per keystroke, and skips the focusing click', () => {
    document.body.innerHTML = '<label>Email <input name="email"></label>';
    const input = document.querySelector('input')!;
    click(input);
    type(input, 'a');
    type(input, 'ad');
    type(input, 'ada@example.com');
    change(input);
    expect(captured.map((c) => [c.action, 'value' in c ? c.value : null])).toEqual([['input', 'ada@example.com']]);
  });

  it('records Enter in a field once: the value, the key, and no extra click or submit', () => {
    document.body.innerHTML = '<form><label>Search <input name="q"></label><button type="submit">Go</button></form>';
    const input = document.querySelector('input')!;
    const form = document.querySelector('form')!;
    form.addEventListener('submit', (e) => e.preventDefault());
    type(input, 'lamp');
    enter(input);
    clock += 5;
    click(document.querySelector('button')!); // the browser's implicit-submit click
    form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    change(input); // fires on blur later: value already recorded
    expect(actions()).toEqual(['input', 'keypress']);
  });

  it('records a form submitted without a recorded click or Enter', () => {
    document.body.innerHTML = '<form aria-label="Newsletter"><input name="x"></form>';
    document.querySelector('form')!.dispatchEvent(new Event('submit', { bubbles: true }));
    expect(actions()).toEqual(['submit']);
  });

  it('records checkbox, radio and select as one step each, clicks on their labels included', () => {
    document.body.innerHTML = `
      <label><input type="checkbox" name="terms"> I accept</label>
      <label><input type="radio" name="ship" value="fast"> Express</label>
      <label for="c">Country</label><select id="c"><option value="ca">Canada</option><option value="de">Germany</option></select>`;
    const box = document.querySelector<HTMLInputElement>('[name=terms]')!;
    // The label click makes the browser click (and toggle) the box, which fires change: one step.
    click(document.querySelector('label')!);
    expect(box.checked).toBe(true);
    const radio = document.querySelector<HTMLInputElement>('[type=radio]')!;
    radio.checked = true;
    change(radio);
    const select = document.querySelector('select')!;
    click(select);
    select.value = 'de';
    change(select);
    expect(captured.map((c) => c.action)).toEqual(['check', 'check', 'select']);
    expect(captured[0]).toMatchObject({ checked: true });
    expect(captured[2]).toMatchObject({ value: 'de', optionText: 'Germany' });
  });

  it('ignores a double-reported click and the extension’s own UI', () => {
    document.body.innerHTML = '<button>Buy</button><div data-flowlens-ui><button>Inside our UI</button></div><flowlens-overlay><button>Pin</button></flowlens-overlay>';
    const buy = document.querySelector('button')!;
    click(buy);
    click(buy);
    click(document.querySelectorAll('button')[1]!);
    click(document.querySelectorAll('button')[2]!);
    expect(actions()).toEqual(['click']);
    clock += 1000;
    click(buy);
    expect(actions()).toEqual(['click', 'click']);
  });

  it('never sends a password: the value becomes {{secret:PASSWORD}}', () => {
    document.body.innerHTML = `
      <label>Password <input type="password" name="password"></label>
      <label>Confirm password <input type="password" name="confirm"></label>`;
    const [pw, confirm] = Array.from(document.querySelectorAll('input'));
    type(pw!, 'hunter2-very-secret');
    change(pw!);
    type(confirm!, 'hunter2-very-secret');
    change(confirm!);
    expect(captured.map((c) => ('value' in c ? c.value : ''))).toEqual(['{{secret:PASSWORD}}', '{{secret:PASSWORD}}']);
    expect(JSON.stringify(captured)).not.toContain('hunter2');
  });

  it('records a change inside an open shadow root', () => {
    document.body.innerHTML = '<x-field></x-field>';
    const root = document.querySelector('x-field')!.attachShadow({ mode: 'open' });
    root.innerHTML = '<label for="n">Nickname</label><input id="n">';
    const input = root.querySelector('input')!;
    input.dispatchEvent(new FocusEvent('focusin', { bubbles: true, composed: true }));
    type(input, 'Ada');
    change(input);
    expect(captured.map((c) => [c.action, 'value' in c ? c.value : null])).toEqual([['input', 'Ada']]);
  });

  it('ignores events a page script makes up (a page cannot write steps into the flow)', () => {
    stop();
    stop = startCapture(window, (a) => captured.push(a));
    document.body.innerHTML = '<button>Buy</button><input name="q">';
    click(document.querySelector('button')!);
    const input = document.querySelector('input')!;
    type(input, 'injected');
    change(input);
    expect(captured).toEqual([]);
  });

  it('stops listening when stopped', () => {
    document.body.innerHTML = '<button>Buy</button>';
    stop();
    click(document.querySelector('button')!);
    expect(captured).toEqual([]);
  });
});

describe('secret fields', () => {
  it('knows password-like fields and names their secrets', () => {
    document.body.innerHTML = `
      <input type="password" name="new_password" autocomplete="new-password">
      <input type="password" name="current" autocomplete="current-password">
      <input name="token" data-flowlens-secret="API token">
      <input name="email">`;
    const [np, cur, token, email] = Array.from(document.querySelectorAll('input'));
    expect([np, cur, token, email].map((e) => isSecretField(e!))).toEqual([true, true, true, false]);
    expect(secretNameFor(np!)).toBe('NEW_PASSWORD');
    expect(secretNameFor(cur!)).toBe('CURRENT_PASSWORD');
    expect(secretNameFor(token!)).toBe('API_TOKEN');
    // A sign-up form's new password (and its confirmation) is the account's PASSWORD.
    document.body.innerHTML = '<form><input type="password" name="password" autocomplete="new-password"><input type="password" name="confirm" autocomplete="new-password"></form>';
    expect(Array.from(document.querySelectorAll('input')).map((e) => secretNameFor(e))).toEqual(['PASSWORD', 'PASSWORD']);
    // A sign-in form's password, with the standard autocomplete="current-password", is PASSWORD too (issue 19).
    document.body.innerHTML = '<form><input type="email" autocomplete="username"><input type="password" id="current-password" name="current_password" autocomplete="current-password"></form>';
    expect(secretNameFor(document.querySelector('input[type=password]')!)).toBe('PASSWORD');
    // A change-password form keeps them apart.
    document.body.innerHTML = '<form><input type="password" name="old" autocomplete="current-password"><input type="password" name="new" autocomplete="new-password"><input type="password" name="again" autocomplete="new-password"></form>';
    expect(Array.from(document.querySelectorAll('input')).map((e) => secretNameFor(e))).toEqual(['CURRENT_PASSWORD', 'NEW_PASSWORD', 'NEW_PASSWORD']);
  });
});
