/**
 * The one wrapper around browser.runtime messaging (issue 16; CONVENTIONS: one ProtocolMap, one
 * wrapper): typed by lib/protocol.ts, one envelope (`{ flowlens: name, data }`), one answer shape
 * (`Result`), one sender check. Nothing else calls runtime.sendMessage / tabs.sendMessage or adds a
 * runtime.onMessage listener.
 *
 * Imported by every content script, the overlay loader included (it runs on every page of a
 * monitored site): browser API only, no zod, no other imports. Validation of what a content script
 * sends is passed in by the receiver (`schema`, from lib/protocol-schemas.ts in the background).
 */
import { browser, type Browser } from 'wxt/browser';
import type { DataOf, Envelope, MessageName, RequestOf, Result } from './protocol.ts';

export type Sender = Browser.runtime.MessageSender;
/** The arguments after the name: the request, or none for a message that takes none. */
export type Args<N extends MessageName> = RequestOf<N> extends undefined ? [] : [RequestOf<N>];
/** A typed request that answers the data or throws the error sentence (what content-script UIs are given). */
export type Ask = <N extends MessageName>(name: N, ...data: Args<N>) => Promise<DataOf<N>>;

export const NOT_ANSWERING = 'FlowLens is not answering (reload the extension?)';

function envelope<N extends MessageName>(name: N, data: Args<N>): Envelope<N> {
  return { flowlens: name, data: data[0] as RequestOf<N> };
}

function answer<T>(r: unknown): Result<T> {
  if (!r || typeof r !== 'object' || typeof (r as { ok?: unknown }).ok !== 'boolean') throw new Error(NOT_ANSWERING);
  return r as Result<T>;
}

/** To the background (from the side panel or a content script). Throws when nothing answers (a worker restarting). */
export async function sendMessage<N extends MessageName>(name: N, ...data: Args<N>): Promise<Result<DataOf<N>>> {
  return answer(await browser.runtime.sendMessage(envelope(name, data)));
}

/** To the content scripts of a tab (from the background or the side panel). Throws when none listens. */
export async function sendToTab<N extends MessageName>(tabId: number, name: N, ...data: Args<N>): Promise<Result<DataOf<N>>> {
  return answer(await browser.tabs.sendMessage(tabId, envelope(name, data)));
}

/** sendMessage, unwrapped: the data, or an Error carrying the answer's sentence. */
export const ask: Ask = async (name, ...data) => {
  const r = await sendMessage(name, ...data);
  if (!r.ok) throw new Error(r.error);
  return r.data;
};

// --- receiving -----------------------------------------------------------------------------------

/** A zod schema (or anything with its safeParse) for a request that crosses from a content script. */
export interface Schema<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false };
}

/**
 * Who may send a message: `extension` — this extension's own pages (side panel, even opened in a
 * tab) and its background service worker; `content` — this extension's content scripts in a tab; `any` — both.
 * Messages from another extension or a web page are never handled (they get no answer).
 */
export type From = 'extension' | 'content' | 'any';

/** Requests a content script can send are parsed with a schema before the handler sees them. */
export type Rule<N extends MessageName> = { from: 'extension' } | { from: 'content' | 'any'; schema: Schema<RequestOf<N>> };

/** An extension page of ours (side panel, background) — not a content script, even in a tab. */
export function fromExtensionPage(sender: Sender): boolean {
  return typeof sender.url === 'string' && sender.url.startsWith(browser.runtime.getURL('/'));
}

function allowed(sender: Sender, from: From): boolean {
  if (from === 'any') return true;
  // A content script always speaks from a tab; the background (no tab) and our pages do not count as one.
  const ours = fromExtensionPage(sender) || sender.tab === undefined;
  return from === 'extension' ? ours : !ours;
}

interface Handler {
  from: From;
  schema?: Schema<unknown>;
  run(data: unknown, sender: Sender): unknown;
}

const handlers = new Map<string, Handler>();

function route(raw: unknown, sender: Sender, sendResponse: (r: Result<unknown>) => void): true | undefined {
  const name = raw && typeof raw === 'object' ? (raw as { flowlens?: unknown }).flowlens : undefined;
  const h = typeof name === 'string' ? handlers.get(name) : undefined;
  // Not ours to answer (another script's message), or not from this extension: no answer at all.
  if (!h || sender.id !== browser.runtime.id) return undefined;
  const reply = (r: Result<unknown>) => {
    try {
      sendResponse(r);
    } catch {
      // The sender's frame went away (a navigation); nobody is left to tell.
    }
  };
  if (!allowed(sender, h.from)) {
    reply({ ok: false, error: 'FlowLens does not take this request from here.' });
    return true;
  }
  let data: unknown = (raw as { data?: unknown }).data;
  if (h.schema) {
    const parsed = h.schema.safeParse(data);
    if (!parsed.success) {
      reply({ ok: false, error: 'FlowLens could not read that request. Reload the page and try again.' });
      return true;
    }
    data = parsed.data;
  }
  Promise.resolve()
    .then(() => h.run(data, sender))
    .then(
      (value) => reply({ ok: true, data: value }),
      (e: unknown) => reply({ ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
  return true;
}

/**
 * Handles `name` in this context (one handler per name). The handler's data is the answer; what it
 * throws becomes the answer's error (its message: handlers throw sentences for people). Returns
 * the function that removes the handler (content scripts call it when their context ends).
 */
export function onMessage<N extends MessageName>(name: N, rule: Rule<N>, run: (data: RequestOf<N>, sender: Sender) => DataOf<N> | Promise<DataOf<N>>): () => void {
  const h: Handler = { from: rule.from, ...('schema' in rule ? { schema: rule.schema as Schema<unknown> } : {}), run: run as Handler['run'] };
  if (handlers.size === 0) browser.runtime.onMessage.addListener(route);
  handlers.set(name, h);
  return () => {
    if (handlers.get(name) !== h) return;
    handlers.delete(name);
    if (handlers.size === 0) browser.runtime.onMessage.removeListener(route);
  };
}
