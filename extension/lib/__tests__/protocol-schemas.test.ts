/**
 * What a content script sends is parsed before a background handler sees it (issue 16). The
 * schemas must take everything our own content scripts send (a real capture from lib/capture.ts)
 * and refuse what a hostile page-side script could send instead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startCapture, type CapturedAction } from '../capture.ts';
import { capturePage, capturePicked, captureStep, overlayPage, overlaySnooze, walkResize, walkStop } from '../protocol-schemas.ts';

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  document.body.innerHTML = '';
});

function captureFrom(html: string, act: (doc: Document) => void): CapturedAction[] {
  const got: CapturedAction[] = [];
  document.body.innerHTML = html;
  stop = startCapture(window, (a) => got.push(a), { acceptUntrusted: true });
  act(document);
  return got;
}

describe('lib/protocol-schemas.ts', () => {
  it("takes the recorder's own captures, as they are sent", () => {
    const clicks = captureFrom('<button aria-label="Open cart"><svg><path d="M0 0"/></svg></button>', (d) =>
      d.querySelector('path')!.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true })),
    );
    expect(clicks).toHaveLength(1);
    // Through the message channel: structured clone, as Chrome delivers it.
    const sent = structuredClone(clicks[0]!);
    const parsed = captureStep.safeParse(sent);
    expect(parsed.success).toBe(true);
    if (parsed.success) {
      expect(parsed.data.action).toBe('click');
      expect(parsed.data.selectors).toEqual(sent.selectors);
    }
    expect(capturePicked.safeParse({ target: { selectors: sent.selectors, element: sent.element }, text: 'Open cart' }).success).toBe(true);
  });

  it('refuses hostile captures: an unknown action, a selector that is not one, a non-finite rect', () => {
    const [click] = captureFrom('<button id="buy">Buy</button>', (d) => d.getElementById('buy')!.dispatchEvent(new MouseEvent('click', { bubbles: true })));
    const base = structuredClone(click!);
    expect(captureStep.safeParse({ ...base, action: 'evaluate' }).success).toBe(false);
    expect(captureStep.safeParse({ ...base, selectors: [{ kind: 'javascript', value: 'alert(1)' }] }).success).toBe(false);
    expect(captureStep.safeParse({ ...base, rect: { x: Number.NaN, y: 0, width: 1, height: 1 } }).success).toBe(false);
    expect(captureStep.safeParse({ ...base, action: 'input', value: 'x'.repeat(100_001) }).success).toBe(false);
    expect(captureStep.safeParse('click').success).toBe(false);
  });

  it('caps texts by cutting them (a long page title still records the page change), and refuses wrong types', () => {
    const page = capturePage.safeParse({ url: 'https://shop.test/', title: 't'.repeat(5000), kind: 'route' });
    expect(page.success && page.data.title.length).toBe(2000);
    expect(capturePage.safeParse({ url: 'https://shop.test/', title: 'x', kind: 'reload' }).success).toBe(false);
    expect(overlayPage.safeParse({ url: 42 }).success).toBe(false);
    expect(overlaySnooze.safeParse({ bugId: 'b', days: Number.POSITIVE_INFINITY }).success).toBe(false);
    expect(overlaySnooze.safeParse({ bugId: 'x'.repeat(201), days: 7 }).success).toBe(false);
    expect(walkResize.safeParse({ width: '375', height: 812 }).success).toBe(false);
    const stopped = walkStop.safeParse({ unresolved: { index: 0, error: 'e'.repeat(2000) } });
    expect(stopped.success && stopped.data.unresolved?.error.length).toBe(500);
  });
});
