/** The panel shows sentences, never raw exceptions (issue 4). */
import { describe, expect, it } from 'vitest';
import { FriendlyError, friendlyMessage } from '../errors.ts';

describe('friendlyMessage', () => {
  it('turns known failures into what to do next', () => {
    expect(friendlyMessage(new TypeError('Failed to fetch'), 'sign in')).toMatch(/could not reach its server to sign in/);
    expect(friendlyMessage({ name: 'AuthApiError', message: 'Invalid login credentials', status: 400 })).toMatch(/do not match a FlowLens account/);
    expect(friendlyMessage({ code: '23505', message: 'duplicate key value violates unique constraint "flows_site_id_name_key"' })).toMatch(/already exists/);
    expect(friendlyMessage({ code: '23514', message: 'new row violates check constraint "flow_steps_password_is_placeholder"' })).toMatch(/Mark that step as secret/);
    expect(friendlyMessage({ code: '42501', message: 'new row violates row-level security policy for table "sites"' }, 'add this site')).toMatch(/permission to add this site/);
    expect(friendlyMessage(new FriendlyError('Give the flow a name.'))).toBe('Give the flow a name.');
    // Issue 12: members cannot add or change steps that type a secret; steps only open web pages.
    expect(friendlyMessage({ code: '42501', message: 'Only owners and admins can add a step that types a secret, or change the steps of a flow that types one.' }, 'save the flow')).toMatch(/^Only owners and admins can save a step that types a secret/);
    expect(friendlyMessage({ code: '23514', message: 'new row for relation "flow_steps" violates check constraint "flow_steps_navigate_web_only"' })).toMatch(/not a web page/);
  });

  it('never passes an unknown error’s text through', () => {
    const m = friendlyMessage(new Error('TypeError: Cannot read properties of undefined (reading "x") at chunk-abc.js:1:2'), 'save the flow');
    expect(m).toBe('Something went wrong while trying to save the flow. Try again; if it keeps happening, reload the extension.');
    expect(friendlyMessage('select * from secret_table')).not.toContain('secret_table');
  });
});
