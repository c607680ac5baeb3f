/**
 * Site credentials (the values of `{{secret:NAME}}` in flows) and the flows that need them (issue
 * 13). Values are written through the `credentials` edge function (it encrypts them; owners and
 * admins only) and never read back: only names are listed. `flow_setup` rows (read under RLS) say
 * which flows the crawler could not run because a value is missing.
 */
import {
  CREDENTIAL_NAME_PATTERN,
  CredentialNamesResponseSchema,
  type CredentialRemoveRequest,
  CredentialStoredResponseSchema,
  type CredentialStoreRequest,
  FunctionErrorSchema,
} from '@flowlens/core/edge-functions';
import { AppError, unwrap } from '../lib/errors.ts';
import type { Db } from '../lib/supabase.tsx';

/** The name rule of the `credentials` function (capitals, digits, underscores): core's. */
export const CREDENTIAL_NAME = CREDENTIAL_NAME_PATTERN;

/** The bodies the `credentials` function takes (core/src/edge-functions.ts checks them there). */
export const credentialStoreBody = (siteId: string, name: string, value: string): CredentialStoreRequest => ({ site_id: siteId, name, value });
export const credentialRemoveBody = (siteId: string, name: string): CredentialRemoveRequest => ({ site_id: siteId, name });

export interface FlowNeedingSetup {
  flowId: string;
  flowName: string;
  missingSecrets: string[];
  since: string;
}

/** The function's own sentence for a refusal (it answers `{ error }`), with Retry-After for a 429. */
async function refusal(error: unknown, doing: string): Promise<AppError> {
  const ctx = (error as { context?: unknown }).context;
  let message = `FlowLens could not ${doing}. Try again.`;
  let status = 0;
  if (ctx instanceof Response) {
    status = ctx.status;
    const body = FunctionErrorSchema.safeParse(await ctx.json().catch(() => null));
    if (body.success) message = body.data.error.slice(0, 300);
  }
  if (status === 429) return new AppError({ kind: 'rate_limited', title: 'Too many requests', message });
  if (status === 403) return new AppError({ kind: 'forbidden', title: 'Not allowed', message });
  if (status === 400) return new AppError({ kind: 'invalid', title: 'Check the value', message });
  return new AppError({ kind: 'other', title: 'Credentials', message });
}

export async function fetchCredentialNames(db: Db, siteId: string): Promise<string[]> {
  const { data, error } = await db.functions.invoke(`credentials?site_id=${encodeURIComponent(siteId)}`, { method: 'GET' });
  if (error) throw await refusal(error, 'list the stored credentials');
  const answer = CredentialNamesResponseSchema.safeParse(data);
  if (!answer.success) throw new AppError({ kind: 'other', title: 'Credentials', message: 'FlowLens answered something unexpected.' });
  return answer.data.names;
}

export async function storeCredential(db: Db, siteId: string, name: string, value: string): Promise<void> {
  const { data, error } = await db.functions.invoke('credentials', { method: 'POST', body: credentialStoreBody(siteId, name, value) });
  if (error) throw await refusal(error, `store ${name}`);
  if (!CredentialStoredResponseSchema.safeParse(data).success) throw new AppError({ kind: 'other', title: 'Credentials', message: 'FlowLens answered something unexpected.' });
}

export async function removeCredential(db: Db, siteId: string, name: string): Promise<void> {
  const { error } = await db.functions.invoke('credentials', { method: 'DELETE', body: credentialRemoveBody(siteId, name) });
  if (error) throw await refusal(error, `remove ${name}`);
}

export async function fetchFlowsNeedingSetup(db: Db, siteId: string): Promise<FlowNeedingSetup[]> {
  const res = await db.from('flow_setup').select('flow_id,missing_secrets,since,flows(name)').eq('site_id', siteId).order('since').limit(200);
  const rows = unwrap(res, 'load the flows that need setup');
  return rows.map((r) => ({ flowId: r.flow_id, flowName: r.flows?.name ?? 'A flow', missingSecrets: r.missing_secrets, since: r.since }));
}
