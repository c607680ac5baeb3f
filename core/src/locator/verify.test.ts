// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import type { Selector } from '../flow.ts';
import { generateSelectors } from './generate.ts';
import { describeElement } from './meta.ts';
import { resolveStep, type ResolvableStep } from './resolve.ts';
import { deriveElementMeta, equalIdentifiers, parseXPathPath, strongIdentity } from './verify.ts';

function must(sel: string): Element {
  const el = document.querySelector(sel);
  if (!el) throw new Error(`no ${sel}`);
  return el;
}

const PRODUCTS = ['Oak Stool', 'Brass Desk Lamp', 'Linen Throw', 'Ceramic Vase'];

/** A product list whose "Add to cart" ids are positional (#add-0, #add-1…). */
function productList(order: readonly string[]): string {
  return `<main><h1>Shop</h1><ul class="products">${order
    .map((name, i) => `<li class="card"><h3>${name}</h3><p>€${(i + 1) * 10 + name.length}</p><button id="add-${i}" type="button" class="btn add">Add to cart</button></li>`)
    .join('')}</ul></main>`;
}

function recordOn(html: string, find: () => Element): ResolvableStep {
  document.body.innerHTML = html;
  const el = find();
  return { selectors: generateSelectors(el), element: describeElement(el) };
}

describe('a selector match is a candidate, not a verdict', () => {
  it('does not click a positional id that now sits on another product card; it heals onto the recorded product', () => {
    // Recorded: "Add to cart" of the Linen Throw, third card, id add-2.
    const step = recordOn(productList(PRODUCTS), () => must('#add-2'));
    expect(step.element?.lookalikes).toBe(3);
    expect(step.selectors?.some((s) => s.kind === 'id' && s.value === 'add-2')).toBe(true);
    // The cards are reordered: #add-2 is now on the Oak Stool's card, the Linen Throw is first.
    document.body.innerHTML = productList(['Linen Throw', 'Brass Desk Lamp', 'Oak Stool', 'Ceramic Vase']);
    const result = resolveStep(document, step);
    const idAttempt = result.attempts.find((a) => a.selector.kind === 'id');
    expect(idAttempt).toMatchObject({ visible: 1, contradicted: true });
    expect(idAttempt?.note).toMatch(/contradicts the recording.*look-alikes/);
    expect(result.status).toBe('healed');
    expect(result.element?.closest('li')?.querySelector('h3')?.textContent).toBe('Linen Throw');
  });

  it('refuses when the recorded product is gone, even though its id still matches one button', () => {
    const step = recordOn(productList(PRODUCTS), () => must('#add-2'));
    document.body.innerHTML = productList(['Oak Stool', 'Brass Desk Lamp', 'Ceramic Vase', 'Walnut Tray']);
    const result = resolveStep(document, step);
    expect(result.status).not.toBe('found');
    expect(result.status).not.toBe('healed');
    expect(result.element).toBeUndefined();
  });

  it('still takes an id match whose words were translated, when id and name stay', () => {
    const page = (title: string, text: string) =>
      `<main><form id="checkout-form" aria-label="${title}"><input id="email" name="email" type="email" aria-label="Email"><button id="place-order" name="place" type="submit">${text}</button></form></main>`;
    const step = recordOn(page('Checkout', 'Place order'), () => must('#place-order'));
    document.body.innerHTML = page('Kasse', 'Bestellung aufgeben');
    const result = resolveStep(document, step);
    expect(result.status).toBe('found');
    expect(result.selectorUsed?.kind).toMatch(/^(id|testid)$/);
    expect(result.element).toBe(must('#place-order'));
  });

  it('refuses an id match on an element of another kind (a link where a button was)', () => {
    const step = recordOn('<main><button id="go" type="button">Continue</button></main>', () => must('#go'));
    document.body.innerHTML = '<main><input id="go" type="text" aria-label="Search"></main>';
    const result = resolveStep(document, step);
    expect(result.status).not.toBe('found');
    expect(result.attempts.find((a) => a.selector.kind === 'id')?.contradicted).toBe(true);
  });
});

describe('imported Chrome Recorder steps (no metadata)', () => {
  const recorder: Selector[] = [
    { kind: 'role', value: 'button "Place order"' },
    { kind: 'id', value: 'place-order' },
    { kind: 'testid', value: 'place-order' },
    { kind: 'xpath', value: '/html/body/main/form/div/button' },
    { kind: 'text', value: 'Place order' },
  ];
  const checkout = (button: string) =>
    `<main><form id="checkout" aria-label="Checkout"><input name="email" type="email" aria-label="Email"><div class="row">${button}</div></form>
     <section aria-label="Gift cards"><h2>Gift cards</h2><p>Send a €50 gift card.</p><div><button id="gift-buy" type="button">Buy gift card</button></div></section></main>`;

  it('derives the expected element from every selector', () => {
    const meta = deriveElementMeta(recorder);
    expect(meta).toMatchObject({ tag: 'button', role: 'button', name: 'Place order', text: 'Place order', attributes: { id: 'place-order', 'data-testid': 'place-order' } });
    expect(meta?.xpathAncestors.map((a) => a.tag)).toEqual(['div', 'form', 'main']);
    expect(parseXPathPath('//*[@id="checkout"]/div/button[2]')).toEqual({ steps: [{ tag: 'div' }, { tag: '*', id: 'checkout' }], self: { tag: 'button' } });
    expect(deriveElementMeta([{ kind: 'css', value: 'main > div' }])).toBeNull();
  });

  it('finds the unchanged button', () => {
    document.body.innerHTML = checkout('<button id="place-order" data-testid="place-order" type="submit">Place order</button>');
    expect(resolveStep(document, { selectors: recorder })).toMatchObject({ status: 'found', selectorUsed: { kind: 'role' } });
  });

  it('never clicks the "Place order" left in the Gift cards section when id and test id point at nothing', () => {
    document.body.innerHTML = checkout('<p>Checkout is closed.</p>').replace(
      '<button id="gift-buy" type="button">Buy gift card</button>',
      '<button id="gift-place" type="button">Place order</button>',
    );
    const result = resolveStep(document, { selectors: recorder });
    expect(result.element).toBeUndefined();
    expect(result.status).toBe('not_found');
    expect(result.attempts.find((a) => a.selector.kind === 'text')?.note).toMatch(/only its words match|does not decide alone/);
    expect(result.attempts.find((a) => a.selector.kind === 'role')?.contradicted).toBe(true);
  });

  it('does not let a text selector decide alone when the id and test id point at nothing', () => {
    document.body.innerHTML = checkout('<p>Checkout is closed.</p>').replace('Buy gift card', 'Place order');
    const result = resolveStep(document, { selectors: [{ kind: 'id', value: 'place-order' }, { kind: 'testid', value: 'place-order' }, { kind: 'text', value: 'Place order' }] });
    expect(result.attempts.find((a) => a.selector.kind === 'text')).toMatchObject({ visible: 1, note: expect.stringMatching(/does not decide alone/) });
    expect(result.status).toBe('not_found');
    expect(result.element).toBeUndefined();
  });

  it('takes a role match whose ids were renamed when it sits where the XPath said', () => {
    document.body.innerHTML = checkout('<button id="po-8f3a" data-testid="submit-order" type="submit">Place order</button>');
    const result = resolveStep(document, { selectors: recorder });
    expect(result.status).toBe('found');
    expect(result.element).toBe(must('#po-8f3a'));
  });
});

describe('imported steps with positional ids', () => {
  const selectors: Selector[] = [
    { kind: 'role', value: 'button "Add to cart"' },
    { kind: 'id', value: 'add-2' },
    { kind: 'xpath', value: '//*[@id="add-2"]' },
    { kind: 'text', value: 'Add to cart' },
  ];

  it('refuses one of several look-alikes named only by a positional id, even on an unchanged page, and does not heal', () => {
    document.body.innerHTML = productList(PRODUCTS);
    const result = resolveStep(document, { selectors });
    expect(result.element).toBeUndefined();
    expect(result.status).toBe('ambiguous');
    expect(result.attempts.find((a) => a.selector.kind === 'id')?.note).toMatch(/one of 4 look-alikes only by a positional-looking id \(add-2\)/);
  });

  it('takes a positional id that has no look-alike', () => {
    document.body.innerHTML = '<main><button id="step-2" type="button">Continue</button><button type="button">Back</button></main>';
    const result = resolveStep(document, { selectors: [{ kind: 'role', value: 'button "Continue"' }, { kind: 'id', value: 'step-2' }] });
    expect(result.status).toBe('found');
  });
});

describe('heal where a careful tester would', () => {
  const checkout = (actions: string, outside = '') =>
    `<main><header><nav aria-label="Account">${outside}</nav></header><form id="co" aria-labelledby="h"><h2 id="h">Checkout</h2><label for="e">Email</label><input id="e" name="email" type="email"><div class="actions">${actions}</div></form>
     <section aria-labelledby="g"><h2 id="g">Gift cards</h2><button type="button">Place order</button></section></main>`;
  const recorded = () => recordOn(checkout('<button id="place-order" type="submit" class="btn">Place order</button>'), () => must('#place-order'));

  it("clicks the form's only submit button when its words and id changed", () => {
    const step = recorded();
    document.body.innerHTML = checkout('<button id="x9f2" type="submit" class="c7">Complete purchase</button>');
    const result = resolveStep(document, step);
    expect(result.status).toBe('healed');
    expect(result.element).toBe(must('#x9f2'));
  });

  it('follows form= to a submit button moved out of the form', () => {
    const step = recorded();
    document.body.innerHTML = checkout('', '<button id="x9f2" type="submit" form="co">Complete purchase</button>');
    expect(resolveStep(document, step).element).toBe(must('#x9f2'));
  });

  it('refuses when the form now has two submit buttons', () => {
    const step = recorded();
    document.body.innerHTML = checkout('<button type="submit" name="later">Save for later</button><button id="x9f2" type="submit">Complete purchase</button>');
    expect(resolveStep(document, step).element).toBeUndefined();
  });

  it('refuses the opposite action under the same id (Sign in → Sign out)', () => {
    const step = recordOn('<header><nav><a id="account" href="/login">Sign in</a></nav></header>', () => must('#account'));
    document.body.innerHTML = '<header><nav><a id="account" href="/logout">Sign out</a></nav></header>';
    const result = resolveStep(document, step);
    expect(result.element).toBeUndefined();
    expect(result.attempts.find((a) => a.selector.kind === 'id')?.note).toMatch(/opposite/);
  });

  it('keeps a link whose text and href are unchanged when its section heading was translated', () => {
    const page = (h: string, cls: string) => `<main><section aria-labelledby="f"><h2 id="f">${h}</h2><ul><li><div class="${cls}"><a href="/p/linen" class="${cls}">Linen Throw</a></div></li></ul></section></main>`;
    const step = recordOn(page('Featured', 'card'), () => must('a'));
    document.body.innerHTML = page('Empfohlen', 'tile-x');
    expect(resolveStep(document, step)).toMatchObject({ element: must('a') });
  });
});

describe('identity evidence', () => {
  it('counts equal identifying attributes, and text + href as one', () => {
    document.body.innerHTML = '<a id="a" name="n" href="/team" class="x">Team</a><a id="a" name="n" href="/team" class="y">Team</a>';
    const [a, b] = Array.from(document.querySelectorAll('a'));
    const ma = describeElement(a!);
    const mb = describeElement(b!);
    expect(equalIdentifiers(ma, mb)).toEqual(['id', 'name', 'text+href']);
    expect(strongIdentity(ma, mb)).toBe(true);
    expect(strongIdentity(ma, { ...mb, attributes: { href: '/other' } })).toBe(false);
  });
});
