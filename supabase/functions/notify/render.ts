/**
 * The emails: inline-styled HTML (tables, no CSS classes, no images, readable in common clients)
 * plus plain text. Everything a user or a crawled page wrote — site names, bug titles, pages,
 * commit and branch names, and Claude's prose — goes through escapeHtml; nothing is rendered as HTML.
 */
import { escapeHtml as e, oneLine, safeHref } from '../_shared/html.ts';
import type { BugFact, DeployFact, DigestFacts, HeldFact, InstantFacts } from './facts.ts';

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export interface Links {
  dashboard: string;
  preferences: string;
  unsubscribeKind: string;
  unsubscribeAll: string;
}

const SEVERITY_COLOURS: Record<string, string> = { P0: '#b42318', P1: '#c4320a', P2: '#b54708', P3: '#475467' };

export function formatTime(d: Date, timezone: string): string {
  try {
    return new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
    }).format(d);
  } catch {
    return d.toISOString();
  }
}

export function bugUrl(dashboard: string, siteId: string, bugId: string): string {
  return `${dashboard}/sites/${encodeURIComponent(siteId)}/bugs/${encodeURIComponent(bugId)}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
export const capitalise = (t: string) => (t ? t[0]!.toUpperCase() + t.slice(1) : t);
const shortSha = (sha: string) => sha.slice(0, 12);

function deployLabel(d: DeployFact): string {
  const where = [d.branch ? `branch ${d.branch}` : null, d.environment].filter(Boolean).join(', ');
  return `deploy ${shortSha(d.commitSha)}${where ? ` (${where})` : ''}`;
}

function minutesBetween(a: Date, b: Date): number {
  return Math.max(0, Math.round((b.getTime() - a.getTime()) / 60_000));
}

// HTML building blocks -----------------------------------------------------------------------------

const FONT = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

function button(href: string, label: string): string {
  return `<a href="${e(href)}" style="display:inline-block;background:#1d4ed8;color:#ffffff;text-decoration:none;padding:10px 16px;border-radius:6px;font-weight:600;${FONT};font-size:14px">${e(label)}</a>`;
}

function link(href: string, label: string): string {
  const safe = safeHref(href);
  return safe ? `<a href="${e(safe)}" style="color:#1d4ed8">${e(label)}</a>` : e(label);
}

function badge(severity: string): string {
  const c = SEVERITY_COLOURS[severity] ?? '#475467';
  return `<span style="display:inline-block;background:${c};color:#ffffff;border-radius:4px;padding:1px 6px;font-size:12px;font-weight:700">${e(severity)}</span>`;
}

function paragraph(text: string): string {
  return `<p style="margin:0 0 12px 0;${FONT};font-size:15px;line-height:22px;color:#101828">${e(text)}</p>`;
}

function heading(text: string): string {
  return `<h2 style="margin:20px 0 8px 0;${FONT};font-size:16px;line-height:22px;color:#101828">${e(text)}</h2>`;
}

function layout(opts: { preheader: string; title: string; body: string; links: Links; kind: string; siteName: string }): string {
  const kindName = opts.kind === 'instant' ? 'instant alerts' : opts.kind === 'daily' ? 'daily briefings' : 'weekly summaries';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${e(opts.title)}</title></head>
<body style="margin:0;padding:0;background:#f2f4f7">
<div style="display:none;max-height:0;overflow:hidden;opacity:0">${e(opts.preheader)}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f2f4f7"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background:#ffffff;border-radius:8px;border:1px solid #eaecf0">
<tr><td style="padding:20px 24px;border-bottom:1px solid #eaecf0;${FONT};font-size:13px;color:#475467"><strong style="color:#101828">FlowLens</strong> · ${e(opts.siteName)}</td></tr>
<tr><td style="padding:20px 24px">
<h1 style="margin:0 0 16px 0;${FONT};font-size:20px;line-height:28px;color:#101828">${e(opts.title)}</h1>
${opts.body}
</td></tr>
<tr><td style="padding:16px 24px;border-top:1px solid #eaecf0;${FONT};font-size:12px;line-height:18px;color:#667085">
You receive ${e(kindName)} for ${e(opts.siteName)}. ${link(opts.links.preferences, 'Change email preferences')} ·
${link(opts.links.unsubscribeKind, `Unsubscribe from ${kindName}`)} · ${link(opts.links.unsubscribeAll, 'Unsubscribe from all emails about this site')}
</td></tr>
</table></td></tr></table>
</body></html>`;
}

function footerText(kind: string, siteName: string, links: Links): string {
  const kindName = kind === 'instant' ? 'instant alerts' : kind === 'daily' ? 'daily briefings' : 'weekly summaries';
  return [
    '--',
    `You receive ${kindName} for ${siteName}.`,
    `Change email preferences: ${links.preferences}`,
    `Unsubscribe from ${kindName}: ${links.unsubscribeKind}`,
    `Unsubscribe from all emails about this site: ${links.unsubscribeAll}`,
  ].join('\n');
}

function bugRowHtml(b: BugFact, href: string, tz: string, detail: string): string {
  return `<tr><td style="padding:12px 0;border-top:1px solid #eaecf0;${FONT};font-size:14px;line-height:20px;color:#101828">
${badge(b.severity)} <strong>${e(b.title)}</strong><br>
<span style="color:#475467">${e(detail)}</span><br>
<span style="color:#475467">Page: ${e(b.page)}${b.viewports.length ? ` · ${e(b.viewports.join(', '))}` : ''} · First seen ${e(formatTime(b.firstSeenAt, tz))}</span><br>
${link(href, 'Open this bug in FlowLens')}
</td></tr>`;
}

function heldRowHtml(h: HeldFact, dashboard: string, siteId: string): string {
  return `<tr><td style="padding:12px 0;border-top:1px solid #eaecf0;${FONT};font-size:14px;line-height:20px;color:#101828">
${badge(h.severity)} <strong>${e(h.title)}</strong><br>
<span style="color:#475467">${e(capitalise(h.reason))}</span>${h.bugId ? `<br>${link(bugUrl(dashboard, siteId, h.bugId), 'Open this bug in FlowLens')}` : ''}
</td></tr>`;
}

function bugTable(rows: string[]): string {
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">${rows.join('')}</table>`;
}

// Instant alert --------------------------------------------------------------------------------------

export function renderInstant(f: InstantFacts, links: Links): Rendered {
  const tz = f.site.timezone;
  const regressed = f.bugs.filter((b) => b.status === 'regressed' || (b.timesRegressed > 0 && b.status !== 'new'));
  const fresh = f.bugs.length - regressed.length;
  const worst = f.bugs.some((b) => b.severity === 'P0') ? 'P0' : 'P1';
  const parts = [fresh ? `${fresh} new` : null, regressed.length ? `${regressed.length} regressed` : null].filter(Boolean).join(', ');
  const flappingNames = f.flapping.map((x) => x.flowName).join(', ');
  const subject = oneLine(
    f.bugs.length
      ? `[FlowLens] ${f.site.name}: ${plural(f.bugs.length, `${worst === 'P0' ? 'critical' : 'serious'} bug`)} (${parts})${f.deploy ? ` after deploy ${shortSha(f.deploy.commitSha)}` : ''}`
      : `[FlowLens] ${f.site.name}: ${flappingNames} ${f.flapping.length === 1 ? 'is' : 'are'} flapping`,
    200,
  );
  const title = f.bugs.length ? `${plural(f.bugs.length, 'P0/P1 bug')} on ${f.site.name}` : `${plural(f.flapping.length, 'flapping flow')} on ${f.site.name}`;
  const intro = f.bugs.length
    ? `The latest crawl of ${f.site.baseUrl}${f.runFinishedAt ? ` (finished ${formatTime(f.runFinishedAt, tz)})` : ''} found ${parts} ${f.bugs.length === 1 ? 'bug' : 'bugs'} at P0/P1 severity.`
    : `The latest crawl of ${f.site.baseUrl}${f.runFinishedAt ? ` (finished ${formatTime(f.runFinishedAt, tz)})` : ''} shows ${f.flapping.length === 1 ? 'a flow' : 'flows'} that keep flipping between passing and failing.`;
  let deployText: string | null = null;
  if (f.deploy && f.bugs.length) {
    const firstSeen = f.bugs.reduce((m, b) => (b.firstSeenAt < m ? b.firstSeenAt : m), f.bugs[0]!.firstSeenAt);
    deployText = f.runTrigger === 'deploy'
      ? `This crawl was triggered by ${deployLabel(f.deploy)}, received ${formatTime(f.deploy.receivedAt, tz)}.`
      : `These appeared ${plural(minutesBetween(f.deploy.receivedAt, firstSeen), 'minute')} after ${deployLabel(f.deploy)} (received ${formatTime(f.deploy.receivedAt, tz)}).`;
  }
  const detail = (b: BugFact) => {
    const base = `${b.status === 'regressed' ? 'Regressed (it was fixed before)' : b.status === 'new' ? 'New' : 'Still failing'} · ${b.type.replace(/_/g, ' ')}`;
    const why = f.reasons[b.id];
    return why ? `${base} · ${capitalise(why)}` : base;
  };
  const flappingText = f.flapping.map((x) => capitalise(x.reason || `${x.flowName} is flapping`) + '.');
  const policyText = f.policy ? `Alert policy: ${f.policy}` : null;
  const runLink = `${links.dashboard}/sites/${encodeURIComponent(f.site.id)}/runs/${encodeURIComponent(f.runId)}`;

  const html = layout({
    preheader: intro,
    title,
    kind: 'instant',
    siteName: f.site.name,
    links,
    body: [
      paragraph(intro),
      deployText ? paragraph(deployText) : '',
      f.bugs.length ? bugTable(f.bugs.map((b) => bugRowHtml(b, bugUrl(links.dashboard, f.site.id, b.id), tz, detail(b)))) : '',
      ...(flappingText.length ? [heading('Flapping'), ...flappingText.map(paragraph)] : []),
      policyText ? `<p style="margin:12px 0 0 0;${FONT};font-size:12px;color:#667085">${e(policyText)}</p>` : '',
      `<p style="margin:20px 0 0 0">${button(runLink, 'Open the run in FlowLens')}</p>`,
    ].join('\n'),
  });

  const text = [
    title,
    '',
    intro,
    ...(deployText ? ['', deployText] : []),
    '',
    ...f.bugs.flatMap((b) => [
      `[${b.severity}] ${b.title}`,
      `  ${detail(b)}`,
      `  Page: ${b.page}${b.viewports.length ? ` (${b.viewports.join(', ')})` : ''}`,
      `  First seen: ${formatTime(b.firstSeenAt, tz)}`,
      `  ${bugUrl(links.dashboard, f.site.id, b.id)}`,
      '',
    ]),
    ...(flappingText.length ? ['Flapping:', ...flappingText.map((t) => `  ${t}`), ''] : []),
    ...(policyText ? [policyText, ''] : []),
    `Open the run: ${runLink}`,
    '',
    footerText('instant', f.site.name, links),
  ].join('\n');
  return { subject, text, html };
}

// Daily briefing and weekly summary --------------------------------------------------------------------

/** The template's plain, friendly sentences (used when Claude is not configured or fails). */
export function digestProse(f: DigestFacts): string[] {
  const since = f.kind === 'daily' ? "yesterday's briefing" : 'last week';
  const out: string[] = [];
  if (f.score === null) out.push(`${f.site.name} has no health score yet.`);
  else if (f.previousScore === null) out.push(`${f.site.name}'s health score is ${f.score}.`);
  else {
    const d = f.score - f.previousScore;
    out.push(
      d === 0
        ? `${f.site.name}'s health score is ${f.score}, unchanged since ${since}.`
        : `${f.site.name}'s health score is ${f.score}, ${d > 0 ? 'up' : 'down'} ${Math.abs(d)} since ${since}.`,
    );
  }
  if (f.runs === 0) out.push(f.kind === 'daily' ? 'No crawl finished in the last 24 hours.' : 'No crawl finished this week.');
  const changes: string[] = [];
  if (f.newCount) changes.push(`${plural(f.newCount, 'new bug')} appeared`);
  if (f.regressedBugs.length) changes.push(`${plural(f.regressedBugs.length, 'bug')} came back`);
  if (f.fixedCount) changes.push(`${f.fixedCount === 1 ? '1 bug was' : `${f.fixedCount} bugs were`} fixed`);
  if (changes.length) {
    const last = changes.pop()!;
    out.push(`Since ${since}, ${changes.length ? `${changes.join(', ')} and ${last}` : last}.`);
  } else if (f.runs > 0) out.push(`Nothing new broke since ${since}.`);
  if (f.persistentCount) out.push(`${f.persistentCount === 1 ? '1 older bug is' : `${f.persistentCount} older bugs are`} still open.`);
  else out.push('No older bugs are open.');
  if (f.perfNew.length) out.push(`${plural(f.perfNew.length, 'page')} got slower.`);
  if (f.perfFixed.length) out.push(`${plural(f.perfFixed.length, 'performance problem')} ${f.perfFixed.length === 1 ? 'was' : 'were'} resolved.`);
  if (f.held.length) out.push(`${f.held.length === 1 ? '1 alert was' : `${f.held.length} alerts were`} held during quiet hours: ${f.held.length === 1 ? 'it is' : 'they are'} listed below.`);
  if (f.kind === 'weekly' && f.trajectory.length > 1) out.push(`Scores through the week: ${f.trajectory.map((t) => t.score).join(' → ')}.`);
  return out;
}

export function renderDigest(f: DigestFacts, links: Links, prose: string[]): Rendered {
  const tz = f.site.timezone;
  const daily = f.kind === 'daily';
  const scorePart = f.score === null ? '' : ` — health ${f.score}${f.previousScore !== null && f.score !== f.previousScore ? ` (${f.score > f.previousScore ? '+' : ''}${f.score - f.previousScore})` : ''}`;
  const subject = oneLine(`[FlowLens] ${daily ? 'Daily briefing' : 'Weekly summary'} for ${f.site.name}${scorePart}`, 200);
  const title = daily ? `Your daily briefing for ${f.site.name}` : `Your weekly summary for ${f.site.name}`;
  type Section = { name: string; bugs: BugFact[]; total: number; detail: (b: BugFact) => string };
  const all: Section[] = [
    { name: 'New bugs', bugs: f.newBugs, total: f.newCount, detail: (b) => `${b.type.replace(/_/g, ' ')}` },
    { name: 'Came back', bugs: f.regressedBugs, total: f.regressedBugs.length, detail: (b) => `regressed ${plural(b.timesRegressed, 'time')}` },
    { name: 'Fixed', bugs: f.fixedBugs, total: f.fixedCount, detail: (b) => `fixed ${b.fixedAt ? formatTime(b.fixedAt, tz) : ''}` },
    { name: daily ? 'Still open' : 'Top persistent bugs', bugs: f.persistentBugs, total: f.persistentCount, detail: (b) => `open since ${formatTime(b.firstSeenAt, tz)}` },
    { name: 'Performance: got slower', bugs: f.perfNew, total: f.perfNew.length, detail: () => 'performance regression' },
    { name: 'Performance: resolved', bugs: f.perfFixed, total: f.perfFixed.length, detail: () => 'performance back within its baseline' },
  ];
  const sections = all.filter((s) => s.bugs.length > 0);
  const windowText = `${formatTime(f.windowStart, tz)} – ${formatTime(f.windowEnd, tz)}`;
  const siteLink = `${links.dashboard}/sites/${encodeURIComponent(f.site.id)}`;

  const html = layout({
    preheader: prose[0] ?? title,
    title,
    kind: f.kind,
    siteName: f.site.name,
    links,
    body: [
      ...prose.map(paragraph),
      f.score !== null
        ? `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 8px 0"><tr><td style="padding:12px 16px;background:#f9fafb;border:1px solid #eaecf0;border-radius:8px;${FONT};font-size:13px;color:#475467">Health score<br><span style="font-size:28px;font-weight:700;color:#101828">${e(f.score)}</span>${f.previousScore !== null ? ` <span style="font-size:14px;color:${f.score >= f.previousScore ? '#067647' : '#b42318'}">${f.score >= f.previousScore ? '+' : ''}${e(f.score - f.previousScore)}</span>` : ''}</td></tr></table>`
        : '',
      f.kind === 'weekly' && f.trajectory.length
        ? paragraph(`Score trajectory: ${f.trajectory.map((t) => `${t.day}: ${t.score}`).join(', ')}`)
        : '',
      ...(f.held.length
        ? [heading(`Held during quiet hours (${f.held.length})`), bugTable(f.held.map((h) => heldRowHtml(h, links.dashboard, f.site.id)))]
        : []),
      ...sections.flatMap((s) => [
        heading(`${s.name} (${s.total})`),
        bugTable(s.bugs.map((b) => bugRowHtml(b, bugUrl(links.dashboard, f.site.id, b.id), tz, s.detail(b)))),
      ]),
      `<p style="margin:12px 0 0 0;${FONT};font-size:12px;color:#667085">Covers ${e(windowText)}.</p>`,
      `<p style="margin:20px 0 0 0">${button(siteLink, 'Open FlowLens')}</p>`,
    ].join('\n'),
  });

  const text = [
    title,
    '',
    ...prose,
    '',
    ...(f.kind === 'weekly' && f.trajectory.length ? [`Score trajectory: ${f.trajectory.map((t) => `${t.day}: ${t.score}`).join(', ')}`, ''] : []),
    ...(f.held.length
      ? [`Held during quiet hours (${f.held.length})`, ...f.held.map((h) => `  [${h.severity}] ${h.title} — ${capitalise(h.reason)}${h.bugId ? ` — ${bugUrl(links.dashboard, f.site.id, h.bugId)}` : ''}`), '']
      : []),
    ...sections.flatMap((s) => [
      `${s.name} (${s.total})`,
      ...s.bugs.map((b) => `  [${b.severity}] ${b.title} — ${b.page} — ${bugUrl(links.dashboard, f.site.id, b.id)}`),
      '',
    ]),
    `Covers ${windowText}.`,
    `Open FlowLens: ${siteLink}`,
    '',
    footerText(f.kind, f.site.name, links),
  ].join('\n');
  return { subject, text, html };
}

// A channel that keeps failing (issue 18) ---------------------------------------------------------------

/** A short email to the people who can fix something (owners and admins): a title, sentences, one button. */
function adminNotice(n: { subject: string; title: string; lines: string[]; href: string; button: string; linkLabel: string }): Rendered {
  const subject = oneLine(n.subject, 200);
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${e(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f2f4f7"><div style="max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #eaecf0;border-radius:8px;padding:20px 24px">
<h1 style="margin:0 0 16px 0;${FONT};font-size:20px;color:#101828">${e(n.title)}</h1>
${n.lines.map(paragraph).join('')}
<p style="margin:20px 0 0 0">${button(n.href, n.button)}</p>
</div></body></html>`;
  return { subject, text: [...n.lines, '', `${n.linkLabel}: ${n.href}`].join('\n\n'), html };
}

export function renderChannelFailing(f: { siteName: string; channelName: string; channelKind: string; urlHint: string; error: string; settings: string }): Rendered {
  return adminNotice({
    subject: `[FlowLens] The ${f.channelKind} channel "${f.channelName}" for ${f.siteName} keeps failing`,
    title: `The ${f.channelKind} channel "${f.channelName}" keeps failing`,
    lines: [
      `FlowLens could not deliver alerts for ${f.siteName} to the ${f.channelKind} channel "${f.channelName}"${f.urlHint ? ` (${f.urlHint})` : ''}.`,
      `The receiver's last answer: ${f.error}.`,
      'It is marked failing in the site settings. Check the URL (a Slack webhook stops working when its app or channel is removed), then press "Send a test": a successful test marks it healthy again. Until then, emails still arrive as usual.',
      'You get this email once each time the channel starts failing.',
    ],
    href: f.settings,
    button: 'Open the channel settings',
    linkLabel: 'Channel settings',
  });
}

// A flow that needs setup (issue 13) ------------------------------------------------------------------

export function renderNeedsSetup(f: { siteName: string; flowName: string; secrets: string[]; credentials: string }): Rendered {
  const names = f.secrets.join(', ');
  const one = f.secrets.length === 1;
  return adminNotice({
    subject: `[FlowLens] The flow "${f.flowName}" on ${f.siteName} needs setup`,
    title: `"${f.flowName}" needs setup`,
    lines: [
      `FlowLens did not replay the flow "${f.flowName}" on ${f.siteName}: it types the secret${one ? '' : 's'} ${names}, and ${one ? 'no value is' : 'no values are'} stored for this site.`,
      `This is missing configuration, not a bug of your site: the flow is left out of the health score and no bug was opened. Store ${one ? 'the value' : 'the values'} under Settings → Credentials (owners and admins); the next crawl runs the flow again.`,
      'You get this email once each time a flow starts needing setup.',
    ],
    href: f.credentials,
    button: 'Store the credentials',
    linkLabel: 'Credentials',
  });
}

// "And N more": the alerts held by the per-site daily cap (issue 14) --------------------------------------

export interface OverflowFacts {
  site: InstantFacts['site'];
  localDate: string;
  cap: number;
  /** The held alerts listed, oldest first; each as its instant alert would have said it. */
  alerts: InstantFacts[];
  /** All alerts held that day (more than `alerts` when the list was cut). */
  total: number;
}

export function renderOverflow(f: OverflowFacts, links: Links): Rendered {
  const tz = f.site.timezone;
  const n = Math.max(f.total, f.alerts.length);
  const unlisted = n - f.alerts.length;
  const bugs = f.alerts.reduce((sum, a) => sum + a.bugs.length, 0);
  const runsUrl = `${links.dashboard}/sites/${encodeURIComponent(f.site.id)}/runs`;
  const unlistedText = unlisted > 0 ? `…and ${plural(unlisted, 'more alert')} that day, not listed here: see the site's runs in FlowLens.` : null;
  const subject = oneLine(`[FlowLens] ${f.site.name}: and ${plural(n, 'more alert')} on ${f.localDate}`, 200);
  const title = `And ${plural(n, 'more alert')} about ${f.site.name}`;
  const intro = `FlowLens sends at most ${plural(f.cap, 'alert email')} a day about one site, and ${f.site.name} reached that on ${f.localDate}. ` +
    (unlisted > 0
      ? `Instead of ${plural(n, 'more email')}, here are the first ${f.alerts.length} of the ${n} alerts held that day (${plural(bugs, 'P0/P1 bug')}); the rest are in FlowLens.`
      : `Instead of ${plural(n, 'more email')}, here ${n === 1 ? 'is the alert' : `are the ${n} alerts`} held that day (${plural(bugs, 'P0/P1 bug')} in all).`);
  const runUrl = (a: InstantFacts) => `${links.dashboard}/sites/${encodeURIComponent(f.site.id)}/runs/${encodeURIComponent(a.runId)}`;
  const alertTitle = (a: InstantFacts, i: number) =>
    `${i + 1}. ${a.runFinishedAt ? `Crawl finished ${formatTime(a.runFinishedAt, tz)}` : 'A crawl'}${a.deploy ? ` after ${deployLabel(a.deploy)}` : ''}: ` +
    (a.bugs.length ? plural(a.bugs.length, 'P0/P1 bug') : `${a.flapping.map((x) => x.flowName).join(', ')} flapping`);
  const detail = (a: InstantFacts, b: BugFact) => {
    const base = `${b.status === 'regressed' ? 'Regressed' : b.status === 'new' ? 'New' : 'Still failing'} · ${b.type.replace(/_/g, ' ')}`;
    const why = a.reasons[b.id];
    return why ? `${base} · ${capitalise(why)}` : base;
  };
  const html = layout({
    preheader: intro,
    title,
    kind: 'instant',
    siteName: f.site.name,
    links,
    body: [
      paragraph(intro),
      ...f.alerts.flatMap((a, i) => [
        heading(alertTitle(a, i)),
        a.bugs.length ? bugTable(a.bugs.map((b) => bugRowHtml(b, bugUrl(links.dashboard, f.site.id, b.id), tz, detail(a, b)))) : '',
        ...a.flapping.map((x) => paragraph(capitalise(x.reason || `${x.flowName} is flapping`) + '.')),
        `<p style="margin:8px 0 0 0;${FONT};font-size:13px">${link(runUrl(a), 'Open this run in FlowLens')}</p>`,
      ]),
      unlistedText ? `<p style="margin:16px 0 0 0;${FONT};font-size:14px">${link(runsUrl, unlistedText)}</p>` : '',
    ].join('\n'),
  });
  const text = [
    title,
    '',
    intro,
    '',
    ...f.alerts.flatMap((a, i) => [
      alertTitle(a, i),
      ...a.bugs.flatMap((b) => [
        `  [${b.severity}] ${b.title}`,
        `    ${detail(a, b)}`,
        `    Page: ${b.page}${b.viewports.length ? ` (${b.viewports.join(', ')})` : ''}`,
        `    ${bugUrl(links.dashboard, f.site.id, b.id)}`,
      ]),
      ...a.flapping.map((x) => `  ${capitalise(x.reason || `${x.flowName} is flapping`)}.`),
      `  Open the run: ${runUrl(a)}`,
      '',
    ]),
    ...(unlistedText ? [unlistedText, runsUrl, ''] : []),
    footerText('instant', f.site.name, links),
  ].join('\n');
  return { subject, text, html };
}
