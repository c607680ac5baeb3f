import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as alerts from '../../data/alerts.ts';
import { AppContextProvider, type Db } from '../../lib/supabase.tsx';
import { resetStores, TEST_CONFIG } from '../../test/render.tsx';
import { BugAlerts } from './BugAlerts.tsx';

vi.mock('../../data/alerts.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../data/alerts.ts')>();
  return { ...real, fetchBugAlerts: vi.fn() };
});

beforeEach(resetStores);
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

const show = () => render(<AppContextProvider db={{} as Db} config={TEST_CONFIG}><BugAlerts bugId="b1" /></AppContextProvider>);

describe('a bug\'s alerts', () => {
  it('says what the policy decided and why', async () => {
    vi.mocked(alerts.fetchBugAlerts).mockResolvedValue([
      { id: 'd1', decision: 'held', reason: 'held for the next daily briefing: found during quiet hours 22:00–07:00 (UTC), and only P0 alerts then', decided_at: new Date().toISOString() },
    ]);
    show();
    expect((await screen.findByTestId('bug-alerts')).textContent).toContain('Alert held: held for the next daily briefing: found during quiet hours 22:00–07:00 (UTC)');
  });

  it('shows nothing when no alert was decided', async () => {
    vi.mocked(alerts.fetchBugAlerts).mockResolvedValue([]);
    const { container } = show();
    await vi.waitFor(() => expect(alerts.fetchBugAlerts).toHaveBeenCalled());
    expect(container.textContent).toBe('');
  });
});
