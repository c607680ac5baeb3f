// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { cssPath, generateSelectors } from './generate.ts';
import { querySelector } from './query.ts';
import { meaningfulTarget } from './target.ts';
import { inReviews, must, renderShop } from './testing/shop-page.ts';

const kinds = (el: Element) => generateSelectors(el).map((s) => `${s.kind}=${s.value}`);

describe('generateSelectors', () => {
  beforeEach(() => renderShop(document));

  it('ranks test id first and keeps every unique fallback', () => {
    const button = must(document, '[data-testid="login-submit"]');
    const selectors = generateSelectors(button);
    expect(selectors.map((s) => s.kind)).toEqual(['testid', 'role', 'text', 'css', 'xpath']);
    expect(selectors[0]).toEqual({ kind: 'testid', value: 'login-submit', score: 100 });
    expect(selectors[1]?.value).toBe('button "Sign in"');
    for (const s of selectors) expect(querySelector(document, s)).toEqual([button]);
  });

  it('uses another test-id attribute with its name in the value', () => {
    document.body.innerHTML = '<button data-qa="buy">Buy</button><button>Other</button>';
    expect(generateSelectors(must(document, 'button'))[0]).toEqual({ kind: 'testid', value: 'data-qa=buy', score: 100 });
  });

  it('never uses generated ids, generated classes or empty test ids', () => {
    const username = must(document, 'input[name="username"]');
    const all = kinds(username).join('\n');
    expect(all).not.toContain(':r3:');
    expect(kinds(must(document, '.product-card button')).join('\n')).not.toContain('sc-bdVaJa');
    expect(kinds(must(document, '.icon-btn')).join('\n')).not.toContain('css-1k9xqz');

    document.body.innerHTML = '<div><button id="ember1234" data-testid="" class="css-1x2y3z">Go</button><button>Stop</button></div>';
    const go = kinds(must(document, 'button'));
    expect(go).toEqual(['role=button "Go"', 'text=Go', 'css=button:nth-of-type(1)', 'xpath=/html/body/div/button[1]']);
  });

  it('gives an icon-only button its aria-label as role name', () => {
    expect(kinds(must(document, '[aria-label="Open cart"]'))[0]).toBe('role=button "Open cart"');
    expect(kinds(must(document, 'a.logo'))[0]).toBe('role=link "Acme home"');
  });

  it('labels inputs by <label for> and by a wrapping <label>', () => {
    const email = kinds(must(document, '#nl-email'));
    expect(email.slice(0, 3)).toEqual(['role=textbox "Email address"', 'label=Email address', 'id=nl-email']);
    const password = kinds(must(document, 'input[type="password"]'));
    expect(password.slice(0, 2)).toEqual(['role=textbox "Password"', 'label=Password']);
    const consent = kinds(must(document, 'input[name="consent"]'));
    expect(consent.slice(0, 2)).toEqual(['role=checkbox "I agree to receive emails"', 'label=I agree to receive emails']);
  });

  it('drops selectors that match duplicates and falls back to nth-of-type paths in lists', () => {
    const buttons = document.querySelectorAll('.product-card button');
    const second = buttons[1] as Element;
    const selectors = kinds(second);
    expect(selectors.some((s) => s.startsWith('role=') || s.startsWith('text='))).toBe(false);
    expect(selectors).toContain('css=li.product-card:nth-of-type(2) > button.btn.btn-primary');
    expect(selectors).toContain('xpath=//*[@id="content"]/ul/li[2]/button');
    for (const [i, b] of Array.from(buttons).entries()) {
      for (const s of generateSelectors(b)) expect(querySelector(document, s), `button ${i} ${s.value}`).toEqual([b]);
    }
  });

  it('reaches into open shadow roots with a >>> css path and semantic selectors', () => {
    const write = inReviews(document, '.write-review');
    const selectors = generateSelectors(write);
    expect(selectors.map((s) => s.kind)).toEqual(['role', 'text', 'css']);
    expect(selectors.find((s) => s.kind === 'css')?.value).toBe('shop-reviews >>> button.write-review.primary');
    for (const s of selectors) expect(querySelector(document, s)).toEqual([write]);
    expect(cssPath(write)).toBe('shop-reviews >>> button.write-review.primary');
  });

  it('does not count a hidden duplicate (a desktop-only copy) against uniqueness', () => {
    document.body.innerHTML = '<nav hidden><a href="/p">Pricing</a></nav><nav><a href="/p">Pricing</a></nav>';
    const shown = document.querySelectorAll('a')[1] as Element;
    expect(kinds(shown)[0]).toBe('role=link "Pricing"');
  });

  it('produces only selectors that resolve to the element, for every element of the page', () => {
    let checked = 0;
    for (const el of document.querySelectorAll('body *')) {
      for (const s of generateSelectors(el)) {
        expect(querySelector(document, s), `${el.outerHTML.slice(0, 60)} via ${s.kind}=${s.value}`).toEqual([el]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe('meaningfulTarget', () => {
  beforeEach(() => renderShop(document));

  it('climbs from an icon to its button or link', () => {
    expect(meaningfulTarget(must(document, '[aria-label="Open cart"] path'))).toBe(must(document, '[aria-label="Open cart"]'));
    expect(meaningfulTarget(must(document, '.badge'))).toBe(must(document, '[aria-label="Open cart"]'));
    expect(meaningfulTarget(must(document, 'a.logo svg'))).toBe(must(document, 'a.logo'));
  });

  it('turns a click on label text into the labelled control', () => {
    expect(meaningfulTarget(must(document, 'label[for="nl-email"]'))).toBe(must(document, '#nl-email'));
    expect(meaningfulTarget(must(document, 'label.consent'))).toBe(must(document, 'input[name="consent"]'));
  });

  it('recognises role=button, onclick and tabindex containers, and leaves plain text alone', () => {
    document.body.innerHTML = '<div role="button" id="a"><span id="a1">x</span></div><div onclick="f()"><b id="b1">y</b></div><div tabindex="0"><i id="c1">z</i></div><p id="p">plain</p>';
    expect(meaningfulTarget(must(document, '#a1')).id).toBe('a');
    expect(meaningfulTarget(must(document, '#b1')).getAttribute('onclick')).toBe('f()');
    expect(meaningfulTarget(must(document, '#c1')).getAttribute('tabindex')).toBe('0');
    expect(meaningfulTarget(must(document, '#p')).id).toBe('p');
  });

  it('crosses a shadow boundary to an interactive host', () => {
    document.body.innerHTML = '<fancy-button role="button" aria-label="Buy"></fancy-button>';
    const host = must(document, 'fancy-button');
    host.attachShadow({ mode: 'open' }).innerHTML = '<span class="label">Buy</span>';
    const span = host.shadowRoot?.querySelector('span') as Element;
    expect(meaningfulTarget(span)).toBe(host);
  });
});
