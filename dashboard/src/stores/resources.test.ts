import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useResource, useResourceStore } from './resources.ts';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

afterEach(() => useResourceStore.getState().clear());

describe('resource store', () => {
  it('dedupes concurrent loads of one key', async () => {
    const loader = vi.fn(async () => 42);
    const store = useResourceStore.getState();
    await Promise.all([store.load('k', loader), store.load('k', loader), store.load('k', loader)]);
    expect(loader).toHaveBeenCalledTimes(1);
    expect(useResourceStore.getState().entries.k).toMatchObject({ status: 'ready', data: 42 });
  });

  it('keeps the old data on screen while a stale entry reloads', async () => {
    const store = useResourceStore.getState();
    await store.load('k', async () => 'old');
    store.invalidate('k');
    const d = deferred<string>();
    const p = store.load('k', () => d.promise);
    expect(useResourceStore.getState().entries.k).toMatchObject({ status: 'ready', data: 'old' });
    d.resolve('new');
    await p;
    expect(useResourceStore.getState().entries.k).toMatchObject({ status: 'ready', data: 'new', stale: false });
  });

  it('records errors as messages and keeps earlier data', async () => {
    const store = useResourceStore.getState();
    await store.load('k', async () => 'data');
    await store.load('k', async () => {
      throw { message: 'permission denied for table bugs', code: '42501' };
    });
    expect(useResourceStore.getState().entries.k).toMatchObject({ status: 'error', data: 'data' });
    expect(useResourceStore.getState().entries.k!.error).toMatch(/Ask an owner or admin/);
  });

  it('drops results that arrive after a clear (sign-out): nothing of one user leaks to the next', async () => {
    const store = useResourceStore.getState();
    const d = deferred<string>();
    const p = store.load('secret', () => d.promise);
    store.clear();
    d.resolve('previous user data');
    await p;
    expect(useResourceStore.getState().entries.secret).toBeUndefined();
  });

  it('invalidate marks by prefix or predicate; patch edits in place', async () => {
    const store = useResourceStore.getState();
    store.set('bugs:s1:a', [1]);
    store.set('bugs:s2:a', [2]);
    store.set('home:s1', { n: 1 });
    store.invalidate('bugs:s1');
    store.invalidate((k) => k === 'home:s1');
    const e = useResourceStore.getState().entries;
    expect([e['bugs:s1:a']!.stale, e['bugs:s2:a']!.stale, e['home:s1']!.stale]).toEqual([true, false, true]);
    store.patch<{ n: number }>('home:s1', (d) => ({ n: d.n + 1 }));
    expect(useResourceStore.getState().entries['home:s1']!.data).toEqual({ n: 2 });
  });

  it('useResource loads once, refetches when invalidated, and waits while the key is null', async () => {
    let n = 0;
    const loader = vi.fn(async () => ++n);
    const { result, rerender } = renderHook(({ k }: { k: string | null }) => useResource(k, loader), { initialProps: { k: null as string | null } });
    expect(result.current.status).toBe('loading');
    expect(loader).not.toHaveBeenCalled();
    rerender({ k: 'count' });
    await waitFor(() => expect(result.current.data).toBe(1));
    rerender({ k: 'count' });
    expect(loader).toHaveBeenCalledTimes(1);
    act(() => useResourceStore.getState().invalidate('count'));
    await waitFor(() => expect(result.current.data).toBe(2));
    expect(loader).toHaveBeenCalledTimes(2);
  });
});
