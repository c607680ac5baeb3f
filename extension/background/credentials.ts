/**
 * Storing the values behind `{{secret:NAME}}` placeholders for replays (issue 4), through the
 * `credentials` edge function, which encrypts them with the site's key (only it and the crawler
 * hold that key). The value goes from the panel's input, through this worker's memory, straight to
 * the function over HTTPS: never into browser.storage, never into a log or an error message.
 */
import {
  CREDENTIAL_NAME_PATTERN,
  CREDENTIALS_LIMITS,
  CredentialNamesResponseSchema,
  type CredentialStoreRequest,
  FunctionErrorSchema,
} from '@flowlens/core/edge-functions';
import { FriendlyError, friendlyMessage, rateLimitedMessage } from '../lib/errors.ts';
import { readBackendConfig } from '../lib/backend.ts';
import { signedIn } from './backend-access.ts';

export const MAX_SECRET_LENGTH = CREDENTIALS_LIMITS.maxValueLength;

/** The body that stores a value (core's contract; the function checks it with the same schema). */
export const credentialStoreBody = (siteId: string, name: string, value: string): CredentialStoreRequest => ({ site_id: siteId, name, value });

async function callCredentials(method: 'GET' | 'POST', doing: string, init: { query?: string; body?: CredentialStoreRequest }): Promise<unknown> {
  const config = await readBackendConfig();
  if (!config) throw new FriendlyError('FlowLens does not know which server to use yet. Open "Backend" below the sign-in form and enter your FlowLens address and key.');
  const { accessToken } = await signedIn();
  let res: Response;
  try {
    res = await fetch(`${config.url.replace(/\/+$/, '')}/functions/v1/credentials${init.query ?? ''}`, {
      method,
      headers: { authorization: `Bearer ${accessToken}`, apikey: config.anonKey, ...(init.body ? { 'content-type': 'application/json' } : {}) },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
  } catch (e) {
    throw new FriendlyError(friendlyMessage(e, doing));
  }
  const answer: unknown = await res.json().catch(() => null);
  if (res.ok) return answer;
  const refusal = FunctionErrorSchema.safeParse(answer);
  const sentence = refusal.success ? refusal.data.error : undefined;
  switch (res.status) {
    case 401:
      throw new FriendlyError('Your FlowLens session has ended. Sign in again to continue.');
    case 403:
      throw new FriendlyError(`Only owners and admins of this site's organisation can ${doing}. Ask one of them to do it.`);
    case 404:
      throw new FriendlyError(`This site no longer exists, or the server does not offer stored credentials yet, so FlowLens could not ${doing}. Reload the panel.`);
    case 503:
      throw new FriendlyError('This FlowLens server is not set up to store credentials yet (its administrator has not set the encryption key). Until then, give the crawler the value as FLOWLENS_SECRET_<NAME>.');
    case 429:
      // The function's own sentence (and Retry-After): how many requests and when to try again.
      throw new FriendlyError(rateLimitedMessage(sentence, res.headers.get('retry-after')) ?? `Too many requests to ${doing} right now. Wait a minute and try again.`);
    case 400:
      throw new FriendlyError(`The server refused that when trying to ${doing}: ${sentence ?? 'check the value and try again.'}`);
    default:
      throw new FriendlyError(`Something went wrong while trying to ${doing}. Try again in a moment.`);
  }
}

/** The names of the credentials this site already has (never values). */
export async function listCredentialNames(siteId: string): Promise<string[]> {
  const answer = CredentialNamesResponseSchema.safeParse(await callCredentials('GET', 'list the stored credentials', { query: `?site_id=${encodeURIComponent(siteId)}` }));
  return answer.success ? answer.data.names : [];
}

/** Stores (or replaces) one credential; answers only its name. */
export async function storeCredential(siteId: string, name: string, value: string): Promise<{ name: string }> {
  if (!CREDENTIAL_NAME_PATTERN.test(name)) throw new FriendlyError('A secret name is 1–64 capital letters, digits or underscores, like PASSWORD.');
  if (value.length === 0) throw new FriendlyError(`Type the value of ${name} first.`);
  if (value.length > MAX_SECRET_LENGTH) throw new FriendlyError(`That value is too long (at most ${MAX_SECRET_LENGTH} characters).`);
  await callCredentials('POST', `store ${name}`, { body: credentialStoreBody(siteId, name, value) });
  return { name };
}
