import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as queries from '../../data/queries.ts';
import type { HealthScoreDetail } from '../../data/types.ts';
import { listBug, SITE_ID, siteWithRole } from '../../test/fixtures.ts';
import { currentLocation, renderApp, resetStores } from '../../test/render.tsx';

vi.mock('../../data/queries.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../data/queries.ts')>()),
  fetchSite: vi.fn(),
  fetchTrends: vi.fn(),
  fetchPageMetrics: vi.fn(),
  fetchDeployBugs: vi.fn(),
}));

const DEPLOY = { id: '77777777-7777-4777-8777-777777777777', commit_sha: '9f2c4e1ab77d0c55', branch: 'main', environment: 'production', received_at: new Date(Date.now() - 3 * 86_400_000).toISOString() };

function score(daysAgo: number, value: number): HealthScoreDetail {
  return {
    id: `h${daysAgo}`,
    run_id: `r${daysAgo}`,
    score: value,
    computed_at: new Date(Date.now() - daysAgo * 86_400_000).toISOString(),
    components: { bugs: 80, flows: 100, performance: 100, accessibility: 90 },
    inputs: { bugs: { P0: 0, P1: 1, P2: 2, P3: 3 }, flows: null, performance: null, accessibility: null },
    formula_version: 'x',
  };
}

beforeAll(() => {
  // Recharts measures its container; jsdom has no layout.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});
beforeEach(() => {
  resetStores();
  vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole());
  vi.mocked(queries.fetchTrends).mockResolvedValue({ scores: [score(6, 90), score(3, 72), score(1, 80)], deploys: [DEPLOY], pages: [{ id: 'p-home', url_template: '/', title: 'Home' }, { id: 'p-cart', url_template: '/cart', title: null }] });
  vi.mocked(queries.fetchPageMetrics).mockResolvedValue([]);
  vi.mocked(queries.fetchDeployBugs).mockResolvedValue({ deploy: DEPLOY, bugs: { rows: [listBug({ title: 'Pay button missing on mobile' })], total: 1, page: 1, pageSize: 25 } });
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe('trends', () => {
  it('loads the chosen range and the first page metrics; ranges are links', async () => {
    renderApp(`/sites/${SITE_ID}/trends?range=7`);
    await screen.findByRole('heading', { name: 'Deploys in this period' });
    expect(vi.mocked(queries.fetchTrends).mock.calls[0]![2]).toBe(7);
    await waitFor(() => expect(queries.fetchPageMetrics).toHaveBeenCalledWith(expect.anything(), 'p-home', 'desktop', 7, expect.any(Date)));
    expect(screen.getByRole('link', { name: '90 days' }).getAttribute('href')).toBe(`/sites/${SITE_ID}/trends?range=90`);
    expect(screen.getByRole('link', { name: '7 days' }).getAttribute('aria-current')).toBe('page');
  });

  it('a deploy opens the bugs that appeared after it (a deep link)', async () => {
    renderApp(`/sites/${SITE_ID}/trends`);
    const deploys = await screen.findByRole('list', { name: 'Deploys' });
    fireEvent.click(within(deploys).getByRole('link', { name: /9f2c4e1/ }));
    const panel = await screen.findByTestId('deploy-panel');
    expect(currentLocation()).toBe(`/sites/${SITE_ID}/trends?range=30&deploy=${DEPLOY.id}`);
    expect(within(panel).getByRole('heading', { name: 'Bugs that appeared after deploy 9f2c4e1' })).toBeTruthy();
    expect(await within(panel).findByRole('link', { name: 'Pay button missing on mobile' })).toBeTruthy();
    expect(queries.fetchDeployBugs).toHaveBeenCalledWith(expect.anything(), SITE_ID, DEPLOY.id, 1);
    fireEvent.click(within(panel).getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByTestId('deploy-panel')).toBeNull());
  });

  it('an empty period says so', async () => {
    vi.mocked(queries.fetchTrends).mockResolvedValue({ scores: [], deploys: [], pages: [] });
    renderApp(`/sites/${SITE_ID}/trends?range=7`);
    expect(await screen.findByText('No crawls in this period')).toBeTruthy();
  });
});
