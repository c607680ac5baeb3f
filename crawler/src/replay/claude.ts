/**
 * With ANTHROPIC_API_KEY set, an ambiguous locator match (two look-alike candidates the scorer
 * cannot separate) may be settled by Claude: it sees the recorded element's description, the
 * candidates' descriptions, and a screenshot of the page with the candidates numbered. Claude may
 * answer "none" — then the step fails, exactly as without a key. Precision before recall.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Page } from 'playwright';
import type { AmbiguityCandidate, TieBreaker } from './runner.ts';

export const DEFAULT_CLAUDE_MODEL = 'claude-sonnet-4-6';

function describe(meta: Record<string, unknown>): string {
  const pick = (k: string) => (typeof meta[k] === 'string' && meta[k] ? `${k}=${JSON.stringify(meta[k])}` : '');
  return ['tag', 'role', 'name', 'text', 'labelText', 'nearbyText'].map(pick).filter(Boolean).join(', ');
}

async function numberedScreenshot(page: Page, candidates: AmbiguityCandidate[]): Promise<string | null> {
  try {
    await page.evaluate((n) => {
      for (let i = 0; i < n; i++) {
        const el = document.querySelector(`[data-flowlens-candidate$=":${i}"]`);
        if (!el) continue;
        const r = el.getBoundingClientRect();
        const tag = document.createElement('div');
        tag.setAttribute('data-flowlens-tiebreak', '');
        tag.textContent = String(i);
        tag.style.cssText = `position:fixed;left:${r.left}px;top:${r.top}px;width:${r.width}px;height:${r.height}px;outline:3px solid #dc2626;color:#fff;background:rgba(220,38,38,.25);font:bold 16px sans-serif;z-index:2147483647;pointer-events:none`;
        document.body.append(tag);
      }
    }, candidates.length);
    const png = await page.screenshot({ type: 'png' });
    return png.toString('base64');
  } catch {
    return null;
  } finally {
    await page.evaluate(() => document.querySelectorAll('[data-flowlens-tiebreak]').forEach((e) => e.remove())).catch(() => {});
  }
}

export function claudeTieBreaker(opts: { apiKey: string; baseURL?: string; model?: string; timeoutMs?: number }): TieBreaker {
  const client = new Anthropic({ apiKey: opts.apiKey, baseURL: opts.baseURL ?? null, timeout: opts.timeoutMs ?? 30_000, maxRetries: 1 });
  return async ({ step, stepLabel, candidates, page }) => {
    const recorded = 'element' in step && step.element ? describe(step.element as unknown as Record<string, unknown>) : '(no recorded description)';
    const image = await numberedScreenshot(page, candidates);
    const text = [
      `A recorded browser test step is: ${stepLabel}.`,
      `When it was recorded, it acted on: ${recorded}.`,
      'Today the page has several similar elements; they are numbered in the screenshot:',
      ...candidates.map((c) => `${c.index}: ${describe(c.meta)} (similarity ${c.score})`),
      'Which number is the same element the step meant? If you are not sure, answer none: a wrong click is worse than a failed step.',
      'Answer with JSON only: {"choice": <number or null>, "reason": "<short>"}',
    ].join('\n');
    const content: Anthropic.ContentBlockParam[] = [{ type: 'text', text }];
    if (image) content.unshift({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: image } });
    const msg = await client.messages.create({ model: opts.model ?? (process.env.ANTHROPIC_MODEL || DEFAULT_CLAUDE_MODEL), max_tokens: 200, messages: [{ role: 'user', content }] });
    const reply = msg.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    const json = /\{[\s\S]*\}/.exec(reply)?.[0];
    if (!json) return null;
    const choice = (JSON.parse(json) as { choice?: unknown }).choice;
    return typeof choice === 'number' && Number.isInteger(choice) && candidates.some((c) => c.index === choice) ? choice : null;
  };
}
