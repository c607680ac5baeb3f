// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { describeElement, regionOf } from './meta.ts';
import { scoreCandidate } from './score.ts';

describe('regions', () => {
  it('names the nearest headed regions, innermost first, each by its own heading', () => {
    document.body.innerHTML = `
      <section aria-label="Newsletter"><form><fieldset><legend>Stay in touch</legend><input id="a"></fieldset></form></section>
      <form name="restock"><h2>Restock alerts</h2><button id="b">Subscribe</button></form>
      <main><button id="c">Loose</button></main>`;
    expect(regionOf(document.getElementById('a')!)).toBe('Stay in touch › Newsletter');
    expect(regionOf(document.getElementById('b')!)).toBe('Restock alerts');
    expect(regionOf(document.getElementById('c')!)).toBe('');
  });

  it('caps a look-alike that lives under another heading below the healing threshold', () => {
    document.body.innerHTML = `
      <form><h2>Get the weekly digest</h2><button id="t" name="subscribe">Subscribe</button></form>
      <form><h2>Restock alerts</h2><button id="d" name="subscribe">Subscribe</button></form>`;
    const recorded = describeElement(document.getElementById('t')!);
    const decoy = scoreCandidate(recorded, describeElement(document.getElementById('d')!));
    expect(decoy.breakdown.caps.map((c) => c.cap)).toContain('surroundings');
    expect(decoy.score).toBeLessThan(0.75);
    const same = scoreCandidate(recorded, describeElement(document.getElementById('t')!));
    expect(same.breakdown.caps).toEqual([]);
  });
});
