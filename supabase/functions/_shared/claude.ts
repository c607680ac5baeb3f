/**
 * Claude for the functions (step labels, briefing prose), only when ANTHROPIC_API_KEY is set.
 * ANTHROPIC_BASE_URL points it elsewhere (tests use a local fake Messages API);
 * ANTHROPIC_MODEL overrides the model.
 */
import Anthropic from 'npm:@anthropic-ai/sdk';
import { env } from './env.ts';

export const DEFAULT_CLAUDE_MODEL = 'claude-sonnet-4-6';

export interface ClaudeOptions {
  apiKey: string;
  baseURL?: string;
  model?: string;
  timeoutMs?: number;
}

/** Options from the environment, or null when Claude is not configured. */
export function claudeFromEnv(): ClaudeOptions | null {
  const apiKey = env('ANTHROPIC_API_KEY');
  if (!apiKey) return null;
  return { apiKey, baseURL: env('ANTHROPIC_BASE_URL'), model: env('ANTHROPIC_MODEL') };
}

export type ClaudeContent = Anthropic.ContentBlockParam[];

/** One message to Claude; returns the text of its answer. */
export async function askClaude(opts: ClaudeOptions, content: ClaudeContent | string, maxTokens = 1024, system?: string): Promise<string> {
  const client = new Anthropic({ apiKey: opts.apiKey, baseURL: opts.baseURL ?? null, timeout: opts.timeoutMs ?? 30_000, maxRetries: 1 });
  const msg = await client.messages.create({
    model: opts.model ?? DEFAULT_CLAUDE_MODEL,
    max_tokens: maxTokens,
    ...(system ? { system } : {}),
    messages: [{ role: 'user', content }],
  });
  return msg.content.map((b) => (b.type === 'text' ? b.text : '')).join('').trim();
}

/** The first JSON value in a model answer (tolerates ```json fences and prose around it). */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  const candidate = fenced ? fenced[1]! : text;
  const start = candidate.search(/[[{]/);
  if (start < 0) throw new Error('no JSON in the answer');
  const open = candidate[start]!;
  const close = open === '[' ? ']' : '}';
  const end = candidate.lastIndexOf(close);
  return JSON.parse(candidate.slice(start, end + 1));
}
