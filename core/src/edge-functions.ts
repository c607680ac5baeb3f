/**
 * The bodies that cross into and out of the edge functions (issue 16: one contract per boundary).
 * Each function (supabase/functions/<name>/handler.ts) parses its request body with the schema here
 * (through supabase/functions/_shared/body.ts), and the callers — the dashboard, the extension, the
 * local stack's timers — build their requests typed by the same schemas' input types and read the
 * answers with the response schemas. docs/edge-functions.md describes each function.
 *
 * Problems are named in the functions' own sentences: each schema carries them as its issue
 * messages, and {@link bodyProblems} joins them into the `{ error }` of a 400. Byte caps on the raw
 * body (16 KB, 4 KB, 256 KB, 64 KB) are checked before parsing; they are here as numbers so the
 * callers can know them too.
 *
 * Loaded as it is by Node, browsers and Deno: zod only (Deno resolves `zod` from the repo's
 * node_modules locally; deployed functions map it in their deno.json).
 */
import { z } from 'zod';
import { ChannelTestAnswerSchema } from './alerts.ts';

/** How the functions recognise an id (any hex UUID; Postgres decides whether it exists). */
export const EDGE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One sentence per problem, in the order found; `{index}` in a message becomes the list position it is about. */
export function bodyProblems(error: z.ZodError): string {
  const sentences: string[] = [];
  for (const issue of error.issues) {
    const index = [...issue.path].reverse().find((p): p is number => typeof p === 'number');
    const sentence = issue.message.replaceAll('{index}', index === undefined ? '?' : String(index));
    if (!sentences.includes(sentence)) sentences.push(sentence);
  }
  return sentences.join(' ');
}

const uuid = (sentence: string) => z.string({ error: sentence }).regex(EDGE_UUID, sentence);

// ---------------------------------------------------------------------------------------------
// credentials: POST { site_id, name, value } · DELETE { site_id, name } · GET ?site_id=

export const CREDENTIALS_LIMITS = {
  /** The request body, in bytes (a value of 4096 characters fits with room to spare). */
  maxBodyBytes: 16 * 1024,
  /** A value, in UTF-16 code units (JavaScript's `length`). */
  maxValueLength: 4096,
} as const;

/** The name of a stored secret, `{{secret:NAME}}` in flows. */
export const CREDENTIAL_NAME_PATTERN = /^[A-Z0-9_]{1,64}$/;

export const CREDENTIAL_SENTENCES = {
  notObject: 'Send a JSON object.',
  siteId: '`site_id` must be a site id.',
  name: '`name` must be 1–64 capital letters, digits or underscores (like PASSWORD).',
  value: `\`value\` must be text of 1 to ${CREDENTIALS_LIMITS.maxValueLength} characters.`,
} as const;

const credentialName = z.string({ error: CREDENTIAL_SENTENCES.name }).regex(CREDENTIAL_NAME_PATTERN, CREDENTIAL_SENTENCES.name);

/** `DELETE /functions/v1/credentials` (owners and admins): removes one name. */
export const CredentialRemoveRequestSchema = z.object(
  { site_id: uuid(CREDENTIAL_SENTENCES.siteId), name: credentialName },
  { error: CREDENTIAL_SENTENCES.notObject },
);
export type CredentialRemoveRequest = z.input<typeof CredentialRemoveRequestSchema>;

/** `POST /functions/v1/credentials` (owners and admins): stores (or replaces) one value, encrypted. */
export const CredentialStoreRequestSchema = z.object(
  {
    site_id: uuid(CREDENTIAL_SENTENCES.siteId),
    name: credentialName,
    value: z.string({ error: CREDENTIAL_SENTENCES.value }).min(1, CREDENTIAL_SENTENCES.value).max(CREDENTIALS_LIMITS.maxValueLength, CREDENTIAL_SENTENCES.value),
  },
  { error: CREDENTIAL_SENTENCES.notObject },
);
export type CredentialStoreRequest = z.input<typeof CredentialStoreRequestSchema>;

/** `GET /functions/v1/credentials?site_id=` (members) → the names a site has, never values. */
export const CredentialNamesResponseSchema = z.object({ names: z.array(z.string().regex(CREDENTIAL_NAME_PATTERN)).max(10_000) });
export type CredentialNamesResponse = z.infer<typeof CredentialNamesResponseSchema>;

export const CredentialStoredResponseSchema = z.object({ stored: z.literal(true), name: z.string().regex(CREDENTIAL_NAME_PATTERN) });
export type CredentialStoredResponse = z.infer<typeof CredentialStoredResponseSchema>;

export const CredentialRemovedResponseSchema = z.object({ deleted: z.boolean(), name: z.string().regex(CREDENTIAL_NAME_PATTERN) });
export type CredentialRemovedResponse = z.infer<typeof CredentialRemovedResponseSchema>;

// ---------------------------------------------------------------------------------------------
// channels: POST { channel_id } → ChannelTestAnswer (alerts.ts)

export const CHANNELS_LIMITS = { maxBodyBytes: 4096 } as const;

export const CHANNEL_SENTENCES = {
  tooLarge: 'The body is too large.',
  notJson: 'The body must be JSON: { "channel_id": "<id>" }.',
  channelId: '`channel_id` must be a channel id.',
} as const;

/** `POST /functions/v1/channels` (owners and admins): "Send a test" to a Slack or webhook channel. */
export const ChannelTestRequestSchema = z.object({ channel_id: uuid(CHANNEL_SENTENCES.channelId) }, { error: CHANNEL_SENTENCES.channelId });
export type ChannelTestRequest = z.input<typeof ChannelTestRequestSchema>;

/** What the `channels` function answers (a 200 even when the receiver refused: `ok` says). */
export const ChannelTestResponseSchema = ChannelTestAnswerSchema;

// ---------------------------------------------------------------------------------------------
// label-steps: POST { site_id | flow_id, steps, screenshot? } → { available, labels }

export const LABEL_STEPS_LIMITS = {
  maxBodyBytes: 256 * 1024,
  maxScreenshotBytes: 4 * 1024 * 1024,
  maxSteps: 100,
} as const;

export const LABEL_STEPS_SENTENCES = {
  tooLarge: `The request is larger than ${LABEL_STEPS_LIMITS.maxBodyBytes / 1024} KB; send fewer steps at a time.`,
  notJson: 'The body must be JSON.',
  steps: '`steps` must be a non-empty list.',
  tooManySteps: `At most ${LABEL_STEPS_LIMITS.maxSteps} steps at a time.`,
  stepNotObject: 'Step {index} is not an object.',
  site: '`site_id` (or `flow_id`) must name the site the steps were recorded on.',
} as const;

/** Element metadata the function reads (core's ElementMeta, plus a few flat aliases). Never `value`. */
export const LABEL_ELEMENT_FIELDS = ['tag', 'role', 'name', 'text', 'labelText', 'nearbyText', 'region', 'type', 'label', 'ariaLabel', 'id', 'placeholder', 'title', 'alt', 'href', 'selector', 'testId'] as const;
export const LABEL_ATTRIBUTE_FIELDS = ['type', 'name', 'id', 'placeholder', 'aria-label', 'title', 'alt', 'href', 'role', 'data-testid', 'data-test', 'data-cy'] as const;

/** Text as the function reads it: strings and numbers, whitespace folded, cut at `max`; anything else is ''. */
export function clipText(v: unknown, max: number): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v).replace(/\s+/g, ' ').trim().slice(0, max) : '';
}

/** A field the function reads leniently: text when it is text, ignored (not refused) otherwise. */
const looseText = z.union([z.string(), z.number()]).nullish().catch(undefined);

const LabelElementSchema = z
  .object({
    ...Object.fromEntries(LABEL_ELEMENT_FIELDS.map((f) => [f, looseText])) as Record<(typeof LABEL_ELEMENT_FIELDS)[number], typeof looseText>,
    attributes: z.record(z.string(), z.unknown()).nullish().catch(undefined),
  })
  .nullish()
  .catch(undefined);

/** One step as the extension sends it (its recorded step, without typed values). */
export const LabelStepSchema = z.object(
  {
    index: z.number().int().optional().catch(undefined),
    action: looseText,
    /** An older name for `action`. */
    type: looseText,
    label: looseText,
    element: LabelElementSchema,
    page: z.object({ url: looseText, title: looseText }).nullish().catch(undefined),
    url: looseText,
    key: looseText,
    /** The step's screenshot in storage (`<bucket>/<path>`); the last one is shown to Claude. */
    screenshot_path: z.string().nullish().catch(undefined),
    /** What an assert step checks (text the page shows, never a typed value). */
    assertion: looseText,
    value: looseText,
  },
  { error: LABEL_STEPS_SENTENCES.stepNotObject },
);
export type LabelStepWire = z.input<typeof LabelStepSchema>;

/** A step as the function puts it in Claude's prompt: clipped text only. */
export interface LabelStepInput {
  index: number;
  action: string;
  element: Record<string, string>;
  url?: string;
  pageTitle?: string;
  templateLabel?: string;
  key?: string;
}

function toStepInput(s: z.output<typeof LabelStepSchema>, position: number): LabelStepInput {
  const el = (s.element ?? {}) as Record<string, unknown>;
  const element: Record<string, string> = {};
  for (const f of LABEL_ELEMENT_FIELDS) {
    const v = clipText(el[f], f === 'text' || f === 'nearbyText' ? 200 : 300);
    if (v) element[f] = v;
  }
  const attrs = (s.element?.attributes ?? {}) as Record<string, unknown>;
  for (const a of LABEL_ATTRIBUTE_FIELDS) {
    const v = clipText(attrs[a], 300);
    if (v && !element[a]) element[a] = v;
  }
  return {
    index: s.index ?? position,
    action: clipText(s.action ?? s.type, 40) || 'unknown',
    element,
    url: clipText(s.url ?? s.page?.url, 500) || undefined,
    pageTitle: clipText(s.page?.title, 200) || undefined,
    templateLabel: clipText(s.label, 120) || undefined,
    key: s.action === 'keypress' ? clipText(s.key, 40) || undefined : undefined,
  };
}

/** An id the function reads leniently: a malformed one counts as none (then the other may name the site). */
const looseId = z
  .string()
  .nullish()
  .catch(undefined)
  .transform((v) => (v && EDGE_UUID.test(v) ? v : null))
  .optional();

/**
 * `POST /functions/v1/label-steps` (members of the site's organisation). The site is `site_id`, or
 * the site of `flow_id`; `screenshot` is a storage object the caller can read, else the last step's
 * `screenshot_path`. Parsed into what the function works with: the prompt's steps, the ids, the screenshot.
 */
export const LabelStepsRequestSchema = z
  .object(
    {
      site_id: looseId,
      flow_id: looseId,
      steps: z
        .array(LabelStepSchema, { error: LABEL_STEPS_SENTENCES.steps })
        .min(1, LABEL_STEPS_SENTENCES.steps)
        .max(LABEL_STEPS_LIMITS.maxSteps, LABEL_STEPS_SENTENCES.tooManySteps),
      screenshot: z.unknown().optional(),
    },
    { error: LABEL_STEPS_SENTENCES.steps },
  )
  .refine((b) => !!b.site_id || !!b.flow_id, { message: LABEL_STEPS_SENTENCES.site })
  .transform((b) => {
    const perStep = b.steps.map((s) => s.screenshot_path).filter((p): p is string => typeof p === 'string');
    const shot = b.screenshot ?? perStep[perStep.length - 1];
    return {
      siteId: b.site_id ?? null,
      flowId: b.flow_id ?? null,
      steps: b.steps.map(toStepInput),
      screenshot: typeof shot === 'string' && shot ? shot : null,
    };
  });
export type LabelStepsRequest = z.input<typeof LabelStepsRequestSchema>;
export type LabelStepsParsed = z.output<typeof LabelStepsRequestSchema>;

export const StepLabelSchema = z.object({
  index: z.number().int().min(0),
  label: z.string().min(1).max(300),
  instruction: z.string().max(1000).nullish(),
  confidence: z.number().min(0).max(1).nullish(),
});
export type StepLabel = z.infer<typeof StepLabelSchema>;

/** `label-steps`' answer: labels (200), or `available: false` without Claude (503). */
export const LabelStepsResponseSchema = z.object({
  available: z.boolean().optional(),
  labels: z.array(StepLabelSchema).max(LABEL_STEPS_LIMITS.maxSteps),
});
export type LabelStepsResponse = z.infer<typeof LabelStepsResponseSchema>;

// ---------------------------------------------------------------------------------------------
// schedule and notify: POST (service role only), an optional body { now?, sites? }

export const TIMER_SENTENCES = {
  notJson: 'The body must be JSON.',
  now: '`now` must be an ISO 8601 time',
  sites: '`sites` must be a list of site ids.',
} as const;

/** An injected time: ISO 8601 (what tests and the stack send), read as JavaScript's Date reads it. */
const injectedNow = z
  .union([z.string(), z.number()], { error: TIMER_SENTENCES.now })
  .transform((v, ctx) => {
    const d = new Date(String(v));
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: 'custom', message: TIMER_SENTENCES.now });
      return z.NEVER;
    }
    return d;
  })
  .nullish();

/** A JSON value that is not an object (or is a list) carries no options: treated as `{}`. */
const optionsObject = <T extends z.ZodRawShape>(shape: T) => {
  const object = z.object(shape);
  return z.preprocess((v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : {}), object) as unknown as z.ZodType<z.output<typeof object>, z.input<typeof object>>;
};

/** `POST /functions/v1/schedule`: `now` runs it as if it were that time (service role only). */
export const ScheduleRequestSchema = optionsObject({ now: injectedNow });
export type ScheduleRequest = z.input<typeof ScheduleRequestSchema>;

/** `POST /functions/v1/notify`: `now` as for schedule; `sites` handles only those sites. */
export const NotifyRequestSchema = optionsObject({
  now: injectedNow,
  // Every wrong entry says the same sentence; bodyProblems names it once.
  sites: z.array(z.string({ error: TIMER_SENTENCES.sites }).regex(EDGE_UUID, TIMER_SENTENCES.sites), { error: TIMER_SENTENCES.sites }).optional(),
});
export type NotifyRequest = z.input<typeof NotifyRequestSchema>;

export const ScheduleResponseSchema = z.object({
  now: z.string(),
  runs: z.array(z.object({ siteId: z.string(), slot: z.string(), runId: z.string() })),
});
export type ScheduleResponse = z.infer<typeof ScheduleResponseSchema>;

/** What a reader may rely on in notify's answer (each entry holds more: supabase/functions/notify/sender.ts). */
export const NotifyResponseSchema = z.object({
  now: z.string(),
  digestsQueued: z.number().int().min(0),
  confirmations: z.array(z.unknown()),
  outcomes: z.array(z.object({ status: z.string() })),
  channelOutcomes: z.array(z.unknown()),
});
export type NotifyResponse = z.infer<typeof NotifyResponseSchema>;

// ---------------------------------------------------------------------------------------------
// deploy-webhook: POST /functions/v1/deploy-webhook/<site id>, signed (docs/edge-functions.md)

export const DEPLOY_WEBHOOK_LIMITS = { maxBodyBytes: 64 * 1024, maxCommitSha: 80, maxBranch: 200, maxEnvironment: 100 } as const;

export const DEPLOY_SENTENCES = {
  tooLarge: `The body is larger than ${DEPLOY_WEBHOOK_LIMITS.maxBodyBytes / 1024} KB.`,
  notObject: 'The body must be a JSON object.',
  commitSha: 'commit_sha is required (letters, digits, . _ -, at most 80).',
} as const;

/** Text trimmed and cut at `max`; nothing (null) when empty. Numbers count as text (`"commit_sha": 1234`). */
const deployText = (max: number) =>
  z
    .union([z.string(), z.number()])
    .nullish()
    .catch(undefined)
    .transform((v) => {
      if (v === undefined || v === null) return null;
      const s = String(v).trim();
      return s ? s.slice(0, max) : null;
    });

/** The body a deploy pipeline sends; only `commit_sha` is required. The whole object is stored as sent. */
export const DeployWebhookRequestSchema = z.looseObject(
  {
    commit_sha: z
      .union([z.string(), z.number()], { error: DEPLOY_SENTENCES.commitSha })
      .transform((v) => String(v).trim().slice(0, DEPLOY_WEBHOOK_LIMITS.maxCommitSha))
      .pipe(z.string().regex(/^[0-9A-Za-z._-]{1,80}$/, DEPLOY_SENTENCES.commitSha)),
    branch: deployText(DEPLOY_WEBHOOK_LIMITS.maxBranch),
    environment: deployText(DEPLOY_WEBHOOK_LIMITS.maxEnvironment),
    /** When the deploy happened (ISO 8601); kept with the stored body. */
    timestamp: z.string().optional().catch(undefined),
  },
  { error: DEPLOY_SENTENCES.notObject },
);
export type DeployWebhookRequest = z.input<typeof DeployWebhookRequestSchema>;

export const DeployWebhookResponseSchema = z.object({
  deployEventId: z.string(),
  runId: z.string(),
  trigger: z.literal('deploy'),
  merged: z.boolean(),
});
export type DeployWebhookResponse = z.infer<typeof DeployWebhookResponseSchema>;

/** Every refusal of a function: one sentence (429s add `retryAfter`, label-steps' 503 `available: false`). */
export const FunctionErrorSchema = z.looseObject({ error: z.string().max(2000), retryAfter: z.number().optional() });
export type FunctionError = z.infer<typeof FunctionErrorSchema>;
