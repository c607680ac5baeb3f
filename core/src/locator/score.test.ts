import { describe, expect, it } from 'vitest';
import { ElementMetaSchema, type ElementMeta } from '../flow.ts';
import { SCORE_WEIGHTS, scoreCandidate } from './score.ts';

const meta = (m: Partial<ElementMeta> & { tag: string }): ElementMeta => ElementMetaSchema.parse(m);

const addToCart = meta({
  tag: 'button',
  role: 'button',
  name: 'Add to cart',
  text: 'Add to cart',
  nearbyText: 'Blue oxford shirt $20.00',
  attributes: { class: 'btn btn-primary', type: 'button' },
  ancestors: [{ tag: 'li', classes: ['product-card'] }, { tag: 'ul', classes: ['product-grid'] }],
  box: { x: 100, y: 400, width: 120, height: 40 },
});

describe('scoreCandidate', () => {
  it('weights sum to 1', () => {
    expect(Object.values(SCORE_WEIGHTS).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
  });

  it('scores an identical element 1 with a full breakdown', () => {
    const r = scoreCandidate(addToCart, addToCart);
    expect(r.score).toBe(1);
    expect(r.breakdown.caps).toEqual([]);
    expect(r.breakdown.features).toEqual({ role: 1, tag: 1, name: 1, text: 1, attributes: 1, classes: 1, label: null, nearby: 1, ancestors: 1, position: 1 });
  });

  it('stays above the healing threshold for a text tweak and a restyle', () => {
    const tweaked = meta({ ...addToCart, name: 'Add to basket', text: 'Add to basket', attributes: { class: 'button-v2', type: 'button' } });
    expect(scoreCandidate(addToCart, tweaked).score).toBeGreaterThan(0.75);
  });

  it('ignores what neither side knows, and position when asked', () => {
    const noBox = meta({ ...addToCart, box: null });
    expect(scoreCandidate(addToCart, noBox).breakdown.features.position).toBeNull();
    const far = meta({ ...addToCart, box: { x: 900, y: 2000, width: 120, height: 40 } });
    expect(scoreCandidate(addToCart, far).breakdown.features.position).toBe(0);
    expect(scoreCandidate(addToCart, far, { usePosition: false }).score).toBe(1);
  });

  it('caps a look-alike whose surroundings differ when the recording had look-alikes', () => {
    const recorded = meta({ ...addToCart, lookalikes: 2 });
    const otherProduct = meta({ ...addToCart, nearbyText: 'Red linen shirt $35.00' });
    const r = scoreCandidate(recorded, otherProduct);
    expect(r.score).toBe(0.6);
    expect(r.breakdown.caps.map((c) => c.cap)).toEqual(['context']);
    // Without look-alikes at record time, changed surroundings only lower the nearby feature.
    expect(scoreCandidate(addToCart, otherProduct).score).toBeGreaterThan(0.9);
  });

  it('never lets a password field pass for the username field', () => {
    const password = meta({ tag: 'input', role: 'textbox', name: 'Password', labelText: 'Password', attributes: { type: 'password', name: 'password' } });
    const username = meta({ tag: 'input', role: 'textbox', name: 'Username', labelText: 'Username', attributes: { name: 'username' } });
    const r = scoreCandidate(password, username);
    expect(r.breakdown.caps.map((c) => c.cap)).toContain('field-kind');
    expect(r.score).toBeLessThanOrEqual(0.5);
  });

  it('caps a different role family and a different identity', () => {
    const link = meta({ tag: 'a', role: 'link', name: 'Pricing', text: 'Pricing', attributes: { href: '/pricing' } });
    const textbox = meta({ tag: 'input', role: 'textbox', name: 'Pricing' });
    expect(scoreCandidate(link, textbox).breakdown.caps.map((c) => c.cap)).toContain('role-family');
    const about = meta({ tag: 'a', role: 'link', name: 'About', text: 'About', attributes: { href: '/about' } });
    const r = scoreCandidate(link, about);
    expect(r.breakdown.caps.map((c) => c.cap)).toEqual(['identity']);
    expect(r.score).toBeLessThanOrEqual(0.6);
    // The same href keeps identity even when the text changed completely.
    const renamed = meta({ tag: 'a', role: 'link', name: 'Plans', text: 'Plans', attributes: { href: '/pricing' } });
    expect(scoreCandidate(link, renamed).breakdown.caps).toEqual([]);
  });

  it('treats a link turned into a button as related, not identical', () => {
    const link = meta({ tag: 'a', role: 'link', name: 'Checkout', text: 'Checkout' });
    const button = meta({ tag: 'button', role: 'button', name: 'Checkout', text: 'Checkout' });
    const r = scoreCandidate(link, button);
    expect(r.breakdown.features.role).toBe(0.5);
    expect(r.breakdown.features.tag).toBe(0.5);
    expect(r.breakdown.caps).toEqual([]);
  });

  it('does not count generated ids as identity', () => {
    const a = meta({ tag: 'input', role: 'textbox', name: 'Email', attributes: { id: ':r1:' } });
    const b = meta({ tag: 'input', role: 'textbox', name: 'Email', attributes: { id: ':r7:' } });
    expect(scoreCandidate(a, b).breakdown.features.attributes).toBeNull();
  });
});
