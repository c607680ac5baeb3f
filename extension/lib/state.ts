/**
 * The recorder's state that must survive page loads and a sleeping service worker (issue 4): kept
 * in browser.storage.session (cleared when the browser closes, never synced, not readable by
 * content scripts), validated with zod on every read. Anything unreadable falls back to "not
 * recording" rather than half-trusting it.
 *
 * The background is the only writer (updateRecorderState serialises writes); the side panel reads
 * it and watches storage changes to show steps live.
 */
import { StepSchema, type Step } from '@flowlens/core';
import { z } from 'zod';
import { browser } from 'wxt/browser';

export const STATE_KEY = 'flowlens.recorder';

/** A step in the editor, with a stable id so edits, screenshots and AI labels find it after reorders. */
export const DraftStepSchema = z.object({
  uid: z.string().min(1),
  step: StepSchema,
});
export type DraftStep = { uid: string; step: Step };

export const DraftSchema = z.object({
  /** Set when editing a saved flow: Save updates it (a new version) instead of adding one. */
  id: z.string().optional(),
  name: z.string(),
  startUrl: z.string(),
  critical: z.boolean(),
  steps: z.array(DraftStepSchema),
});
export type Draft = z.output<typeof DraftSchema>;

export const RecorderStateSchema = z.object({
  recording: z.boolean(),
  /** The tab being recorded (or last recorded). */
  tabId: z.number().int().nullable(),
  siteId: z.string().nullable(),
  /** Origin the recorder listens on; other origins' pages are not recorded. */
  origin: z.string().nullable(),
  /** Folder for this recording's screenshots: <site_id>/steps/<recordingId>/<uid>.png */
  recordingId: z.string(),
  /** When the user last did something recorded: a navigation soon after it is its consequence. */
  lastActionAt: z.number(),
  /** The top frame's URL as last reported. */
  lastUrl: z.string().nullable(),
  draft: DraftSchema.nullable(),
  /** A plain sentence the panel shows once (e.g. "Labels improved by AI"), or null. */
  notice: z.string().nullable(),
  /** Whether the draft changed since it was last saved. */
  dirty: z.boolean(),
  /** Picking an element on the page for a check (issue 19): the next click there becomes that check, not a step. */
  pick: z.enum(['elementVisible', 'elementText']).nullable().optional(),
});
export type RecorderState = z.output<typeof RecorderStateSchema>;

export function emptyState(): RecorderState {
  return { recording: false, tabId: null, siteId: null, origin: null, recordingId: '', lastActionAt: 0, lastUrl: null, draft: null, notice: null, dirty: false };
}

/** Validates whatever storage held; anything that does not fit the schema reads as the empty state. */
export function parseRecorderState(raw: unknown): RecorderState {
  if (raw === undefined || raw === null) return emptyState();
  const parsed = RecorderStateSchema.safeParse(raw);
  if (parsed.success) return parsed.data as RecorderState;
  console.warn('FlowLens: the stored recorder state did not validate and was reset.', parsed.error.issues.slice(0, 3).map((i) => i.path.join('.')));
  return emptyState();
}

export async function readRecorderState(): Promise<RecorderState> {
  const raw = (await browser.storage.session.get(STATE_KEY))[STATE_KEY];
  return parseRecorderState(raw);
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Read-modify-write under one lock, so steps arriving while a screenshot uploads or the panel edits
 * are never lost. `fn` may return the same object mutated or a new one.
 */
export function updateRecorderState(fn: (state: RecorderState) => RecorderState | void | Promise<RecorderState | void>): Promise<RecorderState> {
  const run = queue.then(async () => {
    const current = await readRecorderState();
    const next = (await fn(current)) ?? current;
    await browser.storage.session.set({ [STATE_KEY]: next });
    return next;
  });
  queue = run.catch(() => undefined);
  return run;
}
