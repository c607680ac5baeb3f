import { describe, expect, it } from 'vitest';
import { fillTyped, parseWalkHash, secretNames } from '../protocol.ts';
import type { WalkState } from '../protocol.ts';
import { advanceState, bugFromRows, outcomeRow, parseWalkState, toWalkStep, viewportOf } from '../state.ts';

const UUID = '0b8f5c3e-1d2a-4c3b-9e8f-7a6b5c4d3e2f';

function state(over: Partial<WalkState> = {}): WalkState {
  return {
    v: 1,
    id: 'w1',
    tabId: 7,
    flow: { id: 'f1', name: 'Checkout', siteId: 's1', version: 3, startUrl: 'https://shop.example.com/' },
    steps: [
      { action: 'click', label: 'A', selectors: [{ kind: 'testid', value: 'a' }] },
      { action: 'click', label: 'B', selectors: [{ kind: 'testid', value: 'b' }] },
      { action: 'click', label: 'C', selectors: [{ kind: 'testid', value: 'c' }] },
    ],
    index: 0,
    status: 'active',
    log: [],
    startedAt: '2026-11-30T10:00:00.000Z',
    offTarget: 0,
    viewport: 'mobile',
    ...over,
  };
}

describe('walkthrough link hash', () => {
  it('reads bug: and flow: ids, a bare id as a bug, and nothing else', () => {
    expect(parseWalkHash(`https://shop.example.com/#flowlens-walkthrough=bug:${UUID}`)).toEqual({ bugId: UUID });
    expect(parseWalkHash(`https://shop.example.com/x?y=1#a=b&flowlens-walkthrough=flow:${UUID.toUpperCase()}`)).toEqual({ flowId: UUID });
    expect(parseWalkHash(`https://shop.example.com/#flowlens-walkthrough=${UUID}`)).toEqual({ bugId: UUID });
    expect(parseWalkHash('https://shop.example.com/#flowlens-walkthrough=bug:not-a-uuid')).toBeNull();
    expect(parseWalkHash("https://shop.example.com/#flowlens-walkthrough=bug:1' or 1=1")).toBeNull();
    expect(parseWalkHash('https://shop.example.com/#other=1')).toBeNull();
    expect(parseWalkHash('not a url')).toBeNull();
  });
});

describe('secrets typed now', () => {
  it('finds placeholders and fills them only from typed values, never partially', () => {
    expect(secretNames('{{secret:USER}}:{{secret:PASSWORD}}:{{secret:USER}}')).toEqual(['USER', 'PASSWORD']);
    expect(secretNames('plain')).toEqual([]);
    expect(fillTyped('{{secret:PASSWORD}}', { PASSWORD: 'hunter2' })).toBe('hunter2');
    expect(fillTyped('a {{secret:A}} b {{secret:B}}', { A: '1' })).toBeNull();
    expect(fillTyped('{{secret:A}}', { A: '' })).toBeNull();
    expect(fillTyped('no secret', {})).toBe('no secret');
  });
});

describe('stored state', () => {
  it('is validated on read: foreign or corrupted values are refused', () => {
    expect(parseWalkState(state())).toMatchObject({ id: 'w1', index: 0 });
    expect(parseWalkState(null)).toBeNull();
    expect(parseWalkState({ ...state(), v: 2 })).toBeNull();
    expect(parseWalkState({ ...state(), steps: [] })).toBeNull();
    expect(parseWalkState({ ...state(), index: 9 })).toBeNull();
    expect(parseWalkState({ ...state(), steps: [{ action: 'hack', label: 'x' }] })).toBeNull();
  });

  it('advances, stops at the bug step until the user goes on, and finishes', () => {
    const bug = { id: 'b', title: 'Broken', stepIndex: 1, error: 'boom', console: [] };
    let s = state({ bug });
    s = advanceState(s, { index: 0, action: 'click', status: 'healed', by: 'user', confidence: 0.8 });
    expect(s).toMatchObject({ index: 1, status: 'at-bug' });
    // A stale completion (another index) changes nothing.
    expect(advanceState(s, { index: 0, action: 'click', status: 'passed', by: 'user' })).toBe(s);
    s = advanceState({ ...s, status: 'active', pastBug: true }, { index: 1, action: 'click', status: 'passed', by: 'extension' });
    expect(s).toMatchObject({ index: 2, status: 'active' });
    s = advanceState(s, { index: 2, action: 'click', status: 'passed', by: 'user' });
    expect(s).toMatchObject({ index: 2, status: 'done' });
    expect(s.log.map((l) => l.index)).toEqual([0, 1, 2]);
  });
});

describe('outcome row', () => {
  it('completed: passed, with the healed steps and the viewport', () => {
    const s = state({
      status: 'done',
      index: 2,
      log: [
        { index: 0, action: 'click', status: 'healed', by: 'user', confidence: 0.8 },
        { index: 1, action: 'click', status: 'passed', by: 'user' },
        { index: 2, action: 'click', status: 'healed', by: 'extension', confidence: 0.9 },
      ],
    });
    const row = outcomeRow(s, 'u1', new Date('2026-11-30T10:05:00Z'))!;
    expect(row).toMatchObject({ source: 'walkthrough', status: 'passed', healed_steps: [0, 2], failed_step: null, viewport: 'mobile', user_id: 'u1', flow_id: 'f1', flow_version: 3, site_id: 's1' });
    expect(row.finished_at).toBe('2026-11-30T10:05:00.000Z');
    expect(row.steps[0]).toEqual({ index: 0, action: 'click', status: 'healed', by: 'user', healing: { confidence: 0.8 } });
    expect(row.steps[1]).toEqual({ index: 1, action: 'click', status: 'passed', by: 'user' });
  });

  it('failed at a step; nothing when abandoned on a working step', () => {
    const failed = state({ index: 1, log: [{ index: 0, action: 'click', status: 'passed', by: 'user' }, { index: 1, action: 'click', status: 'failed', by: 'user', error: 'not found' }] });
    expect(outcomeRow(failed, 'u1')).toMatchObject({ status: 'failed', failed_step: 1 });
    expect(outcomeRow(state({ index: 1, log: [{ index: 0, action: 'click', status: 'passed', by: 'user' }] }), 'u1')).toBeNull();
  });
});

describe('from database rows', () => {
  it('keeps what the page needs of a step, never more', () => {
    const w = toWalkStep({
      action: 'input',
      label: 'Password',
      labelSource: 'template',
      selectors: [{ kind: 'label', value: 'Password', score: 0.9 }],
      value: '{{secret:PASSWORD}}',
      page: { url: 'https://x/', title: '', viewport: { width: 1280, height: 800 } },
      screenshot: 's1/f/1.jpg',
    } as never);
    expect(w).toEqual({ action: 'input', label: 'Password', selectors: [{ kind: 'label', value: 'Password' }], value: '{{secret:PASSWORD}}', screenshot: 's1/f/1.jpg', page: { viewport: { width: 1280, height: 800 } } });
    expect(toWalkStep({ action: 'navigate', label: '', labelSource: 'template', url: 'https://x/checkout' } as never).label).toBe('Go to https://x/checkout');
  });

  it("the bug's step, error, console lines and failing request", () => {
    const bug = bugFromRows(
      { id: 'b1', title: 'Checkout broken', message: 'Timeout: disabled', step_index: 12, page_url: 'https://x/checkout' },
      { console: ['Uncaught SyntaxError', 42], request: { method: 'POST', url: 'https://x/api/orders', status: 500 } },
      5,
    );
    expect(bug).toEqual({ id: 'b1', title: 'Checkout broken', stepIndex: 4, error: 'Timeout: disabled', console: ['Uncaught SyntaxError'], request: { method: 'POST', url: 'https://x/api/orders', status: 500 }, pageUrl: 'https://x/checkout' });
    expect(bugFromRows({ id: 'b2', title: 'T', message: null, step_index: null, page_url: null }, null, 3)).toEqual({ id: 'b2', title: 'T', stepIndex: 0, error: 'T', console: [] });
  });

  it('viewport class from the tab width', () => {
    expect(viewportOf(1280)).toBe('desktop');
    expect(viewportOf(800)).toBe('tablet');
    expect(viewportOf(375)).toBe('mobile');
    expect(viewportOf(undefined)).toBeUndefined();
  });
});
