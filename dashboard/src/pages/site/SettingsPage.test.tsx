import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as credentials from '../../data/credentials.ts';
import * as mutations from '../../data/mutations.ts';
import * as queries from '../../data/queries.ts';
import { ORG_ID, SITE_ID, siteWithRole } from '../../test/fixtures.ts';
import { renderApp, resetStores, TEST_USER } from '../../test/render.tsx';
import { parseOrigins } from './SettingsPage.tsx';

vi.mock('../../data/queries.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../data/queries.ts')>()),
  fetchSite: vi.fn(),
  fetchSettings: vi.fn(),
}));
vi.mock('../../data/credentials.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../data/credentials.ts')>()),
  fetchCredentialNames: vi.fn(),
  fetchFlowsNeedingSetup: vi.fn(),
  storeCredential: vi.fn(),
  removeCredential: vi.fn(),
}));
vi.mock('../../data/mutations.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../data/mutations.ts')>();
  return Object.fromEntries(Object.keys(real).map((k) => [k, vi.fn()]));
});

const SECRET = 'whsec_aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999';

beforeEach(() => {
  resetStores();
  vi.mocked(queries.fetchSettings).mockResolvedValue({
    recipients: [
      { id: 'r1', user_id: TEST_USER.id, email: 'ada@example.com', instant: true, daily: true, weekly: false, confirmed_at: '2026-11-01T00:00:00Z', confirmation_sent_at: null },
      { id: 'r2', user_id: null, email: 'oncall@example.com', instant: true, daily: false, weekly: false, confirmed_at: '2026-11-01T00:00:00Z', confirmation_sent_at: null },
      { id: 'r3', user_id: null, email: 'new@partner.example', instant: true, daily: true, weekly: true, confirmed_at: null, confirmation_sent_at: '2026-11-02T00:00:00Z' },
    ],
    members: [
      { organization_id: ORG_ID, user_id: TEST_USER.id, role: 'owner', email: 'ada@example.com', created_at: '' },
      { organization_id: ORG_ID, user_id: 'u2', role: 'member', email: 'bob@example.com', created_at: '' },
    ],
    invitations: [],
    secret: { webhook_secret: SECRET, rotated_at: '2026-11-01T00:00:00Z' },
  });
  vi.mocked(credentials.fetchCredentialNames).mockResolvedValue(['API_TOKEN']);
  vi.mocked(credentials.fetchFlowsNeedingSetup).mockResolvedValue([]);
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe('settings', () => {
  it('the webhook secret is masked until revealed, and rotates after a confirmation', async () => {
    vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole('owner'));
    vi.mocked(mutations.rotateWebhookSecret).mockResolvedValue('whsec_new0000000000000000000000000000000000000000000000000000000000');
    renderApp(`/sites/${SITE_ID}/settings`);
    const secret = await screen.findByTestId('webhook-secret');
    expect(secret.textContent).not.toContain('bbbbcccc');
    expect(screen.getByTestId('webhook-example').textContent).toContain('<your webhook secret>');
    fireEvent.click(screen.getByRole('button', { name: 'Reveal' }));
    expect(screen.getByTestId('webhook-secret').textContent).toBe(SECRET);
    expect(screen.getByTestId('webhook-example').textContent).toContain(SECRET);
    expect(screen.getByTestId('webhook-example').textContent).toContain(`/functions/v1/deploy-webhook/${SITE_ID}`);
    fireEvent.click(screen.getByRole('tab', { name: 'GitHub Actions' }));
    expect(screen.getByTestId('webhook-example').textContent).toContain('secrets.FLOWLENS_WEBHOOK_SECRET');
    fireEvent.click(screen.getByRole('button', { name: 'Rotate secret' }));
    expect(mutations.rotateWebhookSecret).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Rotate now' }));
    await waitFor(() => expect(screen.getByTestId('webhook-secret').textContent).toBe('whsec_new0000000000000000000000000000000000000000000000000000000000'));
    expect(mutations.rotateWebhookSecret).toHaveBeenCalledWith(expect.anything(), SITE_ID);
  });

  it('saves the site settings as one update', async () => {
    vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole('admin'));
    vi.mocked(mutations.updateSite).mockImplementation(async (_db, _id, patch) => ({ ...siteWithRole().site, ...patch }));
    renderApp(`/sites/${SITE_ID}/settings`);
    fireEvent.change(await screen.findByLabelText('Allowed origins'), { target: { value: 'https://shop.lumen.example\nhttps://cdn.lumen.example/ ' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'tablet' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Sun' }));
    fireEvent.change(screen.getByLabelText('Time'), { target: { value: '03:30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(mutations.updateSite).toHaveBeenCalledTimes(1));
    expect(vi.mocked(mutations.updateSite).mock.calls[0]![2]).toMatchObject({
      allowed_origins: ['https://shop.lumen.example', 'https://cdn.lumen.example'],
      viewports: ['desktop', 'mobile'],
      crawl_days: [1, 2, 3, 4, 5, 6],
      crawl_time: '03:30',
    });
  });

  it('members see settings read-only, can change their own email preferences, and see no secret', async () => {
    vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole('member'));
    vi.mocked(mutations.updateRecipient).mockResolvedValue({ id: 'r1', user_id: TEST_USER.id, email: 'ada@example.com', instant: true, daily: true, weekly: true, confirmed_at: '2026-11-01T00:00:00Z', confirmation_sent_at: null });
    renderApp(`/sites/${SITE_ID}/settings`);
    expect(await screen.findByText(/owners and admins change these settings/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Save settings' })).toBeNull();
    expect((screen.getByLabelText('Allowed origins') as HTMLTextAreaElement).closest('fieldset')!.disabled).toBe(true);
    expect(screen.queryByRole('heading', { name: 'Deploy webhook' })).toBeNull();
    expect((screen.getByRole('checkbox', { name: 'weekly emails to oncall@example.com' }) as HTMLInputElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('checkbox', { name: 'weekly emails to ada@example.com' }));
    await waitFor(() => expect(mutations.updateRecipient).toHaveBeenCalledWith(expect.anything(), 'r1', { weekly: true }));
    expect(screen.queryByLabelText('Invite by email')).toBeNull();
  });

  it('an added address awaiting confirmation says so; admins resend, and a refusal shows its sentence', async () => {
    vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole('admin'));
    const sentence = 'FlowLens has sent this address 3 confirmation emails in the last hour; send another in 42 minutes.';
    vi.mocked(mutations.resendConfirmation).mockResolvedValueOnce(undefined).mockRejectedValueOnce({ code: 'confirmation_limit', message: sentence, hint: 'rate_limited', details: 'Retry after 2520 seconds.' });
    renderApp(`/sites/${SITE_ID}/settings`);
    const awaiting = await screen.findByTestId('awaiting-new@partner.example');
    expect(awaiting.textContent).toContain('Awaiting confirmation');
    expect(screen.queryByTestId('awaiting-oncall@example.com')).toBeNull();
    expect(screen.queryByTestId('awaiting-ada@example.com')).toBeNull();
    const resend = screen.getByRole('button', { name: 'Resend the confirmation email to new@partner.example' });
    fireEvent.click(resend);
    await waitFor(() => expect(mutations.resendConfirmation).toHaveBeenCalledWith(expect.anything(), 'r3'));
    await waitFor(() => expect((resend as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(resend);
    expect(await screen.findByText(sentence)).toBeTruthy();
  });

  it('members see who awaits confirmation but cannot resend', async () => {
    vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole('member'));
    renderApp(`/sites/${SITE_ID}/settings`);
    expect((await screen.findByTestId('awaiting-new@partner.example')).textContent).toContain('Awaiting confirmation');
    expect(screen.queryByRole('button', { name: /Resend the confirmation email/ })).toBeNull();
  });

  it('owners invite with a role and get the link once', async () => {
    vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole('owner'));
    vi.mocked(mutations.inviteMember).mockResolvedValue({ token: 'tok-abc', expiresAt: '2026-11-29T00:00:00Z' });
    renderApp(`/sites/${SITE_ID}/settings`);
    fireEvent.change(await screen.findByLabelText('Invite by email'), { target: { value: 'carol@example.com' } });
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'admin' } });
    fireEvent.click(screen.getByRole('button', { name: 'Invite' }));
    expect((await screen.findByTestId('invite-link')).textContent).toBe(`${window.location.origin}/invite/tok-abc`);
    expect(mutations.inviteMember).toHaveBeenCalledWith(expect.anything(), ORG_ID, 'carol@example.com', 'admin');
    // Owners may change other members' roles.
    expect(screen.getByLabelText('Role of bob@example.com')).toBeTruthy();
  });

  it('credentials: a flow that needs setup is named with its missing secret, and an owner stores the value', async () => {
    vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole('owner'));
    vi.mocked(credentials.fetchFlowsNeedingSetup).mockResolvedValue([{ flowId: 'f1', flowName: 'Checkout <b>now</b>', missingSecrets: ['PASSWORD'], since: new Date(Date.now() - 3_600_000).toISOString() }]);
    vi.mocked(credentials.storeCredential).mockResolvedValue();
    renderApp(`/sites/${SITE_ID}/settings`);
    const notice = await screen.findByTestId('needs-setup');
    expect(notice.textContent).toContain('A flow needs setup');
    expect(notice.textContent).toContain('it types PASSWORD, which is not stored');
    // The flow's name is text, never HTML.
    expect(notice.querySelector('b')).toBeNull();
    expect(screen.getByRole('link', { name: 'Checkout <b>now</b>' }).getAttribute('href')).toBe(`/sites/${SITE_ID}/flows/f1`);
    expect(screen.getByRole('list', { name: 'Stored credentials' }).textContent).toContain('API_TOKEN');
    const value = screen.getByLabelText('Value of PASSWORD') as HTMLInputElement;
    expect(value.type).toBe('password');
    fireEvent.change(value, { target: { value: 'hunter2' } });
    vi.mocked(credentials.fetchCredentialNames).mockResolvedValue(['API_TOKEN', 'PASSWORD']);
    fireEvent.click(within(screen.getByRole('form', { name: 'Store PASSWORD' })).getByRole('button', { name: 'Store' }));
    await waitFor(() => expect(credentials.storeCredential).toHaveBeenCalledWith(expect.anything(), SITE_ID, 'PASSWORD', 'hunter2'));
    expect(await screen.findByText(/has what it needs now: the next crawl runs it again/)).toBeTruthy();
    expect(screen.queryByLabelText('Value of PASSWORD')).toBeNull();
  });

  it('credentials: members see the names and who can store them, with no form', async () => {
    vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole('member'));
    vi.mocked(credentials.fetchFlowsNeedingSetup).mockResolvedValue([{ flowId: 'f1', flowName: 'Sign in', missingSecrets: ['PASSWORD'], since: new Date().toISOString() }]);
    renderApp(`/sites/${SITE_ID}/settings`);
    expect(await screen.findByText('Ask an owner or admin of the organisation to store PASSWORD.')).toBeTruthy();
    expect(screen.queryByLabelText('Value of PASSWORD')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Remove API_TOKEN' })).toBeNull();
  });

  it('parses allowed origins from lines or commas', () => {
    expect(parseOrigins(' https://a.example.com/\nhttps://b.example.com, https://a.example.com ')).toEqual(['https://a.example.com', 'https://b.example.com']);
  });
});
