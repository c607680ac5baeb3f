/**
 * Test fixture: a realistic shop page with the DOM shapes the locator must handle — generated ids
 * and CSS-in-JS classes, duplicate "Add to cart" texts, icon-only buttons, inputs labelled by
 * <label for> and by wrapping, an open shadow root, and a list whose items differ only by content.
 * Used by the locator tests (jsdom); never shipped to pages.
 */

export const SHOP_HTML = `
<header class="site-header">
  <a href="/" class="logo" aria-label="Acme home"><svg viewBox="0 0 10 10"><path d="M0 0h10v10H0z"></path></svg></a>
  <nav aria-label="Main">
    <a href="/shop">Shop</a>
    <a href="/pricing" class="nav-link">Pricing</a>
    <a href="/about">About</a>
  </nav>
  <button class="icon-btn css-1k9xqz" aria-label="Open cart"><svg><path d="M1 1"></path></svg><span class="badge">2</span></button>
  <button class="icon-btn css-88ahq1" aria-label="Search"><svg><path d="M2 2"></path></svg></button>
</header>
<main id="content">
  <h1>Summer shirts</h1>
  <ul class="product-grid">
    <li class="product-card"><img src="/img/blue.png" alt="Blue oxford shirt"><h3>Blue oxford shirt</h3><p class="price">$20.00</p><button class="btn btn-primary sc-bdVaJa">Add to cart</button></li>
    <li class="product-card"><img src="/img/red.png" alt="Red linen shirt"><h3>Red linen shirt</h3><p class="price">$35.00</p><button class="btn btn-primary sc-bdVaJa">Add to cart</button></li>
    <li class="product-card"><img src="/img/green.png" alt="Green flannel shirt"><h3>Green flannel shirt</h3><p class="price">$28.00</p><button class="btn btn-primary sc-bdVaJa">Add to cart</button></li>
  </ul>
  <section aria-label="Newsletter" class="newsletter">
    <form id="newsletter" action="/subscribe">
      <label for="nl-email">Email address</label>
      <input id="nl-email" name="email" type="email" placeholder="you@example.com">
      <label class="consent"><input type="checkbox" name="consent"> I agree to receive emails</label>
      <button type="submit">Subscribe</button>
    </form>
  </section>
  <form class="login" action="/login">
    <label>Username <input name="username" id=":r3:" autocomplete="username"></label>
    <label>Password <input type="password" name="password" id=":r4:" autocomplete="current-password"></label>
    <button type="submit" data-testid="login-submit" class="btn">Sign in</button>
    <a href="/forgot">Forgot password?</a>
  </form>
  <shop-reviews></shop-reviews>
</main>
<footer><a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer>
`;

export const REVIEWS_SHADOW_HTML = `
<div class="reviews"><h2>Reviews</h2><p>4.5 out of 5</p>
  <button class="write-review primary">Write a review</button>
  <button class="more">Load more</button>
</div>`;

/** Renders the shop page into `doc`, optionally transformed, and attaches the open shadow root. */
export function renderShop(doc: Document, options: { html?: string; shadowHtml?: string } = {}): void {
  doc.body.innerHTML = options.html ?? SHOP_HTML;
  const host = doc.querySelector('shop-reviews');
  if (host) host.attachShadow({ mode: 'open' }).innerHTML = options.shadowHtml ?? REVIEWS_SHADOW_HTML;
}

/** The element inside the shop-reviews shadow root matching `css`. */
export function inReviews(doc: Document, css: string): Element {
  const el = doc.querySelector('shop-reviews')?.shadowRoot?.querySelector(css);
  if (!el) throw new Error(`fixture: nothing matches ${css} in the reviews shadow root`);
  return el;
}

export function must(doc: Document | Element, css: string): Element {
  const el = doc.querySelector(css);
  if (!el) throw new Error(`fixture: nothing matches ${css}`);
  return el;
}
