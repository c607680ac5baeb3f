/**
 * What a content script may send, parsed before a background handler sees it (issue 16: parse,
 * don't cast, at every boundary). A content script shares its renderer with the page, so its
 * requests are outside data: ids and texts are capped, numbers finite, words from their lists.
 * Background only (zod and core's schemas stay out of the content scripts' bundles).
 *
 * One schema per message of lib/protocol.ts that a content script sends; each is typed against
 * the protocol map, so the two cannot drift apart.
 */
import { z } from 'zod';
import { ElementMetaSchema, PageContextSchema, SelectorSchema } from '@flowlens/core/flow';
import type { CapturedAction } from './capture.ts';
import type { Schema } from './messaging.ts';
import type { MessageName, RequestOf } from './protocol.ts';

type SchemaFor<N extends MessageName> = Schema<RequestOf<N>>;

/** A message that takes no request. */
export const noRequest: Schema<undefined> = z.undefined();

const id = z.string().min(1).max(200);
const index = z.number().int().min(0).max(100_000);
/** Longer texts are cut, not refused: a long page title must not lose a recorded page change. */
const capped = (max: number) => z.string().transform((s) => s.slice(0, max));
const finite = z.number().finite();
const pickKind = z.enum(['elementVisible', 'elementText']).nullable();
const frame = z.array(z.number().int().min(0)).max(10);

// --- recorder ------------------------------------------------------------------------------------

const capturedBase = {
  selectors: z.array(SelectorSchema).max(50),
  element: ElementMetaSchema,
  page: PageContextSchema,
  frame: frame.optional(),
  rect: z.object({ x: finite, y: finite, width: finite, height: finite }),
};

const CapturedActionSchema = z.discriminatedUnion('action', [
  z.object({ ...capturedBase, action: z.literal('click') }),
  z.object({ ...capturedBase, action: z.literal('input'), value: z.string().max(100_000), secretName: z.string().max(200).optional() }),
  z.object({ ...capturedBase, action: z.literal('select'), value: z.string().max(100_000), optionText: z.string().max(100_000) }),
  z.object({ ...capturedBase, action: z.literal('check'), checked: z.boolean() }),
  z.object({ ...capturedBase, action: z.literal('keypress'), key: z.string().max(100) }),
  z.object({ ...capturedBase, action: z.literal('submit') }),
]);

export const captureStep: SchemaFor<'capture.step'> = CapturedActionSchema satisfies z.ZodType<CapturedAction>;
export const capturePage: SchemaFor<'capture.page'> = z.object({ url: z.string().max(8192), title: capped(2000), kind: z.enum(['load', 'route']) });
export const capturePicked: SchemaFor<'capture.picked'> = z.object({
  target: z.object({ selectors: z.array(SelectorSchema).max(50), element: ElementMetaSchema, frame: frame.optional() }),
  text: capped(10_000),
});
export const recorderPick: SchemaFor<'recorder.pick'> = z.object({ kind: pickKind });

// --- overlay -------------------------------------------------------------------------------------

export const overlayPage: SchemaFor<'overlay.page'> = z.object({ url: z.string().max(8192), force: z.boolean().optional() });
export const overlaySnooze: SchemaFor<'overlay.snooze'> = z.object({ bugId: id, days: finite });
export const overlayBug: SchemaFor<'overlay.falsePositive'> = z.object({ bugId: id });
export const overlaySetHidden: SchemaFor<'overlay.setHidden'> = z.object({ siteId: id, hidden: z.boolean() });
export const overlayGetHidden: SchemaFor<'overlay.getHidden'> = z.object({ siteId: id });
export const overlayScreenshot: SchemaFor<'overlay.screenshot'> = z.object({ siteId: id, path: z.string().max(1000) });

// --- walkthrough ---------------------------------------------------------------------------------

export const walkStart: SchemaFor<'walkthrough.start'> = z.object({ flowId: id.optional(), bugId: id.optional(), tabId: z.number().int().optional() });
export const walkStop: SchemaFor<'walkthrough.stop'> = z.object({ unresolved: z.object({ index, error: capped(500) }).optional() });
export const walkState: SchemaFor<'walkthrough.state'> = z.object({ viewportWidth: finite.optional() });
export const walkAdvance: SchemaFor<'walkthrough.advance'> = z.object({
  index,
  status: z.enum(['passed', 'healed']),
  by: z.enum(['user', 'extension', 'auto']),
  // A confidence outside 0…1 is left out (as before), not a reason to lose the step.
  confidence: z.number().optional().transform((c) => (c !== undefined && c >= 0 && c <= 1 ? c : undefined)),
});
export const walkFail: SchemaFor<'walkthrough.fail'> = z.object({ index, error: capped(500) });
export const walkIndex: SchemaFor<'walkthrough.offTarget'> = z.object({ index });
export const walkResize: SchemaFor<'walkthrough.resize'> = z.object({ width: finite, height: finite });
export const walkScreenshot: SchemaFor<'walkthrough.screenshot'> = z.object({ path: z.string().max(1000) });
