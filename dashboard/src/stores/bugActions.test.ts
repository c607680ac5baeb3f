import { beforeEach, describe, expect, it, vi } from 'vitest';
import { bugDetail, fullBug, listBug, SITE_ID } from '../test/fixtures.ts';
import { bugKey, useBugActions } from './bugActions.ts';
import { useResourceStore } from './resources.ts';
import { useToastStore } from './toasts.ts';

vi.mock('../data/mutations.ts', () => ({
  snoozeBug: vi.fn(async (_db: unknown, id: string, until: Date) => fullBug({ id, snoozed_until: until.toISOString() })),
  markFalsePositive: vi.fn(async (_db: unknown, id: string) => fullBug({ id, false_positive: true, false_positive_at: '2026-11-22T10:00:00Z' })),
  reopenBug: vi.fn(async () => {
    throw { message: 'Bug x does not exist or is not yours to change.', code: 'P0002' };
  }),
}));

const db = {} as never;

beforeEach(() => {
  useResourceStore.getState().clear();
  useToastStore.setState({ toasts: [] });
  useBugActions.setState({ pending: {} });
});

describe('bug actions', () => {
  it('snooze: puts the returned row on screen everywhere and marks lists, home and audit stale', async () => {
    const store = useResourceStore.getState();
    const bug = fullBug();
    store.set(bugKey(SITE_ID, bug.id), bugDetail());
    store.set(`bugs:${SITE_ID}:`, { rows: [listBug(), listBug({ id: 'other' })], total: 2, page: 1, pageSize: 25 });
    store.set(`home:${SITE_ID}`, { any: 1 });
    store.set(`audit:${bug.id}`, { entries: [] });
    store.set('bugs:another-site:', { rows: [], total: 0, page: 1, pageSize: 25 });
    const until = new Date('2026-12-01T00:00:00Z');

    const pending = useBugActions.getState().snooze(db, bug, until);
    expect(useBugActions.getState().pending[bug.id]).toBe('snooze');
    expect(await pending).toBe(true);

    const e = useResourceStore.getState().entries;
    expect((e[bugKey(SITE_ID, bug.id)]!.data as ReturnType<typeof bugDetail>).bug.snoozed_until).toBe(until.toISOString());
    const rows = (e[`bugs:${SITE_ID}:`]!.data as { rows: { id: string; snoozed_until: string | null }[] }).rows;
    expect(rows.find((r) => r.id === bug.id)!.snoozed_until).toBe(until.toISOString());
    expect(rows.find((r) => r.id === 'other')!.snoozed_until).toBeNull();
    expect([e[`bugs:${SITE_ID}:`]!.stale, e[`home:${SITE_ID}`]!.stale, e[`audit:${bug.id}`]!.stale, e['bugs:another-site:']!.stale]).toEqual([true, true, true, false]);
    expect(useBugActions.getState().pending[bug.id]).toBeUndefined();
    expect(useToastStore.getState().toasts.at(-1)).toMatchObject({ tone: 'success', text: 'Snoozed until 1 Dec 2026.' });
  });

  it('false positive: says it is remembered', async () => {
    expect(await useBugActions.getState().markFalsePositive(db, fullBug())).toBe(true);
    expect(useToastStore.getState().toasts.at(-1)!.text).toMatch(/will not raise this bug again/);
  });

  it('a refused action shows the reason and changes nothing', async () => {
    const store = useResourceStore.getState();
    store.set(bugKey(SITE_ID, fullBug().id), bugDetail({ false_positive: true }));
    expect(await useBugActions.getState().reopen(db, fullBug())).toBe(false);
    expect(useToastStore.getState().toasts.at(-1)).toMatchObject({ tone: 'error' });
    expect((useResourceStore.getState().entries[bugKey(SITE_ID, fullBug().id)]!.data as ReturnType<typeof bugDetail>).bug.false_positive).toBe(true);
  });
});
