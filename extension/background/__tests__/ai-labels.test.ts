/**
 * AI labels are best effort (issue 4): they replace template labels, never a label the user wrote
 * (also one written while the request was in flight), and a 503 / failure changes nothing.
 */
import { parseStep, type Step } from '@flowlens/core';
import { LabelStepsRequestSchema } from '@flowlens/core/edge-functions';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { applyEdit } from '../../lib/draft.ts';
import { emptyState, readRecorderState, updateRecorderState } from '../../lib/state.ts';

const invoke = vi.fn();
vi.mock('../backend-access.ts', () => ({
  signedIn: async () => ({ db: { functions: { invoke } }, userId: 'u', email: 'e', accessToken: 't' }),
}));
const { improveLabels, labelStepsBody } = await import('../ai-labels.ts');

function click(label: string, labelSource: 'template' | 'user' = 'template'): Step {
  return { action: 'click', selectors: [{ kind: 'css', value: '#b' }], label, labelSource } as Step;
}

beforeEach(async () => {
  fakeBrowser.reset();
  invoke.mockReset();
  await updateRecorderState(() => ({
    ...emptyState(),
    siteId: 'site-1',
    draft: {
      name: 'Checkout',
      startUrl: 'https://shop.test/',
      critical: false,
      steps: [
        { uid: 'a', step: click("Click 'Buy'") },
        { uid: 'b', step: click('My own words', 'user') },
        { uid: 'c', step: click("Click 'Pay'") },
      ],
    },
  }));
});

describe('improveLabels', () => {
  it('replaces template labels, keeps the user’s, also an edit made while waiting', async () => {
    invoke.mockImplementation(async () => {
      // The user renames step c while Claude is thinking.
      await updateRecorderState((s) => applyEdit(s, { op: 'label', uid: 'c', label: 'Pay for the order' }));
      return {
        data: {
          available: true,
          labels: [
            { index: 0, label: 'Buy the brass lamp', instruction: 'Press Buy under the lamp.', confidence: 0.9 },
            { index: 1, label: 'AI would overwrite this', confidence: 0.9 },
            { index: 2, label: 'AI would overwrite this too', confidence: 0.9 },
          ],
        },
        error: null,
      };
    });
    expect(await improveLabels()).toBe(1);
    const body = invoke.mock.calls[0]![1].body as { site_id: string; steps: { index: number; label: string }[] };
    expect(body.site_id).toBe('site-1');
    expect(body.steps.map((s) => s.index)).toEqual([0, 1, 2]);
    const steps = (await readRecorderState()).draft!.steps.map((s) => [s.step.label, s.step.labelSource, s.step.instruction]);
    expect(steps).toEqual([
      ['Buy the brass lamp', 'ai', 'Press Buy under the lamp.'],
      ['My own words', 'user', undefined],
      ['Pay for the order', 'user', undefined],
    ]);
  });

  it('changes nothing when the function is unavailable (503) or answers nonsense', async () => {
    const before = await readRecorderState();
    invoke.mockResolvedValueOnce({ data: null, error: new Error('Edge Function returned a non-2xx status code') });
    expect(await improveLabels()).toBe(0);
    invoke.mockResolvedValueOnce({ data: { labels: [{ index: 'x' }] }, error: null });
    expect(await improveLabels()).toBe(0);
    expect(await readRecorderState()).toEqual(before);
  });

  it("a refused limit (429) leaves the labels and says why in the panel, with the server's sentence", async () => {
    const sentence = 'You asked Claude to label steps 20 times in a minute, the most FlowLens allows; the template labels stay, and you can ask again in 37 seconds.';
    // What supabase-js gives back for a non-2xx answer: FunctionsHttpError with the Response as `context`
    // (the body and headers as label-steps' tooMany() writes them).
    const context = new Response(JSON.stringify({ error: sentence, retryAfter: 37 }), { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '37' } });
    invoke.mockResolvedValueOnce({ data: null, error: Object.assign(new Error('Edge Function returned a non-2xx status code'), { name: 'FunctionsHttpError', context }) });
    expect(await improveLabels()).toBe(0);
    const after = await readRecorderState();
    expect(after.notice).toBe(`Labels were not improved: ${sentence}`);
    expect(after.draft!.steps.map((s) => s.step.label)).toEqual(["Click 'Buy'", 'My own words', "Click 'Pay'"]);
  });

  it('sends a body label-steps accepts (core’s schema), without the values typed into fields', () => {
    const page = { url: 'https://shop.test/cart', title: 'Cart' };
    const button = { tag: 'button', role: 'button', name: 'Pay now', text: 'Pay now', attributes: { 'data-testid': 'pay' } };
    const draft: Step[] = [
      parseStep({ action: 'navigate', url: 'https://shop.test/', label: 'Open the shop', labelSource: 'template' }),
      parseStep({ action: 'input', selectors: [{ kind: 'css', value: '#pw' }], element: { tag: 'input', name: 'Password', attributes: { type: 'password' } }, value: '{{secret:PASSWORD}}', label: 'Type the password', labelSource: 'template', page }),
      parseStep({ action: 'keypress', key: 'Enter', label: 'Press Enter', labelSource: 'template', page }),
      parseStep({ action: 'click', selectors: [{ kind: 'css', value: '#pay' }], element: button, label: "Click 'Pay now'", labelSource: 'template', page, screenshot: 'screenshots/s/1.png' }),
      parseStep({ action: 'assert', assertion: 'textVisible', value: 'Thank you', label: 'See the thanks', labelSource: 'template', page }),
    ];
    const site = '00000000-0000-4000-8000-000000000001';
    const body = labelStepsBody(site, draft);
    expect(JSON.stringify(body)).not.toContain('{{secret:PASSWORD}}');
    const parsed = LabelStepsRequestSchema.parse(JSON.parse(JSON.stringify(body)));
    expect(parsed.siteId).toBe(site);
    expect(parsed.screenshot).toBe('screenshots/s/1.png');
    expect(parsed.steps.map((s) => [s.index, s.action, s.templateLabel])).toEqual([
      [0, 'navigate', 'Open the shop'],
      [1, 'input', 'Type the password'],
      [2, 'keypress', 'Press Enter'],
      [3, 'click', "Click 'Pay now'"],
      [4, 'assert', 'See the thanks'],
    ]);
    expect(parsed.steps[0]!.url).toBe('https://shop.test/');
    expect(parsed.steps[2]!.key).toBe('Enter');
    expect(parsed.steps[3]!.element).toMatchObject({ tag: 'button', name: 'Pay now', 'data-testid': 'pay' });
    expect(parsed.steps[3]!.pageTitle).toBe('Cart');
  });
});
