/**
 * What the generated schema (database.types.ts, stack/src/gen-types.ts) gives the typed client, checked
 * by `npm run typecheck` (expectTypeOf is a type assertion; the runtime part is trivial). The file itself
 * is kept equal to the migrations by tests/database/types-current.test.ts.
 */
import type { AlertChannelKind, AlertDecision } from '@flowlens/core/alerts';
import type { StepAction } from '@flowlens/core/flow';
import type { FlowResultStatus } from '@flowlens/core/report';
import type { ViewportName } from '@flowlens/core/viewport';
import type { SupabaseClient } from '@supabase/supabase-js';
import { describe, expectTypeOf, it } from 'vitest';
import type { Database, Tables } from './database.types.ts';

type Public = Database['public'];
type Db = SupabaseClient<Database>;

describe('generated database types', () => {
  it("type a text column by the words of its check constraint, which are core's vocabularies", () => {
    expectTypeOf<Tables<'flow_results'>['status']>().toEqualTypeOf<FlowResultStatus>();
    expectTypeOf<Tables<'flow_results'>['viewport']>().toEqualTypeOf<ViewportName>();
    expectTypeOf<Tables<'sites'>['viewports']>().toEqualTypeOf<ViewportName[]>();
    expectTypeOf<Tables<'flow_steps'>['action']>().toEqualTypeOf<StepAction>();
    expectTypeOf<Tables<'alert_channels'>['kind']>().toEqualTypeOf<AlertChannelKind>();
    expectTypeOf<Tables<'alert_decisions'>['decision']>().toEqualTypeOf<AlertDecision>();
    // No constraint lists bugs.viewports' words: plain text, read with core's list (queries.ts readBug).
    expectTypeOf<Tables<'bugs'>['viewports']>().toEqualTypeOf<string[]>();
  });

  it('leave organization_id to the trigger that copies it, but not a column a trigger sets only sometimes', () => {
    expectTypeOf<Public['Tables']['bugs']['Insert']['organization_id']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Public['Tables']['notification_recipients']['Insert']>().toHaveProperty('site_id').toEqualTypeOf<string>();
    // flow_results.status becomes needs_setup by a trigger only when a secret is missing.
    expectTypeOf<Public['Tables']['flow_results']['Insert']['status']>().toEqualTypeOf<FlowResultStatus>();
  });

  it('carry foreign keys, so an embedded select is typed', () => {
    expectTypeOf<Extract<Public['Tables']['flow_results']['Relationships'][number], { columns: ['flow_id'] }>['referencedRelation']>().toEqualTypeOf<'flows'>();
    const _typed = (db: Db) => db.from('flow_results').select('id,flows(name)').single();
    expectTypeOf<NonNullable<Awaited<ReturnType<typeof _typed>>['data']>>().toEqualTypeOf<{ id: string; flows: { name: string } }>();
  });

  it('type the public RPCs by their arguments and results', () => {
    expectTypeOf<Public['Functions']['reopen_bug']['Args']>().toEqualTypeOf<{ target_bug: string }>();
    expectTypeOf<Public['Functions']['reopen_bug']['Returns']>().toEqualTypeOf<Tables<'bugs'>>();
    expectTypeOf<Public['Functions']['invite_member']['Returns']>().toEqualTypeOf<{ invitation_id: string; token: string; expires_at: string }[]>();
    expectTypeOf<Public['Functions']['invite_member']['Args']['invitee_role']>().toEqualTypeOf<Public['Enums']['member_role'] | undefined>();
    const _crawl = (db: Db) => db.rpc('request_crawl', { target_site: 'x' });
    expectTypeOf<NonNullable<Awaited<ReturnType<typeof _crawl>>['data']>>().toEqualTypeOf<string>();
  });
});
