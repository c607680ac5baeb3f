// @vitest-environment jsdom
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Selector } from '../flow.ts';
import { generateSelectors } from './generate.ts';
import { describeElement } from './meta.ts';
import { querySelector, SelectorError } from './query.ts';
import { explainResolveFailure, resolveStep, type ResolvableStep } from './resolve.ts';
import { inReviews, must, renderShop, REVIEWS_SHADOW_HTML, SHOP_HTML } from './testing/shop-page.ts';

/** Record a step the way the extension does: selectors and metadata of the element, on the original page. */
function record(find: (doc: Document) => Element): ResolvableStep {
  renderShop(document);
  const el = find(document);
  return { selectors: generateSelectors(el), element: describeElement(el) };
}

describe('querySelector', () => {
  beforeEach(() => renderShop(document));

  it('matches each kind', () => {
    const q = (kind: Selector['kind'], value: string) => querySelector(document, { kind, value });
    expect(q('testid', 'login-submit')).toEqual([must(document, '[data-testid="login-submit"]')]);
    expect(q('role', 'button "Add to cart"')).toHaveLength(3);
    expect(q('role', 'navigation')).toEqual([must(document, 'nav')]);
    expect(q('label', 'Email address')).toEqual([must(document, '#nl-email')]);
    expect(q('text', 'Subscribe')).toEqual([must(document, '#newsletter button')]);
    expect(q('id', 'nl-email')).toEqual([must(document, '#nl-email')]);
    expect(q('css', 'ul > li:nth-of-type(3) > button')).toEqual([must(document, 'li:nth-of-type(3) button')]);
    expect(q('xpath', '//footer/a[2]')).toEqual([must(document, 'footer a:nth-of-type(2)')]);
    expect(q('css', '>>> button.more')).toEqual([inReviews(document, 'button.more')]);
    expect(q('css', 'button.more')).toEqual([]);
  });

  it('retargets text matches to the interactive ancestor and compares exactly', () => {
    document.body.innerHTML = '<button><span>Add</span> <b>to cart</b></button><p>add to cart</p>';
    expect(querySelector(document, { kind: 'text', value: 'Add to cart' })).toEqual([must(document, 'button')]);
    expect(querySelector(document, { kind: 'text', value: 'add to cart' })).toEqual([must(document, 'p')]);
  });

  it('throws a SelectorError naming the selector for invalid CSS, XPath or role syntax', () => {
    expect(() => querySelector(document, { kind: 'css', value: 'button[' })).toThrow(SelectorError);
    expect(() => querySelector(document, { kind: 'css', value: 'button[' })).toThrow(/css selector "button\[" cannot be used: it is not valid CSS/);
    expect(() => querySelector(document, { kind: 'xpath', value: '//button[' })).toThrow(/not valid XPath/);
    expect(() => querySelector(document, { kind: 'role', value: 'Button "x' })).toThrow(/looks like button "Add to cart"/);
  });
});

describe('resolveStep', () => {
  it('finds an unchanged element with its best selector', () => {
    const step = record((d) => must(d, '[data-testid="login-submit"]'));
    const result = resolveStep(document, step);
    expect(result.status).toBe('found');
    expect(result.selectorUsed?.kind).toBe('testid');
    expect(result.element).toBe(must(document, '[data-testid="login-submit"]'));
  });

  it('skips selectors that now match several visible elements and uses the next one', () => {
    const step = record((d) => must(d, '#newsletter button'));
    document.body.insertAdjacentHTML('beforeend', '<button>Subscribe</button>');
    const result = resolveStep(document, step);
    expect(result.status).toBe('found');
    expect(result.attempts[0]).toMatchObject({ visible: 2 });
    expect(result.element).toBe(must(document, '#newsletter button'));
  });

  it('ignores a hidden match (a mobile-only copy on desktop)', () => {
    const step = record((d) => must(d, '#newsletter button'));
    document.body.insertAdjacentHTML('beforeend', '<div style="display:none"><button>Subscribe</button></div>');
    expect(resolveStep(document, step)).toMatchObject({ status: 'found', selectorUsed: { kind: 'role' } });
  });

  it('reports broken selectors instead of throwing, and explains failures', () => {
    renderShop(document);
    const result = resolveStep(document, { selectors: [{ kind: 'css', value: 'button[' }, { kind: 'id', value: 'gone' }] });
    expect(result.status).toBe('not_found');
    expect(result.attempts[0]?.note).toMatch(/not valid CSS/);
    expect(explainResolveFailure(result)).toMatch(/^Tried button\[ \(0 visible; css selector .*#gone \(0 visible\); the closest element, ".*", scored [0-9.]+ \(needs 0\.75\)\.$/);
  });

  it('is ambiguous when a selector matches several visible elements and there is nothing to heal with', () => {
    renderShop(document);
    const result = resolveStep(document, { selectors: [{ kind: 'role', value: 'button "Add to cart"' }] });
    expect(result).toMatchObject({ status: 'ambiguous', attempts: [{ matched: 3, visible: 3 }] });
    expect(result.element).toBeUndefined();
  });

  it('heals within a candidate bound and can be told not to heal', () => {
    const step = record((d) => must(d, '#nl-email'));
    const html = SHOP_HTML.replace('<label for="nl-email">Email address</label>', '<label for="x-mail">Your email</label>')
      .replace('id="nl-email"', 'id="x-mail"')
      .replace('<form id="newsletter"', '<form id="signup"');
    renderShop(document, { html });
    const bounded = resolveStep(document, step, { maxCandidates: 3 });
    expect(bounded.status).toBe('healed');
    expect(bounded.element).toBe(must(document, '#x-mail'));
    expect(bounded.selectorUsed).toEqual({ kind: 'role', value: 'textbox "Your email"', score: 90 });
    expect(resolveStep(document, step, { heal: false }).status).toBe('not_found');
  });

  it('does not trust a CSS path that now points at another list item', () => {
    const step = record((d) => must(d, '.product-card:nth-of-type(1) button'));
    // Swap the first two products: the nth-of-type path now hits the red shirt.
    const html = SHOP_HTML.replace(/(<li class="product-card"><img src="\/img\/blue.png"[\s\S]*?<\/li>)\s*(<li class="product-card"><img src="\/img\/red.png"[\s\S]*?<\/li>)/, '$2$1');
    renderShop(document, { html });
    const result = resolveStep(document, step);
    expect(result.attempts[0]?.note).toMatch(/points elsewhere/);
    expect(result.status).toBe('healed');
    expect(result.element?.closest('li')?.querySelector('h3')?.textContent).toBe('Blue oxford shirt');
  });
});

// ---------------------------------------------------------------------------------------------
// Healing benchmark: recorded on the original shop page, replayed on a mutated one. The true target
// in the mutated page carries data-truth (an attribute neither selectors nor metadata look at).

type Expect = 'correct' | 'refuse' | 'correct-or-refuse';

interface Scenario {
  name: string;
  target: (doc: Document) => Element;
  mutate: (html: string, shadow: string) => { html: string; shadow?: string };
  expect: Expect;
}

const truth = (html: string, marker: string) => html.replace(marker, `${marker.replace(/>$/, '')} data-truth>`);
const blueCard = /<li class="product-card"><img src="\/img\/blue.png"[\s\S]*?<\/li>/;
const blueButton = (d: Document) => must(d, '.product-card:nth-of-type(1) button');

const scenarios: Scenario[] = [
  {
    name: 'list: reordered siblings',
    target: blueButton,
    mutate: (html) => {
      const card = blueCard.exec(html)?.[0] ?? '';
      const moved = html.replace(card, '').replace('</ul>', `${card.replace('<button class="btn btn-primary sc-bdVaJa">', '<button class="btn btn-primary sc-bdVaJa" data-truth>')}</ul>`);
      return { html: moved };
    },
    expect: 'correct',
  },
  {
    name: 'list: renamed classes and a new wrapper',
    target: blueButton,
    mutate: (html) => ({
      html: html
        .replace(/<button class="btn btn-primary sc-bdVaJa">Add to cart<\/button>/g, '<div class="actions"><button class="button button--primary sc-hKgILt">Add to cart</button></div>')
        .replace('<div class="actions"><button class="button button--primary sc-hKgILt">', '<div class="actions"><button class="button button--primary sc-hKgILt" data-truth>'),
    }),
    expect: 'correct',
  },
  {
    name: 'list: text tweak "Add to cart" → "Add to basket" and reorder',
    target: blueButton,
    mutate: (html) => {
      const renamed = html.replace(/Add to cart/g, 'Add to basket');
      const card = blueCard.exec(renamed)?.[0] ?? '';
      return { html: renamed.replace(card, '').replace('</ul>', `${card.replace('sc-bdVaJa">', 'sc-bdVaJa" data-truth>')}</ul>`) };
    },
    expect: 'correct',
  },
  {
    name: 'list: the button removed from its card (others remain)',
    target: blueButton,
    mutate: (html) => ({ html: html.replace(/(Blue oxford shirt<\/h3><p class="price">\$20.00<\/p>)<button[^>]*>Add to cart<\/button>/, '$1<p>Sold out</p>') }),
    expect: 'refuse',
  },
  {
    name: 'list: the whole card removed',
    target: blueButton,
    mutate: (html) => ({ html: html.replace(blueCard, '') }),
    expect: 'refuse',
  },
  {
    name: 'list: look-alike decoy added elsewhere (original intact)',
    target: blueButton,
    mutate: (html) => ({
      html: truth(html, '<button class="btn btn-primary sc-bdVaJa">').replace(
        '</main>',
        '<aside class="recommended"><div class="product-card"><h3>Blue oxford shirt</h3><p class="price">$20.00</p><button class="btn btn-primary sc-bdVaJa">Add to cart</button></div></aside></main>',
      ),
    }),
    expect: 'correct',
  },
  {
    name: 'list: decoy added and the original restyled (selectors broken)',
    target: blueButton,
    mutate: (html) => ({
      html: html
        .replace(/<ul class="product-grid">/, '<div class="grid-v2"><ul class="products">')
        .replace('</ul>', '</ul></div>')
        .replace(/<button class="btn btn-primary sc-bdVaJa">Add to cart<\/button>/g, '<button class="cta">Add to cart</button>')
        .replace('<button class="cta">', '<button class="cta" data-truth>')
        .replace('</main>', '<aside><div class="product-card"><h3>Blue oxford shirt</h3><p class="price">$20.00</p><button class="cta">Add to cart</button></div></aside></main>'),
    }),
    expect: 'correct-or-refuse',
  },
  {
    name: 'test id renamed, text unchanged',
    target: (d) => must(d, '[data-testid="login-submit"]'),
    mutate: (html) => ({ html: html.replace('data-testid="login-submit" class="btn"', 'data-testid="signin-button" class="btn" data-truth') }),
    expect: 'correct',
  },
  {
    name: 'test id removed and text tweaked "Sign in" → "Sign in now"',
    target: (d) => must(d, '[data-testid="login-submit"]'),
    mutate: (html) => ({ html: html.replace('<button type="submit" data-testid="login-submit" class="btn">Sign in</button>', '<button type="submit" class="btn" data-truth>Sign in now</button>') }),
    expect: 'correct',
  },
  {
    name: 'icon-only button: aria-label and generated class changed',
    target: (d) => must(d, '[aria-label="Open cart"]'),
    mutate: (html) => ({ html: html.replace('<button class="icon-btn css-1k9xqz" aria-label="Open cart">', '<button class="icon-btn css-77ab12" aria-label="Cart" data-truth>') }),
    expect: 'correct',
  },
  {
    name: 'icon-only button moved into a toolbar and relabelled "View cart"',
    target: (d) => must(d, '[aria-label="Open cart"]'),
    mutate: (html) => ({
      html: html
        .replace(/<button class="icon-btn css-1k9xqz"[\s\S]*?<\/button>/, '')
        .replace('</nav>', '</nav><div class="toolbar"><span class="sep"></span><button class="icon-btn css-q1w2e3" aria-label="View cart" data-truth><svg><path d="M1 1"></path></svg><span class="badge">3</span></button></div>'),
    }),
    expect: 'correct',
  },
  {
    name: 'generated ids regenerated on every render',
    target: (d) => must(d, 'input[name="username"]'),
    mutate: (html) => ({ html: html.replace('id=":r3:"', 'id=":r9:" data-truth').replace('id=":r4:"', 'id=":ra:"') }),
    expect: 'correct',
  },
  {
    name: 'form restructured into a fieldset, label "Email address" → "E-mail address", id gone',
    target: (d) => must(d, '#nl-email'),
    mutate: (html) => ({
      html: html.replace(
        /<label for="nl-email">Email address<\/label>\s*<input id="nl-email"[^>]*>/,
        '<fieldset class="fields"><legend>Stay in touch</legend><label>E-mail address <input name="email" type="email" placeholder="you@example.com" data-truth></label></fieldset>',
      ),
    }),
    expect: 'correct',
  },
  {
    name: 'icon-only button removed (must not become the search button)',
    target: (d) => must(d, '[aria-label="Open cart"]'),
    mutate: (html) => ({ html: html.replace(/<button class="icon-btn css-1k9xqz"[\s\S]*?<\/button>/, '') }),
    expect: 'refuse',
  },
  {
    name: 'input labelled by <label for>: label text and id renamed',
    target: (d) => must(d, '#nl-email'),
    mutate: (html) => ({
      html: html
        .replace('<label for="nl-email">Email address</label>', '<label for="newsletter-email">Your email</label>')
        .replace('<input id="nl-email"', '<input id="newsletter-email" data-truth'),
    }),
    expect: 'correct',
  },
  {
    name: 'password field removed (must not become the username field)',
    target: (d) => must(d, 'input[type="password"]'),
    mutate: (html) => ({ html: html.replace(/<label>Password <input[^>]*><\/label>/, '') }),
    expect: 'refuse',
  },
  {
    name: 'wrapped checkbox: label reworded and fields reordered',
    target: (d) => must(d, 'input[name="consent"]'),
    mutate: (html) => ({
      html: html
        .replace('<label class="consent"><input type="checkbox" name="consent"> I agree to receive emails</label>', '')
        .replace('<label for="nl-email">', '<label class="consent"><input type="checkbox" name="consent" data-truth> I agree to receive marketing emails</label><label for="nl-email">'),
    }),
    expect: 'correct',
  },
  {
    name: 'nav link removed (must not become another nav link)',
    target: (d) => must(d, 'a.nav-link'),
    mutate: (html) => ({ html: html.replace('<a href="/pricing" class="nav-link">Pricing</a>', '') }),
    expect: 'refuse',
  },
  {
    name: 'nav link renamed "Pricing" → "Plans & pricing", href changed',
    target: (d) => must(d, 'a.nav-link'),
    mutate: (html) => ({ html: html.replace('<a href="/pricing" class="nav-link">Pricing</a>', '<a href="/plans" class="nav-link" data-truth>Plans &amp; pricing</a>') }),
    expect: 'correct-or-refuse',
  },
  {
    name: 'shadow DOM button: text tweak and class renamed',
    target: (d) => inReviews(d, '.write-review'),
    mutate: (html, shadow) => ({ html, shadow: shadow.replace('<button class="write-review primary">Write a review</button>', '<button class="review-cta primary" data-truth>Write review</button>') }),
    expect: 'correct',
  },
  {
    name: 'shadow DOM button removed (must not become "Load more")',
    target: (d) => inReviews(d, '.write-review'),
    mutate: (html, shadow) => ({ html, shadow: shadow.replace(/<button class="write-review primary">Write a review<\/button>/, '') }),
    expect: 'refuse',
  },
];

describe('healing benchmark', () => {
  const tally = { correct: 0, existing: 0, wrong: 0, refused: 0, removed: 0 };
  const lines: string[] = [];

  for (const scenario of scenarios) {
    it(scenario.name, () => {
      const step = record(scenario.target);
      const mutated = scenario.mutate(SHOP_HTML, REVIEWS_SHADOW_HTML);
      renderShop(document, { html: mutated.html, shadowHtml: mutated.shadow ?? REVIEWS_SHADOW_HTML });
      const truthEl = document.querySelector('[data-truth]') ?? document.querySelector('shop-reviews')?.shadowRoot?.querySelector('[data-truth]') ?? null;
      if (scenario.expect === 'refuse') expect(truthEl, 'a removal scenario has no true target').toBeNull();
      else expect(truthEl, 'the mutated page marks its true target').not.toBeNull();

      const result = resolveStep(document, step);
      const picked = result.element ?? null;
      const correct = picked !== null && picked === truthEl;
      const wrong = picked !== null && picked !== truthEl;
      if (truthEl) {
        tally.existing++;
        if (correct) tally.correct++;
      } else {
        tally.removed++;
        if (!picked) tally.refused++;
      }
      if (wrong) tally.wrong++;

      const detail = `${result.status} ${explainResolveFailure(result)} top: ${result.candidates
        .slice(0, 3)
        .map((c) => `${c.meta.name || c.meta.tag}=${c.score}`)
        .join(', ')}`;
      lines.push(`  ${correct ? 'right' : wrong ? 'WRONG' : 'none '} ${result.status.padEnd(9)} ${result.confidence ?? '-'}  ${scenario.name}`);
      expect(wrong, `picked the wrong element: ${detail}`).toBe(false);
      if (scenario.expect === 'correct') expect(correct, detail).toBe(true);
      if (scenario.expect === 'refuse') expect(['not_found', 'ambiguous'], detail).toContain(result.status);
    });
  }

  afterAll(() => {
    const pct = tally.existing === 0 ? 0 : Math.round((100 * tally.correct) / tally.existing);
    console.log(
      `healing benchmark: ${scenarios.length} scenarios; found the right element in ${tally.correct}/${tally.existing} where it still exists (${pct}%); ` +
        `refused ${tally.refused}/${tally.removed} where it was removed; wrong element ${tally.wrong}\n${lines.join('\n')}`,
    );
    // The bar for the engine as a whole (individual scenarios are asserted above).
    expect(tally.wrong).toBe(0);
    expect(tally.correct / tally.existing).toBeGreaterThanOrEqual(0.8);
  });
});
