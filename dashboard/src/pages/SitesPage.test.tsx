import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as mutations from '../data/mutations.ts';
import * as queries from '../data/queries.ts';
import { ORG_ID, RUN_ID, SITE_ID } from '../test/fixtures.ts';
import { renderApp, resetStores } from '../test/render.tsx';

vi.mock('../data/queries.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../data/queries.ts')>()),
  fetchOverview: vi.fn(),
}));
vi.mock('../data/mutations.ts', () => ({ createOrganization: vi.fn(), createSite: vi.fn() }));

beforeEach(() => resetStores());
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe('all sites', () => {
  it('welcomes a new user and creates their organisation', async () => {
    vi.mocked(queries.fetchOverview).mockResolvedValue({ orgs: [], sites: { rows: [], total: 0, page: 1, pageSize: 24 } });
    vi.mocked(mutations.createOrganization).mockResolvedValue({ id: ORG_ID, name: 'Acme' });
    renderApp('/');
    expect(await screen.findByRole('heading', { name: 'Welcome to FlowLens' })).toBeTruthy();
    expect(screen.getByText(/Record your first flow with the Chrome extension/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Organisation name'), { target: { value: 'Acme' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create organisation' }));
    await waitFor(() => expect(mutations.createOrganization).toHaveBeenCalledWith(expect.anything(), 'Acme'));
    // The overview is reloaded so the next step (add a site) appears.
    await waitFor(() => expect(queries.fetchOverview).toHaveBeenCalledTimes(2));
  });

  it('an organisation without sites explains how to add one and install the extension', async () => {
    vi.mocked(queries.fetchOverview).mockResolvedValue({ orgs: [{ id: ORG_ID, name: 'Acme', role: 'owner' }], sites: { rows: [], total: 0, page: 1, pageSize: 24 } });
    renderApp('/');
    expect(await screen.findByRole('heading', { name: 'Add your first site' })).toBeTruthy();
    expect(screen.getByText('npm run build:extension')).toBeTruthy();
    expect(screen.getByLabelText('Site URL')).toBeTruthy();
  });

  it('shows each site with score, change, open P0/P1 and the last crawl', async () => {
    vi.mocked(queries.fetchOverview).mockResolvedValue({
      orgs: [{ id: ORG_ID, name: 'Lumen Supply', role: 'member' }],
      sites: {
        rows: [
          {
            id: SITE_ID,
            organization_id: ORG_ID,
            name: 'Lumen shop',
            base_url: 'https://shop.lumen.example',
            scores: [
              { id: 'b', run_id: RUN_ID, score: 81, computed_at: new Date().toISOString() },
              { id: 'a', run_id: 'r0', score: 77, computed_at: new Date(Date.now() - 86_400_000).toISOString() },
            ],
            lastRun: { id: RUN_ID, status: 'completed', trigger: 'schedule', created_at: new Date(Date.now() - 3 * 3_600_000).toISOString(), finished_at: new Date(Date.now() - 3 * 3_600_000).toISOString() },
            openUrgent: 2,
          },
        ],
        total: 1,
        page: 1,
        pageSize: 24,
      },
    });
    renderApp('/');
    const link = await screen.findByRole('link', { name: 'Lumen shop' });
    expect(link.getAttribute('href')).toBe(`/sites/${SITE_ID}`);
    const card = link.closest('article')!;
    expect(within(card).getByLabelText('Health score 81 out of 100')).toBeTruthy();
    expect(within(card).getByText('+4')).toBeTruthy();
    expect(within(card).getByText('Open P0/P1').nextSibling?.textContent).toBe('2');
    expect(within(card).getByText('3 hours ago')).toBeTruthy();
    // Members cannot add sites: no form for them.
    expect(screen.queryByRole('heading', { name: 'Add another site' })).toBeNull();
  });
});
