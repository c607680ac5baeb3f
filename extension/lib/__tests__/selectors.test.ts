/**
 * Selector generation on tricky DOMs, as the recorder sees them (issue 4): every selector the
 * recorder stores must find exactly the recorded element again, and brittle handles (generated ids,
 * empty attributes, duplicate texts) must not be used.
 */
import { querySelector, type Selector } from '@flowlens/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { describeTarget } from '../capture.ts';

function must<T extends Element = HTMLElement>(root: ParentNode, css: string): T {
  const el = root.querySelector<T>(css);
  if (!el) throw new Error(`fixture is missing ${css}`);
  return el;
}

const show = (selectors: Selector[]) => selectors.map((s) => `${s.kind}=${s.value}`);

/** Every stored selector finds this element and nothing else. */
function expectAllUnique(el: Element, selectors: Selector[]) {
  expect(selectors.length).toBeGreaterThan(0);
  for (const s of selectors) expect(querySelector(document, s), `${s.kind}=${s.value}`).toEqual([el]);
}

beforeEach(() => {
  document.body.innerHTML = '';
});

describe('recorded selectors', () => {
  it('never uses generated-looking ids or empty test ids, but keeps stable ones', () => {
    document.body.innerHTML = `
      <form>
        <input id=":r5:" name="q" aria-label="Search products" data-testid="">
        <button id="ember4312" class="css-1x9zq2 sc-aXZVg">Go</button>
        <button id="checkout-submit">Pay now</button>
      </form>`;
    const search = describeTarget(must(document, 'input'));
    expect(show(search.selectors).join('\n')).not.toMatch(/:r5:|testid=$/m);
    expect(search.selectors[0]).toMatchObject({ kind: 'role', value: 'textbox "Search products"' });
    expectAllUnique(must(document, 'input'), search.selectors);

    const go = describeTarget(must(document, 'button'));
    expect(show(go.selectors).join('\n')).not.toMatch(/ember4312|css-1x9zq2|sc-aXZVg/);
    expectAllUnique(must(document, 'button'), go.selectors);

    const pay = describeTarget(must(document, '#checkout-submit'));
    expect(show(pay.selectors)).toContain('id=checkout-submit');
  });

  it('does not offer a text selector when the text is duplicated, and disambiguates with the path', () => {
    document.body.innerHTML = `
      <ul>
        <li class="card"><h3>Brass lamp</h3><button>Add to cart</button></li>
        <li class="card"><h3>Linen shade</h3><button>Add to cart</button></li>
        <li class="card"><h3>Candle</h3><button>Add to cart</button></li>
      </ul>`;
    const second = document.querySelectorAll('button')[1]!;
    const { selectors, element } = describeTarget(second);
    expect(selectors.some((s) => s.kind === 'text' || s.kind === 'role')).toBe(false);
    expect(selectors[0]?.kind).toBe('css');
    expect(selectors[0]?.value).toContain('nth-of-type(2)');
    expectAllUnique(second, selectors);
    // The metadata remembers what told it apart: the product name nearby and the look-alikes.
    expect(element.nearbyText).toContain('Linen shade');
    expect(element.lookalikes).toBe(2);
  });

  it('names an icon-only button by its aria-label', () => {
    document.body.innerHTML = `
      <header>
        <button aria-label="Open cart"><svg viewBox="0 0 10 10"><path d="M0 0h10v10z"/></svg></button>
        <button aria-label="Search"><svg viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/></svg></button>
      </header>`;
    const cart = must(document, '[aria-label="Open cart"]');
    const { selectors, element } = describeTarget(cart);
    expect(selectors[0]).toMatchObject({ kind: 'role', value: 'button "Open cart"' });
    expect(element.name).toBe('Open cart');
    expectAllUnique(cart, selectors);
  });

  it('finds inputs by <label for> and by a wrapping <label>', () => {
    document.body.innerHTML = `
      <form>
        <label for="em">Email address</label><input id="em" type="email" name="email">
        <label>Postal code <input name="postal" class="field"></label>
        <label><input type="checkbox" name="terms"> I accept the terms</label>
      </form>`;
    const email = must(document, '#em');
    const emailSel = describeTarget(email);
    expect(emailSel.selectors[0]).toMatchObject({ kind: 'role', value: 'textbox "Email address"' });
    expect(show(emailSel.selectors)).toContain('label=Email address');
    expect(emailSel.element.labelText).toBe('Email address');
    expectAllUnique(email, emailSel.selectors);

    const postal = must(document, '[name=postal]');
    const postalSel = describeTarget(postal);
    expect(show(postalSel.selectors)).toContain('label=Postal code');
    expectAllUnique(postal, postalSel.selectors);

    const terms = must(document, '[name=terms]');
    const termsSel = describeTarget(terms);
    expect(termsSel.selectors[0]).toMatchObject({ kind: 'role', value: 'checkbox "I accept the terms"' });
    expectAllUnique(terms, termsSel.selectors);
  });

  it('reaches into open shadow roots with a piercing CSS path', () => {
    document.body.innerHTML = '<shop-newsletter></shop-newsletter><shop-newsletter></shop-newsletter>';
    const hosts = document.querySelectorAll('shop-newsletter');
    hosts.forEach((host, i) => {
      const root = host.attachShadow({ mode: 'open' });
      root.innerHTML = `<form><label for="e">Email ${i === 0 ? 'for news' : 'for offers'}</label><input id="e" type="email"><button type="submit">Subscribe</button></form>`;
    });
    const input = hosts[1]!.shadowRoot!.querySelector('input')!;
    const { selectors } = describeTarget(input);
    expect(selectors[0]).toMatchObject({ kind: 'role', value: 'textbox "Email for offers"' });
    const css = selectors.find((s) => s.kind === 'css');
    expect(css?.value).toContain('>>>');
    expectAllUnique(input, selectors);
    // The button text is the same in both roots: no text selector, but a unique path.
    const button = hosts[0]!.shadowRoot!.querySelector('button')!;
    const buttonSel = describeTarget(button);
    expect(buttonSel.selectors.some((s) => s.kind === 'text')).toBe(false);
    expectAllUnique(button, buttonSel.selectors);
  });

  it('tells list items apart when only their position differs', () => {
    document.body.innerHTML = `<ol class="results">${['Alpha', 'Beta', 'Gamma', 'Delta'].map((t) => `<li><a href="/r/${t.toLowerCase()}">Open</a> ${t}</li>`).join('')}</ol>`;
    const third = document.querySelectorAll('a')[2]!;
    const { selectors } = describeTarget(third);
    expect(selectors.some((s) => s.kind === 'text')).toBe(false);
    expect(selectors.find((s) => s.kind === 'css')?.value).toMatch(/li:nth-of-type\(3\)/);
    expect(selectors.find((s) => s.kind === 'xpath')?.value).toMatch(/li\[3\]/);
    expectAllUnique(third, selectors);
  });

  it('prefers a test id over everything else', () => {
    document.body.innerHTML = '<button data-testid="add-to-cart" id="b1">Add to cart</button><button>Add to cart</button>';
    const { selectors } = describeTarget(must(document, '[data-testid]'));
    expect(selectors[0]).toEqual({ kind: 'testid', value: 'add-to-cart', score: 100 });
  });
});
