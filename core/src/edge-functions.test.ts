import { describe, expect, it } from 'vitest';
import {
  bodyProblems,
  CHANNEL_SENTENCES,
  ChannelTestRequestSchema,
  CREDENTIAL_SENTENCES,
  CredentialNamesResponseSchema,
  CredentialRemoveRequestSchema,
  CredentialStoreRequestSchema,
  DEPLOY_SENTENCES,
  DeployWebhookRequestSchema,
  LABEL_STEPS_SENTENCES,
  LabelStepsRequestSchema,
  LabelStepsResponseSchema,
  NotifyRequestSchema,
  NotifyResponseSchema,
  ScheduleRequestSchema,
  TIMER_SENTENCES,
} from './edge-functions.ts';
import type { z } from 'zod';

const SITE = '00000000-0000-4000-8000-000000000001';
const FLOW = '00000000-0000-4000-8000-000000000002';

/** The 400 sentence a function answers for this body, or null when the body is accepted. */
function problem(schema: z.ZodType, body: unknown): string | null {
  const r = schema.safeParse(body);
  return r.success ? null : bodyProblems(r.error);
}

describe('credentials bodies', () => {
  it('accepts what the dashboard and the extension send', () => {
    expect(CredentialStoreRequestSchema.parse({ site_id: SITE, name: 'PASSWORD', value: 'hunter2' })).toEqual({ site_id: SITE, name: 'PASSWORD', value: 'hunter2' });
    expect(CredentialStoreRequestSchema.parse({ site_id: SITE, name: 'X', value: 'x'.repeat(4096) }).value).toHaveLength(4096);
    expect(CredentialRemoveRequestSchema.parse({ site_id: SITE, name: 'API_TOKEN', value: 'ignored' })).toEqual({ site_id: SITE, name: 'API_TOKEN' });
  });

  it('names each problem in the function’s own sentence', () => {
    expect(problem(CredentialStoreRequestSchema, 'text')).toBe(CREDENTIAL_SENTENCES.notObject);
    expect(problem(CredentialStoreRequestSchema, [1])).toBe(CREDENTIAL_SENTENCES.notObject);
    expect(problem(CredentialStoreRequestSchema, null)).toBe(CREDENTIAL_SENTENCES.notObject);
    expect(problem(CredentialStoreRequestSchema, { site_id: 'nope', name: 'PASSWORD', value: 'x' })).toBe(CREDENTIAL_SENTENCES.siteId);
    for (const name of ['password', 'PASS-WORD', '', 'X'.repeat(65), 42, undefined]) {
      expect(problem(CredentialStoreRequestSchema, { site_id: SITE, name, value: 'x' })).toBe(CREDENTIAL_SENTENCES.name);
    }
    expect(problem(CredentialStoreRequestSchema, { site_id: SITE, name: 'P', value: '' })).toBe(CREDENTIAL_SENTENCES.value);
    expect(problem(CredentialStoreRequestSchema, { site_id: SITE, name: 'P', value: 'x'.repeat(4097) })).toBe(CREDENTIAL_SENTENCES.value);
    expect(problem(CredentialStoreRequestSchema, { site_id: SITE, name: 'P', value: 7 })).toBe(CREDENTIAL_SENTENCES.value);
    // Two problems, two sentences, in the body's order.
    expect(problem(CredentialStoreRequestSchema, { site_id: 1, name: 'p', value: 'x' })).toBe(`${CREDENTIAL_SENTENCES.siteId} ${CREDENTIAL_SENTENCES.name}`);
    expect(problem(CredentialRemoveRequestSchema, { site_id: SITE })).toBe(CREDENTIAL_SENTENCES.name);
  });

  it('reads the names a site has, refusing anything else', () => {
    expect(CredentialNamesResponseSchema.parse({ names: ['API_TOKEN', 'PASSWORD'] }).names).toEqual(['API_TOKEN', 'PASSWORD']);
    expect(CredentialNamesResponseSchema.safeParse({ names: ['<b>x</b>'] }).success).toBe(false);
    expect(CredentialNamesResponseSchema.safeParse({ names: 'PASSWORD' }).success).toBe(false);
  });
});

describe('channels body', () => {
  it('takes one channel id', () => {
    expect(ChannelTestRequestSchema.parse({ channel_id: SITE })).toEqual({ channel_id: SITE });
    expect(problem(ChannelTestRequestSchema, { channel_id: 'x' })).toBe(CHANNEL_SENTENCES.channelId);
    expect(problem(ChannelTestRequestSchema, {})).toBe(CHANNEL_SENTENCES.channelId);
    expect(problem(ChannelTestRequestSchema, [SITE])).toBe(CHANNEL_SENTENCES.channelId);
  });
});

describe('label-steps body', () => {
  // What the extension sends (extension/background/ai-labels.ts): its recorded steps, no typed values.
  const extensionBody = {
    site_id: SITE,
    steps: [
      { index: 0, action: 'navigate', label: 'Open the shop', element: null, page: { url: 'https://shop.test/', title: 'Shop' }, url: 'https://shop.test/' },
      {
        index: 1,
        action: 'click',
        label: "Click 'Buy'",
        element: { tag: 'button', role: 'button', name: 'Buy   now', text: 'Buy', attributes: { 'data-testid': 'buy', class: 'x' } },
        page: null,
        screenshot_path: 'screenshots/a/b.png',
      },
      { index: 2, action: 'keypress', key: 'Enter', element: { tag: 'input', attributes: { name: 'q' } }, page: { url: 'https://shop.test/s', title: null } },
      { index: 3, action: 'assert', assertion: 'text', value: 'Thanks', element: { tag: 'h1', text: 'Thanks' }, page: null },
    ],
  };

  it('reads the extension’s body into the prompt’s steps', () => {
    const parsed = LabelStepsRequestSchema.parse(extensionBody);
    expect(parsed.siteId).toBe(SITE);
    expect(parsed.flowId).toBeNull();
    expect(parsed.screenshot).toBe('screenshots/a/b.png');
    expect(parsed.steps).toEqual([
      { index: 0, action: 'navigate', element: {}, url: 'https://shop.test/', pageTitle: 'Shop', templateLabel: 'Open the shop', key: undefined },
      { index: 1, action: 'click', element: { tag: 'button', role: 'button', name: 'Buy now', text: 'Buy', 'data-testid': 'buy' }, url: undefined, pageTitle: undefined, templateLabel: "Click 'Buy'", key: undefined },
      { index: 2, action: 'keypress', element: { tag: 'input', name: 'q' }, url: 'https://shop.test/s', pageTitle: undefined, templateLabel: undefined, key: 'Enter' },
      { index: 3, action: 'assert', element: { tag: 'h1', text: 'Thanks' }, url: undefined, pageTitle: undefined, templateLabel: undefined, key: undefined },
    ]);
    // An attribute never overrides a field of the same name; `name` came from the element itself.
    expect(LabelStepsRequestSchema.parse({ flow_id: FLOW, steps: [{ element: { attributes: { name: 'q', type: 'search' } } }] }).steps[0]!.element).toEqual({ name: 'q', type: 'search' });
  });

  it('is lenient where the function always was: odd fields are ignored, not refused', () => {
    const parsed = LabelStepsRequestSchema.parse({ site_id: 'not-an-id', flow_id: FLOW, screenshot: 'shots/x.png', steps: [{ index: 'x', type: 'click', label: { a: 1 }, element: 'oops', page: 5, screenshot_path: 9 }] });
    expect(parsed).toEqual({ siteId: null, flowId: FLOW, screenshot: 'shots/x.png', steps: [{ index: 0, action: 'click', element: {}, url: undefined, pageTitle: undefined, templateLabel: undefined, key: undefined }] });
    expect(LabelStepsRequestSchema.parse({ site_id: SITE, steps: [{ label: 'x'.repeat(500), element: { text: 'y'.repeat(500) } }] }).steps[0]).toMatchObject({ action: 'unknown', templateLabel: 'x'.repeat(120), element: { text: 'y'.repeat(200) } });
  });

  it('names what is wrong', () => {
    expect(problem(LabelStepsRequestSchema, { site_id: SITE })).toBe(LABEL_STEPS_SENTENCES.steps);
    expect(problem(LabelStepsRequestSchema, { site_id: SITE, steps: [] })).toBe(LABEL_STEPS_SENTENCES.steps);
    expect(problem(LabelStepsRequestSchema, 'steps')).toBe(LABEL_STEPS_SENTENCES.steps);
    expect(problem(LabelStepsRequestSchema, { site_id: SITE, steps: Array.from({ length: 101 }, () => ({})) })).toBe(LABEL_STEPS_SENTENCES.tooManySteps);
    expect(problem(LabelStepsRequestSchema, { site_id: SITE, steps: [{}, 'x', {}, null] })).toBe('Step 1 is not an object. Step 3 is not an object.');
    expect(problem(LabelStepsRequestSchema, { steps: [{}] })).toBe(LABEL_STEPS_SENTENCES.site);
    expect(problem(LabelStepsRequestSchema, { site_id: 'x', flow_id: 'y', steps: [{}] })).toBe(LABEL_STEPS_SENTENCES.site);
  });

  it('reads the answer the extension applies', () => {
    expect(LabelStepsResponseSchema.parse({ available: true, labels: [{ index: 0, label: 'Buy', instruction: 'Press Buy.', confidence: 0.9 }] }).labels).toHaveLength(1);
    expect(LabelStepsResponseSchema.safeParse({ labels: [{ index: 'x' }] }).success).toBe(false);
  });
});

describe('schedule and notify bodies', () => {
  it('take an optional time and site list; a body that is not an object carries no options', () => {
    expect(ScheduleRequestSchema.parse({})).toEqual({});
    expect(ScheduleRequestSchema.parse({ now: '2027-01-12T02:01:00Z' }).now).toEqual(new Date('2027-01-12T02:01:00Z'));
    expect(ScheduleRequestSchema.parse({ now: null }).now).toBeNull();
    for (const body of [5, 'x', [], null, true]) expect(ScheduleRequestSchema.parse(body)).toEqual({});
    expect(NotifyRequestSchema.parse({ sites: [SITE] }).sites).toEqual([SITE]);
    expect(NotifyRequestSchema.parse({ now: '2027-01-20T08:05:00Z', sites: [] })).toEqual({ now: new Date('2027-01-20T08:05:00Z'), sites: [] });
  });

  it('names a bad time and a bad site list once', () => {
    expect(problem(ScheduleRequestSchema, { now: 'yesterday' })).toBe(TIMER_SENTENCES.now);
    expect(problem(ScheduleRequestSchema, { now: { at: 1 } })).toBe(TIMER_SENTENCES.now);
    expect(problem(NotifyRequestSchema, { sites: 'all' })).toBe(TIMER_SENTENCES.sites);
    expect(problem(NotifyRequestSchema, { sites: ['x', 'y', 3] })).toBe(TIMER_SENTENCES.sites);
    expect(problem(NotifyRequestSchema, { now: 'x', sites: ['x'] })).toBe(`${TIMER_SENTENCES.now} ${TIMER_SENTENCES.sites}`);
  });

  it('reads what the stack’s timers read of notify’s answer', () => {
    const answer = { now: '2027-01-20T08:05:00.000Z', digestsQueued: 0, confirmations: [], outcomes: [{ outboxId: 'o', status: 'sent', extra: 1 }], channelOutcomes: [] };
    expect(NotifyResponseSchema.parse(answer).outcomes[0]).toEqual({ status: 'sent' });
    expect(NotifyResponseSchema.safeParse({ ...answer, outcomes: [{ outboxId: 'o' }] }).success).toBe(false);
  });
});

describe('deploy-webhook body', () => {
  it('requires a commit, trims and cuts the optional texts, keeps the rest as sent', () => {
    expect(DeployWebhookRequestSchema.parse({ commit_sha: ' 3f9c2e1 ', branch: ' main ', environment: '', timestamp: '2027-01-12T10:00:00Z', extra: { a: 1 } })).toEqual({
      commit_sha: '3f9c2e1',
      branch: 'main',
      environment: null,
      timestamp: '2027-01-12T10:00:00Z',
      extra: { a: 1 },
    });
    expect(DeployWebhookRequestSchema.parse({ commit_sha: 1234 }).commit_sha).toBe('1234');
    expect(DeployWebhookRequestSchema.parse({ commit_sha: 'a'.repeat(90), branch: 'b'.repeat(300) })).toMatchObject({ commit_sha: 'a'.repeat(80), branch: 'b'.repeat(200), environment: null });
  });

  it('names a missing or malformed commit and a body that is not an object', () => {
    expect(problem(DeployWebhookRequestSchema, { branch: 'main' })).toBe(DEPLOY_SENTENCES.commitSha);
    expect(problem(DeployWebhookRequestSchema, { commit_sha: 'abc def' })).toBe(DEPLOY_SENTENCES.commitSha);
    expect(problem(DeployWebhookRequestSchema, { commit_sha: '   ' })).toBe(DEPLOY_SENTENCES.commitSha);
    expect(problem(DeployWebhookRequestSchema, [])).toBe(DEPLOY_SENTENCES.notObject);
    expect(problem(DeployWebhookRequestSchema, 'x')).toBe(DEPLOY_SENTENCES.notObject);
  });
});
