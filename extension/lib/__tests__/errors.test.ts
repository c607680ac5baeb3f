/** The panel shows sentences, never raw exceptions (issue 4). */
import { describe, expect, it } from 'vitest';
import { FriendlyError, friendlyMessage, rateLimitedMessage } from '../errors.ts';

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

describe('refusals of the server limits (429, issue 14)', () => {
  it("shows PostgREST's sentence, with the wait from its details when the sentence does not say it", () => {
    const err = { code: 'confirmation_limit', message: 'This organisation has asked for 30 confirmation emails in the last hour, the most FlowLens sends', details: 'Retry after 1500 seconds.', hint: 'rate_limited' };
    expect(friendlyMessage(err, 'resend')).toBe('This organisation has asked for 30 confirmation emails in the last hour, the most FlowLens sends. Try again in 25 minutes.');
    const says = { code: 'hourly_limit', message: 'This site has had 6 run-now crawls in the last hour; try again in 12 minutes.', details: 'Retry after 700 seconds.', hint: 'rate_limited' };
    expect(friendlyMessage(says, 'run a crawl')).toBe('This site has had 6 run-now crawls in the last hour; try again in 12 minutes.');
  });

  it("uses an edge function's JSON sentence and Retry-After, on one short line", () => {
    expect(rateLimitedMessage('You asked for 20 step labels a minute, the most FlowLens allows', '42')).toBe('You asked for 20 step labels a minute, the most FlowLens allows. Try again in 42 seconds.');
    expect(rateLimitedMessage('Too many\nlines\u0007here.', 7200)).toBe('Too many lines here. Try again in 2 hours.');
    expect(rateLimitedMessage('x'.repeat(1000))!.length).toBeLessThanOrEqual(301);
    expect(rateLimitedMessage(undefined, 60)).toBeNull();
    expect(rateLimitedMessage('   ', 60)).toBeNull();
  });

  it('a 429 without a sentence still gets the generic advice', () => {
    expect(friendlyMessage({ status: 429, message: '' })).toMatch(/Too many requests right now/);
  });
});
