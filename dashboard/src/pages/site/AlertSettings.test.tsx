import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as alerts from '../../data/alerts.ts';
import * as queries from '../../data/queries.ts';
import { SITE_ID, siteWithRole } from '../../test/fixtures.ts';
import { renderApp, resetStores } from '../../test/render.tsx';

vi.mock('../../data/queries.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../data/queries.ts')>()),
  fetchSite: vi.fn(),
  fetchSettings: vi.fn(),
}));
// The settings page also lists credentials (Credentials.tsx): none here.
vi.mock('../../data/credentials.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../data/credentials.ts')>()),
  fetchCredentialNames: vi.fn(async () => []),
  fetchFlowsNeedingSetup: vi.fn(async () => []),
}));
vi.mock('../../data/alerts.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../data/alerts.ts')>();
  return { ...Object.fromEntries(Object.keys(real).map((k) => [k, vi.fn()])), DEFAULT_POLICY: real.DEFAULT_POLICY };
});

const channel = (over: Partial<alerts.AlertChannel> = {}): alerts.AlertChannel => ({
  id: 'c1', site_id: SITE_ID, kind: 'slack', name: '#ops', url_hint: 'hooks.slack.com/…Xy9Z', enabled: true, instant: true, daily: true, weekly: false,
  status: 'ok', consecutive_failures: 0, failing_since: null, last_error: null, last_success_at: null, last_test_at: null, created_at: '2026-11-01T00:00:00Z', ...over,
});

// The whole settings page renders in each test; on a busy machine that alone can take seconds.
const SLOW = 45_000;

beforeEach(() => {
  resetStores();
  vi.mocked(queries.fetchSettings).mockResolvedValue({ recipients: [], members: [], invitations: [], secret: null });
  vi.mocked(alerts.fetchAlertSettings).mockResolvedValue({
    channels: [channel(), channel({ id: 'c2', kind: 'webhook', name: 'PagerBridge', url_hint: 'hooks.example.com/…abcd', status: 'failing', failing_since: '2026-11-02T00:00:00Z', last_error: 'the receiver answered 404 "no_service"' })],
    policy: { mode: 'immediate', consecutive_runs: 2, flap_flips: null, flap_window_days: 7, quiet_start: null, quiet_end: null },
    decisions: [{ id: 'd1', bug_id: 'b1', flow_id: null, decision: 'sent', severity: 'P1', reason: 'sent because the Checkout flow failed 2 nights in a row', decided_at: '2026-11-02T02:10:00Z', bug: { title: 'Checkout broken' }, flow: null }],
  });
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe('alert settings', () => {
  it('admins add a channel, send a test and see the receiver\'s answer', async () => {
    vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole('admin'));
    vi.mocked(alerts.testChannel).mockResolvedValue({ ok: false, status: 404, answer: 'no_service' });
    renderApp(`/sites/${SITE_ID}/settings`);
    const rows = await screen.findAllByTestId('alert-channel');
    expect(rows.map((r) => within(r).getByTestId('channel-status').textContent)).toEqual(['Working', 'Failing']);
    expect(within(rows[1]!).getByText(/no_service/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Send a test to #ops' }));
    expect((await screen.findByTestId('channel-test-result')).textContent).toBe('Not delivered. The receiver answered 404: no_service');
    expect(alerts.testChannel).toHaveBeenCalledWith(expect.anything(), 'c1');
  }, SLOW);

  it('admins add a channel with its URL (sent once, never read back)', async () => {
    vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole('admin'));
    renderApp(`/sites/${SITE_ID}/settings`);
    fireEvent.change(await screen.findByLabelText('Channel name'), { target: { value: '#alerts' } });
    fireEvent.change(screen.getByLabelText('Channel URL'), { target: { value: 'https://hooks.slack.com/services/T1/B2/abc' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add channel' }));
    await waitFor(() => expect(alerts.addChannel).toHaveBeenCalledWith(expect.anything(), expect.objectContaining({ siteId: SITE_ID, kind: 'slack', name: '#alerts', url: 'https://hooks.slack.com/services/T1/B2/abc' })));
  }, SLOW);

  it('members see channels and the policy read-only, with no way to test, add or read a URL', async () => {
    vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole('member'));
    renderApp(`/sites/${SITE_ID}/settings`);
    expect((await screen.findAllByTestId('channel-url-hint')).map((e) => e.textContent)).toEqual(['hooks.slack.com/…Xy9Z', 'hooks.example.com/…abcd']);
    expect(screen.queryByRole('button', { name: /Send a test/ })).toBeNull();
    expect(screen.queryByLabelText('Channel URL')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Save policy' })).toBeNull();
    expect((screen.getByRole('checkbox', { name: 'Instant alerts for #ops' }) as HTMLInputElement).disabled).toBe(true);
    expect(screen.getByTestId('alert-decisions').textContent).toContain('sent because the Checkout flow failed 2 nights in a row');
  }, SLOW);

  it('the policy reads back in words as it is edited, and problems are listed before saving', async () => {
    vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole('owner'));
    renderApp(`/sites/${SITE_ID}/settings`);
    const words = await screen.findByTestId('policy-words');
    expect(words.textContent).toBe('Alerts at once on a new or returning P0/P1 bug.');
    fireEvent.click(screen.getByRole('radio', { name: /Alert only after/ }));
    fireEvent.change(screen.getByLabelText('Runs in a row'), { target: { value: '3' } });
    fireEvent.click(screen.getByRole('checkbox', { name: /Quiet hours from/ }));
    expect(words.textContent).toBe('Alerts once a P0/P1 bug was seen in 3 runs in a row; quiet hours 22:00–07:00 (Europe/Amsterdam) hold all but P0 alerts for the next daily briefing.');
    fireEvent.change(screen.getByLabelText('Runs in a row'), { target: { value: '1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save policy' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Runs in a row must be a whole number from 2 to 10.');
    expect(alerts.savePolicy).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText('Runs in a row'), { target: { value: '2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save policy' }));
    await waitFor(() => expect(alerts.savePolicy).toHaveBeenCalledWith(expect.anything(), SITE_ID, expect.objectContaining({ mode: 'consecutive', consecutive_runs: 2, quiet_start: '22:00', quiet_end: '07:00' })));
  }, SLOW);
});
