import { describe, expect, it } from 'vitest';
import { seedDemo, DEMO_EMAIL } from './seed.ts';
import { Stack } from './stack.ts';
import { TEST_STACK } from './testing/config.ts';
import { supabaseClient } from './testing/index.ts';

describe('demo seed', () => {
  it('is idempotent and its login works through the gateway', async () => {
    const stack = new Stack(TEST_STACK, () => {});
    const first = await seedDemo(stack);
    const second = await seedDemo(stack);
    expect(second).toEqual(first);
    const sb = supabaseClient(stack.info());
    const signIn = await sb.auth.signInWithPassword({ email: DEMO_EMAIL, password: first.password });
    expect(signIn.error).toBeNull();
    const orgs = await sb.from('organizations').select('id, name');
    expect(orgs.data).toEqual([{ id: first.organizationId, name: 'Lumen Supply' }]);
  });
});
