/**
 * What alert channels receive (issue 18):
 *   - Slack: a Block Kit message for an incoming webhook (https://api.slack.com/messaging/webhooks):
 *     site, score change, each P0/P1 with its page, viewports, the reason in words and a link; the
 *     daily/weekly briefing as a compact summary. Page- and user-written text is escaped for Slack
 *     mrkdwn (&, <, >), so a bug title cannot mention @channel or forge a link.
 *   - Generic webhook: the versioned JSON body documented in docs/alert-channels.md (version 1).
 * Pure functions: the sender (channels.ts) fetches the facts and signs the body.
 */
import { bugUrl, capitalise, digestProse } from './render.ts';
import type { BugFact, DigestFacts, InstantFacts } from './facts.ts';

export const WEBHOOK_VERSION = 1;
const MAX_BUGS = 10;

type Block = Record<string, unknown>;
export interface SlackMessage {
  text: string;
  blocks: Block[];
}

/** Escapes text for Slack mrkdwn: only &, < and > are control characters there. */
export function slackEscape(value: unknown, max = 500): string {
  const s = String(value ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ');
  const cut = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return cut.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const plainText = (t: string, max = 150) => ({ type: 'plain_text', text: t.length > max ? `${t.slice(0, max - 1)}…` : t, emoji: false });
const mrkdwn = (t: string) => ({ type: 'mrkdwn', text: t.length > 2900 ? `${t.slice(0, 2899)}…` : t });
const link = (href: string, label: string) => `<${href.replace(/[<>|]/g, encodeURIComponent)}|${label}>`;

function scoreLine(score: number | null, previous: number | null): string {
  if (score === null) return 'Health score: not computed yet';
  if (previous === null || previous === score) return `Health score: *${score}*${previous === score ? ' (unchanged)' : ''}`;
  const d = score - previous;
  return `Health score: *${score}* (${d > 0 ? '+' : ''}${d} from ${previous})`;
}

function bugLine(b: BugFact, href: string, reason: string | undefined): string {
  const where = `${slackEscape(b.page, 200)}${b.viewports.length ? ` · ${slackEscape(b.viewports.join(', '), 60)}` : ''}`;
  return [
    `*${slackEscape(b.severity)}* ${slackEscape(b.title, 300)}`,
    where,
    reason ? `_${slackEscape(capitalise(reason), 300)}_` : null,
    link(href, 'Open in FlowLens'),
  ].filter(Boolean).join('\n');
}

export function slackInstant(f: InstantFacts, dashboard: string): SlackMessage {
  const shown = f.bugs.slice(0, MAX_BUGS);
  const worst = f.bugs.some((b) => b.severity === 'P0') ? 'P0' : 'P1';
  const headline = f.bugs.length
    ? `${f.bugs.length} ${worst === 'P0' ? 'critical' : 'serious'} ${f.bugs.length === 1 ? 'bug' : 'bugs'} on ${f.site.name}`
    : `${f.flapping.map((x) => x.flowName).join(', ')} flapping on ${f.site.name}`;
  const runLink = `${dashboard}/sites/${encodeURIComponent(f.site.id)}/runs/${encodeURIComponent(f.runId)}`;
  const blocks: Block[] = [
    { type: 'header', text: plainText(headline) },
    {
      type: 'section',
      text: mrkdwn([
        `*${slackEscape(f.site.name, 200)}* · ${slackEscape(f.site.baseUrl, 300)}`,
        scoreLine(f.healthScore, f.previousScore),
        f.deploy ? `After deploy \`${slackEscape(f.deploy.commitSha.slice(0, 12))}\`${f.deploy.branch ? ` (${slackEscape(f.deploy.branch, 100)})` : ''}` : null,
      ].filter(Boolean).join('\n')),
    },
  ];
  if (shown.length) blocks.push({ type: 'divider' });
  for (const b of shown) blocks.push({ type: 'section', text: mrkdwn(bugLine(b, bugUrl(dashboard, f.site.id, b.id), f.reasons[b.id])) });
  if (f.bugs.length > shown.length) blocks.push({ type: 'context', elements: [mrkdwn(`…and ${f.bugs.length - shown.length} more in ${link(runLink, 'the run')}`)] });
  for (const x of f.flapping.slice(0, 5)) {
    blocks.push({ type: 'section', text: mrkdwn(`:repeat: *${slackEscape(x.flowName, 200)}* is flapping\n_${slackEscape(capitalise(x.reason), 400)}_`) });
  }
  blocks.push({ type: 'actions', elements: [{ type: 'button', text: plainText('Open the run'), url: runLink }] });
  if (f.policy) blocks.push({ type: 'context', elements: [mrkdwn(`Alert policy: ${slackEscape(f.policy, 600)}`)] });
  return { text: `${headline}`.slice(0, 300), blocks };
}

export function slackDigest(f: DigestFacts, dashboard: string): SlackMessage {
  const daily = f.kind === 'daily';
  const headline = `${daily ? 'Daily briefing' : 'Weekly summary'} for ${f.site.name}`;
  const siteLink = `${dashboard}/sites/${encodeURIComponent(f.site.id)}`;
  const counts = [
    `*New:* ${f.newCount}`,
    `*Came back:* ${f.regressedBugs.length}`,
    `*Fixed:* ${f.fixedCount}`,
    `*Still open:* ${f.persistentCount}`,
  ];
  const blocks: Block[] = [
    { type: 'header', text: plainText(headline) },
    { type: 'section', text: mrkdwn(`${scoreLine(f.score, f.previousScore)}\n${slackEscape(digestProse(f).join(' '), 1200)}`) },
    { type: 'section', fields: counts.map(mrkdwn) },
  ];
  const top = [...f.newBugs, ...f.regressedBugs].filter((b) => b.severity === 'P0' || b.severity === 'P1').slice(0, 5);
  if (top.length) {
    blocks.push({ type: 'section', text: mrkdwn(top.map((b) => `• *${slackEscape(b.severity)}* ${link(bugUrl(dashboard, f.site.id, b.id), slackEscape(b.title, 150).replace(/\|/g, '¦'))}`).join('\n')) });
  }
  if (f.held.length) {
    blocks.push({ type: 'section', text: mrkdwn(`*Held during quiet hours*\n${f.held.slice(0, 5).map((h) => `• *${slackEscape(h.severity)}* ${slackEscape(h.title, 150)}`).join('\n')}`) });
  }
  blocks.push({ type: 'actions', elements: [{ type: 'button', text: plainText('Open FlowLens'), url: siteLink }] });
  return { text: `${headline}${f.score !== null ? ` — health ${f.score}` : ''}`.slice(0, 300), blocks };
}

export function slackTest(siteName: string, channelName: string, dashboard: string, siteId: string): SlackMessage {
  return {
    text: `FlowLens test message for ${siteName}`,
    blocks: [
      { type: 'header', text: plainText('FlowLens test message') },
      { type: 'section', text: mrkdwn(`This channel (*${slackEscape(channelName, 80)}*) will receive FlowLens alerts for *${slackEscape(siteName, 200)}*.`) },
      { type: 'actions', elements: [{ type: 'button', text: plainText('Open FlowLens'), url: `${dashboard}/sites/${encodeURIComponent(siteId)}` }] },
    ],
  };
}

// Generic webhook, version 1 ---------------------------------------------------------------------------

export interface WebhookEnvelope {
  version: typeof WEBHOOK_VERSION;
  id: string;
  event: 'alert.instant' | 'briefing.daily' | 'briefing.weekly' | 'channel.test';
  sentAt: string;
  site: { id: string; name: string; url: string; timezone: string; dashboardUrl: string };
  policy: string | null;
  healthScore: { current: number | null; previous: number | null };
  run: { id: string; trigger: string | null; finishedAt: string | null; dashboardUrl: string } | null;
  deploy: { commitSha: string; branch: string | null; environment: string | null } | null;
  bugs: {
    id: string; severity: string; type: string; status: string; title: string; page: string; viewports: string[];
    firstSeenAt: string; dashboardUrl: string; reason: string | null;
  }[];
  flapping: { flowId: string; flowName: string; flips: number; windowDays: number; reason: string }[];
  briefing: {
    period: string; windowStart: string; windowEnd: string; summary: string[];
    counts: { new: number; cameBack: number; fixed: number; stillOpen: number };
    held: { bugId: string | null; severity: string; title: string; reason: string }[];
  } | null;
}

function siteOf(f: { site: InstantFacts['site'] }, dashboard: string): WebhookEnvelope['site'] {
  return { id: f.site.id, name: f.site.name, url: f.site.baseUrl, timezone: f.site.timezone, dashboardUrl: `${dashboard}/sites/${encodeURIComponent(f.site.id)}` };
}

const bugJson = (b: BugFact, dashboard: string, siteId: string, reason: string | null) => ({
  id: b.id, severity: b.severity, type: b.type, status: b.status, title: b.title, page: b.page, viewports: b.viewports,
  firstSeenAt: b.firstSeenAt.toISOString(), dashboardUrl: bugUrl(dashboard, siteId, b.id), reason,
});

export function webhookInstant(f: InstantFacts, dashboard: string, deliveryId: string, now: Date): WebhookEnvelope {
  return {
    version: WEBHOOK_VERSION,
    id: deliveryId,
    event: 'alert.instant',
    sentAt: now.toISOString(),
    site: siteOf(f, dashboard),
    policy: f.policy,
    healthScore: { current: f.healthScore, previous: f.previousScore },
    run: { id: f.runId, trigger: f.runTrigger, finishedAt: f.runFinishedAt?.toISOString() ?? null, dashboardUrl: `${dashboard}/sites/${encodeURIComponent(f.site.id)}/runs/${encodeURIComponent(f.runId)}` },
    deploy: f.deploy ? { commitSha: f.deploy.commitSha, branch: f.deploy.branch, environment: f.deploy.environment } : null,
    bugs: f.bugs.map((b) => bugJson(b, dashboard, f.site.id, f.reasons[b.id] ?? null)),
    flapping: f.flapping,
    briefing: null,
  };
}

export function webhookDigest(f: DigestFacts, dashboard: string, deliveryId: string, now: Date): WebhookEnvelope {
  return {
    version: WEBHOOK_VERSION,
    id: deliveryId,
    event: f.kind === 'daily' ? 'briefing.daily' : 'briefing.weekly',
    sentAt: now.toISOString(),
    site: siteOf(f, dashboard),
    policy: null,
    healthScore: { current: f.score, previous: f.previousScore },
    run: null,
    deploy: null,
    bugs: [...f.newBugs, ...f.regressedBugs].map((b) => bugJson(b, dashboard, f.site.id, null)),
    flapping: [],
    briefing: {
      period: f.periodKey,
      windowStart: f.windowStart.toISOString(),
      windowEnd: f.windowEnd.toISOString(),
      summary: digestProse(f),
      counts: { new: f.newCount, cameBack: f.regressedBugs.length, fixed: f.fixedCount, stillOpen: f.persistentCount },
      held: f.held.map((h) => ({ bugId: h.bugId, severity: h.severity, title: h.title, reason: h.reason })),
    },
  };
}

export function webhookTest(site: InstantFacts['site'], dashboard: string, deliveryId: string, now: Date): WebhookEnvelope {
  return {
    version: WEBHOOK_VERSION,
    id: deliveryId,
    event: 'channel.test',
    sentAt: now.toISOString(),
    site: siteOf({ site }, dashboard),
    policy: null,
    healthScore: { current: null, previous: null },
    run: null,
    deploy: null,
    bugs: [],
    flapping: [],
    briefing: null,
  };
}
