// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import { accessibleName, getRole, isInteractive, labelText } from './aria.ts';
import { visibleText } from './dom.ts';
import { describeElement, nearbyText } from './meta.ts';
import { inReviews, must, renderShop } from './testing/shop-page.ts';

describe('roles and names', () => {
  it('computes implicit roles', () => {
    document.body.innerHTML = `
      <a id="l" href="/x">x</a><a id="nl">no href</a><input id="t"><input id="e" type="email"><input id="s" type="submit">
      <input id="c" type="checkbox"><input id="sr" type="search"><select id="sel"></select><select id="ms" multiple></select>
      <textarea id="ta"></textarea><img id="i" alt="x"><img id="d" alt=""><div role="Button Link" id="rb"></div>
      <header id="h"></header><article><header id="ah"></header></article><summary id="su">More</summary><input type="hidden" id="hid">`;
    const role = (id: string) => getRole(must(document, `#${id}`));
    expect(['l', 'nl', 't', 'e', 's', 'c', 'sr', 'sel', 'ms', 'ta', 'i', 'd', 'rb', 'h', 'ah', 'su', 'hid'].map(role)).toEqual([
      'link', '', 'textbox', 'textbox', 'button', 'checkbox', 'searchbox', 'combobox', 'listbox', 'textbox', 'img', 'presentation', 'button', 'banner', '', 'button', '',
    ]);
  });

  it('names elements in accname order', () => {
    document.body.innerHTML = `
      <span id="lbl1">Billing</span><span id="lbl2">address</span>
      <input id="a" aria-labelledby="lbl1 lbl2" aria-label="ignored">
      <button id="b" aria-label="Close dialog">×</button>
      <button id="c"><svg><title>Search</title></svg></button>
      <a id="d" href="/"><img src="logo.png" alt="Acme home"></a>
      <input id="e" type="submit" value="Send">
      <input id="f" placeholder="Search products">
      <button id="g">  Add <b>to</b>   cart <span aria-hidden="true">→</span></button>
      <div id="h" title="Tooltip">Content</div>
      <label for="i">Email</label><input id="i"><label>Phone <input id="j"><select><option>ignored</option></select></label>
      <input id="k" type="submit">`;
    const name = (id: string) => accessibleName(must(document, `#${id}`));
    expect(name('a')).toBe('Billing address');
    expect(name('b')).toBe('Close dialog');
    expect(name('c')).toBe('Search');
    expect(name('d')).toBe('Acme home');
    expect(name('e')).toBe('Send');
    expect(name('f')).toBe('Search products');
    expect(name('g')).toBe('Add to cart');
    expect(name('h')).toBe('Tooltip');
    expect(name('i')).toBe('Email');
    expect(name('j')).toBe('Phone');
    expect(labelText(must(document, '#j'))).toBe('Phone');
    expect(name('k')).toBe('Submit');
  });

  it('decides what is interactive', () => {
    document.body.innerHTML = '<button id="a"></button><div id="b"></div><div id="c" tabindex="-1"></div><span id="d" role="tab"></span><div id="e" contenteditable="true"></div>';
    expect(['a', 'b', 'c', 'd', 'e'].map((id) => isInteractive(must(document, `#${id}`)))).toEqual([true, false, false, true, true]);
  });

  it('reads visible text, skipping hidden parts and keeping word breaks', () => {
    document.body.innerHTML = '<div id="x"><p>Price</p><p>12</p><span hidden>secret</span><script>var a</script><b>Bo</b>ld <i style="display:none">no</i></div>';
    expect(visibleText(must(document, '#x'))).toBe('Price 12 Bold');
  });
});

describe('describeElement', () => {
  beforeEach(() => renderShop(document));

  it('records what the healer needs, and never a typed value', () => {
    const email = must(document, '#nl-email') as HTMLInputElement;
    email.value = 'typed@example.com';
    const meta = describeElement(email);
    expect(meta).toMatchObject({
      tag: 'input',
      role: 'textbox',
      name: 'Email address',
      labelText: 'Email address',
      attributes: { id: 'nl-email', name: 'email', type: 'email', placeholder: 'you@example.com' },
      ancestors: [{ tag: 'form', id: 'newsletter', classes: [] }, { tag: 'section', classes: ['newsletter'] }, { tag: 'main', id: 'content', classes: [] }],
      lookalikes: 0,
    });
    expect(JSON.stringify(meta)).not.toContain('typed@example.com');
  });

  it('drops generated ids and classes, and keeps href paths only', () => {
    const username = describeElement(must(document, 'input[name="username"]'));
    expect(username.attributes['id']).toBe(':r3:');
    const cart = describeElement(must(document, '[aria-label="Open cart"]'));
    expect(cart.attributes['class']).toBe('icon-btn');
    document.body.insertAdjacentHTML('beforeend', '<a id="abs" href="https://shop.example.com/pricing?x=1">P</a>');
    expect(describeElement(must(document, '#abs')).attributes['href']).toBe('/pricing');
  });

  it('counts look-alikes and finds the text that tells them apart', () => {
    const second = document.querySelectorAll('.product-card button')[1] as Element;
    const meta = describeElement(second);
    expect(meta.lookalikes).toBe(2);
    expect(meta.nearbyText).toBe('$35.00 Red linen shirt');
    expect(nearbyText(must(document, '[data-testid="login-submit"]'))).toBe('Password Username Forgot password?');
  });

  it('describes elements inside open shadow roots, with the host among the ancestors', () => {
    const meta = describeElement(inReviews(document, '.write-review'));
    expect(meta).toMatchObject({ role: 'button', name: 'Write a review', nearbyText: '4.5 out of 5 Reviews Load more' });
    expect(meta.ancestors.map((a) => a.tag)).toEqual(['div', 'shop-reviews', 'main']);
  });
});
