/**
 * "Copy as Markdown issue": a bug as a GitHub/GitLab/Jira-ready issue body. Everything that came
 * from a crawled page goes inside code spans or fenced blocks, with backticks that cannot be
 * closed by the content, so a hostile message cannot inject Markdown (links, images, HTML).
 */
import type { Bug, Evidence, Occurrence } from '../data/types.ts';
import { TYPE_LABELS } from './format.ts';

/** A fence longer than any run of backticks in the text. */
function fence(text: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  return '`'.repeat(longest + 1);
}

export function codeBlock(text: string, lang = ''): string {
  const f = fence(text);
  return `${f}${lang}\n${text}\n${f}`;
}

export function inlineCode(text: string): string {
  const oneLine = text.replace(/\s*\n\s*/g, ' ');
  const longest = Math.max(0, ...Array.from(oneLine.matchAll(/`+/g), (m) => m[0].length));
  const ticks = '`'.repeat(longest + 1);
  const pad = oneLine.startsWith('`') || oneLine.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${oneLine}${pad}${ticks}`;
}

/** Plain-text title: Markdown and HTML metacharacters escaped. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-.!|<>~])/g, '\\$1').replace(/\s*\n\s*/g, ' ');
}

export interface MarkdownContext {
  bug: Bug;
  occurrence: Occurrence | null;
  reproSteps: string[];
  bugUrl: string;
  screenshotUrl?: string | null;
  siteName: string;
}

export function bugToMarkdown(ctx: MarkdownContext): string {
  const { bug, occurrence } = ctx;
  const ev: Evidence = occurrence?.evidence ?? {};
  const lines: string[] = [];
  lines.push(`## [${bug.severity}] ${escapeMarkdown(bug.title)}`, '');
  lines.push(`| | |`, `|---|---|`);
  lines.push(`| Site | ${escapeMarkdown(ctx.siteName)} |`);
  lines.push(`| Type | ${TYPE_LABELS[bug.type] ?? bug.type} |`);
  lines.push(`| Severity | ${bug.severity} |`);
  lines.push(`| Status | ${bug.status}${bug.false_positive ? ' (false positive)' : ''}${bug.snoozed_until ? ` (snoozed until ${bug.snoozed_until.slice(0, 10)})` : ''} |`);
  lines.push(`| Page | ${inlineCode(bug.url_template)} |`);
  if (bug.page_url) lines.push(`| URL | ${inlineCode(bug.page_url)} |`);
  lines.push(`| Viewports | ${bug.viewports.join(', ') || '—'} |`);
  lines.push(`| First seen | ${bug.first_seen_at.slice(0, 16).replace('T', ' ')} UTC |`);
  lines.push(`| Last seen | ${bug.last_seen_at.slice(0, 16).replace('T', ' ')} UTC |`);
  if (bug.selector) lines.push(`| Selector | ${inlineCode(bug.selector)} |`);
  lines.push('');
  if (bug.message) lines.push('### Message', '', codeBlock(bug.message), '');
  if (ctx.reproSteps.length) {
    lines.push('### Steps to reproduce', '');
    ctx.reproSteps.forEach((s, i) => lines.push(`${i + 1}. ${escapeMarkdown(s)}`));
    lines.push('');
  }
  if (ev.console?.length) lines.push('### Console', '', codeBlock(ev.console.join('\n')), '');
  if (ev.request) {
    const r = ev.request;
    lines.push('### Failing request', '', codeBlock(`${r.method} ${r.url}${r.status !== undefined ? ` -> ${r.status}` : ''}${r.failure ? ` (${r.failure})` : ''}`), '');
  }
  if (ev.axe) {
    const a = ev.axe;
    lines.push('### Accessibility', '', `Rule ${inlineCode(a.ruleId)}${a.impact ? ` (${a.impact})` : ''}${a.helpUrl && /^https?:\/\//.test(a.helpUrl) ? ` — <${a.helpUrl}>` : ''}`);
    if (a.target) lines.push('', `Target: ${inlineCode(a.target)}`);
    if (a.html) lines.push('', codeBlock(a.html, 'html'));
    lines.push('');
  }
  if (ctx.screenshotUrl) lines.push(`Screenshot (link expires): <${ctx.screenshotUrl}>`, '');
  lines.push(`Found by FlowLens: ${ctx.bugUrl}`);
  return lines.join('\n');
}
