/**
 * Alert channels and policies (issue 18): the word lists the database's check constraints use
 * (tests/database/alert-policy.test.ts holds them equal), the answer of the `channels` function's
 * "Send a test", and version 1 of the JSON body FlowLens posts to generic webhooks
 * (docs/alert-channels.md) — for receivers written in TypeScript and for our own tests.
 */
import { z } from 'zod';
import { BUG_TYPES, SEVERITIES } from './bug.ts';

export const ALERT_CHANNEL_KINDS = ['slack', 'webhook'] as const;
export type AlertChannelKind = (typeof ALERT_CHANNEL_KINDS)[number];

export const ALERT_CHANNEL_STATUSES = ['ok', 'failing'] as const;
export type AlertChannelStatus = (typeof ALERT_CHANNEL_STATUSES)[number];

export const ALERT_POLICY_MODES = ['immediate', 'consecutive'] as const;
export type AlertPolicyMode = (typeof ALERT_POLICY_MODES)[number];

/** What a policy decided about an alert: sent now, held for the briefing (quiet hours), folded into
 * a flapping notice (suppressed), or the flapping notice itself. */
export const ALERT_DECISIONS = ['sent', 'held', 'suppressed', 'flapping'] as const;
export type AlertDecision = (typeof ALERT_DECISIONS)[number];

/** `POST /functions/v1/channels { channel_id }` → what the receiver answered. */
export const ChannelTestAnswerSchema = z.object({
  ok: z.boolean(),
  status: z.number().int().min(100).max(599).nullable(),
  answer: z.string().max(500),
  error: z.string().max(500).optional(),
});
export type ChannelTestAnswer = z.infer<typeof ChannelTestAnswerSchema>;

const iso = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 time');

/** Version 1 of the generic webhook body (headers: X-FlowLens-Timestamp, X-FlowLens-Signature,
 * X-FlowLens-Event, X-FlowLens-Delivery). Receivers should ignore fields they do not know. */
export const AlertWebhookV1Schema = z.object({
  version: z.literal(1),
  id: z.string().max(64),
  event: z.enum(['alert.instant', 'briefing.daily', 'briefing.weekly', 'channel.test']),
  sentAt: iso,
  site: z.object({ id: z.string().max(64), name: z.string().max(500), url: z.string().max(2048), timezone: z.string().max(64), dashboardUrl: z.string().max(2048) }),
  policy: z.string().max(1000).nullable(),
  healthScore: z.object({ current: z.number().int().min(0).max(100).nullable(), previous: z.number().int().min(0).max(100).nullable() }),
  run: z.object({ id: z.string().max(64), trigger: z.string().max(20).nullable(), finishedAt: iso.nullable(), dashboardUrl: z.string().max(2048) }).nullable(),
  deploy: z.object({ commitSha: z.string().max(80), branch: z.string().max(200).nullable(), environment: z.string().max(100).nullable() }).nullable(),
  bugs: z.array(z.object({
    id: z.string().max(64),
    severity: z.enum(SEVERITIES),
    type: z.enum(BUG_TYPES),
    status: z.string().max(20),
    title: z.string().max(1000),
    page: z.string().max(4096),
    viewports: z.array(z.string().max(20)).max(10),
    firstSeenAt: iso,
    dashboardUrl: z.string().max(2048),
    reason: z.string().max(1000).nullable(),
  })).max(1000),
  flapping: z.array(z.object({ flowId: z.string().max(64), flowName: z.string().max(500), flips: z.number().int().min(0), windowDays: z.number().int().min(1), reason: z.string().max(1000) })).max(100),
  briefing: z.object({
    period: z.string().max(20),
    windowStart: iso,
    windowEnd: iso,
    summary: z.array(z.string().max(2000)).max(50),
    counts: z.object({ new: z.number().int().min(0), cameBack: z.number().int().min(0), fixed: z.number().int().min(0), stillOpen: z.number().int().min(0) }),
    held: z.array(z.object({ bugId: z.string().max(64).nullable(), severity: z.string().max(4), title: z.string().max(1000), reason: z.string().max(1000) })).max(100),
  }).nullable(),
});
export type AlertWebhookV1 = z.infer<typeof AlertWebhookV1Schema>;
