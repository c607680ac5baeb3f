/**
 * What a member can do to a bug: snooze until a date, mark a false positive (remembered forever for
 * its fingerprint), reopen (clears both). Each goes to Postgres, where the audit trigger (or
 * reopen_bug) records who did it; then the cache is brought in line: the bug on screen is replaced by
 * the row the server returned, and every list or count it might appear in is marked stale.
 */
import { create } from 'zustand';
import { markFalsePositive, reopenBug, snoozeBug } from '../data/mutations.ts';
import type { BugDetail, Page } from '../data/queries.ts';
import type { Bug, BugListRow } from '../data/types.ts';
import { errorMessage } from '../lib/errors.ts';
import type { Db } from '../lib/supabase.tsx';
import { useResourceStore } from './resources.ts';
import { toast } from './toasts.ts';

export type BugAction = 'snooze' | 'false_positive' | 'reopen';

interface BugActionState {
  /** bug id -> action in flight, so buttons can show it and not double-submit. */
  pending: Record<string, BugAction | undefined>;
  snooze(db: Db, bug: Pick<Bug, 'id' | 'site_id'>, until: Date): Promise<boolean>;
  markFalsePositive(db: Db, bug: Pick<Bug, 'id' | 'site_id'>): Promise<boolean>;
  reopen(db: Db, bug: Pick<Bug, 'id' | 'site_id'>): Promise<boolean>;
}

export function bugKey(siteId: string, bugId: string): string {
  return `bug:${siteId}:${bugId}`;
}

/** Puts the server's row on screen everywhere the bug is cached, and marks what it affects stale. */
export function applyBugUpdate(updated: Bug): void {
  const store = useResourceStore.getState();
  store.patch<BugDetail | null>(bugKey(updated.site_id, updated.id), (d) => (d ? { ...d, bug: { ...d.bug, ...updated } } : d));
  for (const key of Object.keys(store.entries)) {
    if (key.startsWith(`bugs:${updated.site_id}:`) || key.startsWith(`deploy-bugs:${updated.site_id}:`)) {
      store.patch<Page<BugListRow> | { bugs: Page<BugListRow> }>(key, (page) => {
        const replace = (p: Page<BugListRow>) => ({ ...p, rows: p.rows.map((r) => (r.id === updated.id ? { ...r, ...pickList(updated) } : r)) });
        return 'rows' in page ? replace(page) : { ...page, bugs: replace(page.bugs) };
      });
    }
  }
  store.invalidate(
    (k) =>
      k.startsWith(`bugs:${updated.site_id}:`) ||
      k.startsWith(`deploy-bugs:${updated.site_id}:`) ||
      k === `home:${updated.site_id}` ||
      k.startsWith('overview') ||
      k === `audit:${updated.id}`,
  );
}

function pickList(b: Bug): Partial<BugListRow> {
  return { status: b.status, snoozed_until: b.snoozed_until, false_positive: b.false_positive, severity: b.severity, title: b.title };
}

export const useBugActions = create<BugActionState>()((set, get) => {
  async function run(bugId: string, action: BugAction, fn: () => Promise<Bug>, done: (b: Bug) => string): Promise<boolean> {
    if (get().pending[bugId]) return false;
    set({ pending: { ...get().pending, [bugId]: action } });
    try {
      const updated = await fn();
      applyBugUpdate(updated);
      toast.success(done(updated));
      return true;
    } catch (err) {
      toast.error(errorMessage(err));
      return false;
    } finally {
      set({ pending: { ...get().pending, [bugId]: undefined } });
    }
  }

  return {
    pending: {},
    snooze: (db, bug, until) =>
      run(bug.id, 'snooze', () => snoozeBug(db, bug.id, until), (b) => `Snoozed until ${new Date(b.snoozed_until ?? until).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' })}.`),
    markFalsePositive: (db, bug) =>
      run(bug.id, 'false_positive', () => markFalsePositive(db, bug.id), () => 'Marked as a false positive. FlowLens will not raise this bug again.'),
    reopen: (db, bug) => run(bug.id, 'reopen', () => reopenBug(db, bug.id), () => 'Reopened: the bug counts again.'),
  };
});
