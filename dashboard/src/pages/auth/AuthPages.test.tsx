import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as mutations from '../../data/mutations.ts';
import * as queries from '../../data/queries.ts';
import { useSessionStore } from '../../stores/session.ts';
import { SITE_ID, siteWithRole } from '../../test/fixtures.ts';
import { currentLocation, renderApp, resetStores, TEST_USER } from '../../test/render.tsx';
import { safeNext } from './AuthPages.tsx';

vi.mock('../../data/queries.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../data/queries.ts')>()),
  fetchSite: vi.fn(),
  fetchBugs: vi.fn(),
  fetchBugFacets: vi.fn(),
  fetchOverview: vi.fn(),
}));
vi.mock('../../data/mutations.ts', () => ({ acceptInvitation: vi.fn() }));

beforeEach(() => {
  resetStores();
  vi.mocked(queries.fetchSite).mockResolvedValue(siteWithRole());
  vi.mocked(queries.fetchBugs).mockResolvedValue({ rows: [], total: 0, page: 1, pageSize: 25 });
  vi.mocked(queries.fetchBugFacets).mockResolvedValue({ pages: [], flows: [] });
  vi.mocked(queries.fetchOverview).mockResolvedValue({ orgs: [], sites: { rows: [], total: 0, page: 1, pageSize: 24 } });
});
afterEach(() => {
  cleanup();
  vi.clearAllMocks();
});

describe('signing in', () => {
  it('a signed-out deep link goes to sign-in and comes back after it', async () => {
    const signIn = vi.fn(async () => {
      useSessionStore.setState({ status: 'signedIn', user: TEST_USER });
      return { error: null };
    });
    useSessionStore.setState({ status: 'signedOut', user: null, signIn });
    renderApp(`/sites/${SITE_ID}/bugs?status=fixed`);
    await waitFor(() => expect(currentLocation()).toBe(`/signin?next=${encodeURIComponent(`/sites/${SITE_ID}/bugs?status=fixed`)}`));
    // Pages are lazy chunks: wait for the form.
    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'ada@example.com' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'secret-password' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(currentLocation()).toBe(`/sites/${SITE_ID}/bugs?status=fixed`));
    expect(signIn).toHaveBeenCalledWith('ada@example.com', 'secret-password');
  });

  it('shows why sign-in failed', async () => {
    useSessionStore.setState({ status: 'signedOut', user: null, signIn: vi.fn(async () => ({ error: 'That email and password do not match an account.' })) });
    renderApp('/signin');
    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'a@x.io' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/do not match/);
  });

  it('sign-up asks for a name and a real password', async () => {
    const signUp = vi.fn(async () => ({ error: null, needsConfirmation: false }));
    useSessionStore.setState({ status: 'signedOut', user: null, signUp });
    renderApp('/signup');
    fireEvent.change(await screen.findByLabelText('Your name'), { target: { value: 'Ada' } });
    fireEvent.change(screen.getByLabelText('Work email'), { target: { value: 'ada@x.io' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'short' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/at least 8 characters/);
    expect(signUp).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'long enough' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    await waitFor(() => expect(signUp).toHaveBeenCalledWith({ email: 'ada@x.io', password: 'long enough', name: 'Ada' }));
  });

  it('never redirects off the app', () => {
    expect(safeNext('//evil.example/x')).toBe('/');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext('/sites/x/bugs?p=2')).toBe('/sites/x/bugs?p=2');
  });
});

describe('invitations', () => {
  it('a signed-out invitee is sent to sign up and back', async () => {
    useSessionStore.setState({ status: 'signedOut', user: null });
    renderApp('/invite/tok123');
    const link = await screen.findByRole('link', { name: 'Create an account' });
    expect(link.getAttribute('href')).toBe(`/signup?next=${encodeURIComponent('/invite/tok123')}`);
  });

  it('a signed-in invitee accepts and lands on the sites; refusals are explained', async () => {
    vi.mocked(mutations.acceptInvitation).mockRejectedValueOnce({ code: '42501', message: 'This invitation is for bob@x.io; sign in with that address to accept it.' });
    vi.mocked(mutations.acceptInvitation).mockResolvedValueOnce('org-id');
    renderApp('/invite/tok123');
    fireEvent.click(await screen.findByRole('button', { name: 'Accept invitation' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/This invitation is for bob@x.io/);
    fireEvent.click(screen.getByRole('button', { name: 'Accept invitation' }));
    await waitFor(() => expect(currentLocation()).toBe('/'));
    expect(mutations.acceptInvitation).toHaveBeenLastCalledWith(expect.anything(), 'tok123');
  });
});
