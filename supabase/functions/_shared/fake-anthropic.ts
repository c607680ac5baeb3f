/**
 * A local fake of the Anthropic Messages API for tests (point ANTHROPIC_BASE_URL / baseURL at it).
 * `reply` decides each answer's text from the request; every request body is kept in `requests`.
 */
export interface FakeAnthropic {
  baseURL: string;
  requests: Record<string, unknown>[];
  close(): Promise<void>;
}

export function startFakeAnthropic(reply: (body: Record<string, unknown>) => string | { status: number; error: string }): FakeAnthropic {
  const requests: Record<string, unknown>[] = [];
  const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    if (req.method !== 'POST' || !url.pathname.endsWith('/v1/messages')) return new Response('not found', { status: 404 });
    const body = (await req.json()) as Record<string, unknown>;
    requests.push(body);
    const out = reply(body);
    if (typeof out !== 'string') {
      return Response.json({ type: 'error', error: { type: 'api_error', message: out.error } }, { status: out.status });
    }
    return Response.json({
      id: `msg_fake_${requests.length}`,
      type: 'message',
      role: 'assistant',
      model: String(body.model ?? 'fake'),
      content: [{ type: 'text', text: out }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 10 },
    });
  });
  return {
    baseURL: `http://127.0.0.1:${server.addr.port}`,
    requests,
    close: () => server.shutdown(),
  };
}

/** All the text a request sent (its user message's text blocks). */
export function requestText(body: Record<string, unknown>): string {
  const messages = (body.messages ?? []) as { content: string | { type: string; text?: string }[] }[];
  return messages.map((m) => (typeof m.content === 'string' ? m.content : m.content.map((c) => c.text ?? `[${c.type}]`).join('\n'))).join('\n');
}
