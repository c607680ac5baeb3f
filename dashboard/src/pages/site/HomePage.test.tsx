import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as queries from '../../data/queries.ts';
import { homeData, PREV_RUN_ID, RUN_ID, SITE_ID, siteWithRole } from '../../test/fixtures.ts';
import { renderApp, resetStores } from '../../test/render.tsx';

vi.mock('../../data/queries.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../data/queries.ts')>()),
  fetchSite: vi.fn(),
  fetchHome: vi.fn(),
}));

beforeEach(() => {
  resetStores();
  vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole());
  vi.mocked(queries.fetchHome).mockResolvedValue(homeData());
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe('site home', () => {
  it('greets by name and shows the score, its change and where it came from', async () => {
    renderApp(`/sites/${SITE_ID}`);
    expect(await screen.findByRole('heading', { level: 1, name: /^Good (morning|afternoon|evening), Ada$/ })).toBeTruthy();
    const score = await screen.findByTestId('health-score');
    expect(score.textContent).toBe('78');
    expect(score.getAttribute('href')).toBe(`/sites/${SITE_ID}/runs/${RUN_ID}`);
    const scoreCard = score.closest('section')!;
    expect(within(scoreCard).getByText('-6')).toBeTruthy();
    expect(within(scoreCard).getByText('down')).toBeTruthy();
    expect(within(scoreCard).getByRole('link', { name: '84' }).getAttribute('href')).toBe(`/sites/${SITE_ID}/runs/${PREV_RUN_ID}`);
    expect(within(scoreCard).getByRole('img', { name: /last 30 days: from 84 to 78/ })).toBeTruthy();
    // Every component of the score links to the run that produced it.
    for (const v of ['55', '89', '100', '94']) expect(within(scoreCard).getByRole('link', { name: v }).getAttribute('href')).toBe(`/sites/${SITE_ID}/runs/${RUN_ID}`);
    expect(screen.getByTestId('site-home').dataset.ready).toBe('true');
  });

  it("lists today's changes, the active bugs and a performance snapshot against baseline", async () => {
    renderApp(`/sites/${SITE_ID}`);
    const counts = await screen.findByRole('list', { name: 'Change counts' });
    expect(within(counts).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['New bugs1', 'Came back0', 'Fixed0', 'Performance alerts0']);
    expect(screen.getByRole('link', { name: 'See all 9 →' }).getAttribute('href')).toBe(`/sites/${SITE_ID}/bugs`);
    const active = screen.getByRole('list', { name: 'Active bugs' });
    expect(within(active).getByRole('link', { name: /TypeError/ }).getAttribute('href')).toMatch(new RegExp(`/sites/${SITE_ID}/bugs/`));
    const perf = screen.getByRole('table', { name: /Load time per page on desktop/ });
    const rows = within(perf).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.textContent).toContain('/products');
    expect(within(rows[0]!).getByText('slower than usual')).toBeTruthy();
    expect(rows[0]!.textContent).toContain('+88.9%');
    expect(within(rows[1]!).queryByText('slower than usual')).toBeNull();
    expect(within(rows[0]!).getByRole('link', { name: '3.40 s' }).getAttribute('href')).toBe(`/sites/${SITE_ID}/runs/${RUN_ID}`);
  });

  it('a site without a finished crawl gets a friendly empty state', async () => {
    vi.mocked(queries.fetchHome).mockResolvedValue(homeData({ latest: null, previous: null, sparkline: [], scoreRun: null }));
    renderApp(`/sites/${SITE_ID}`);
    expect(await screen.findByText('No crawl has finished yet')).toBeTruthy();
  });

  it('shows skeletons, not spinners, while loading', async () => {
    vi.mocked(queries.fetchHome).mockReturnValue(new Promise(() => {}));
    const { container } = renderApp(`/sites/${SITE_ID}`);
    expect(await screen.findByRole('status', { name: 'Loading the health score' })).toBeTruthy();
    expect(container.querySelectorAll('.skeleton').length).toBeGreaterThan(3);
    expect(container.querySelector('.animate-spin')).toBeNull();
  });

  it('a site the user cannot see is "not found"', async () => {
    vi.mocked(queries.fetchSite).mockResolvedValue(null);
    renderApp(`/sites/${SITE_ID}`);
    expect(await screen.findByRole('heading', { name: 'Site not found' })).toBeTruthy();
    expect(screen.queryByTestId('health-score')).toBeNull();
    expect(screen.queryByTestId('site-home')).toBeNull();
  });
});
