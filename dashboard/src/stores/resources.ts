/**
 * The read cache: one Zustand store of query results keyed by a string that encodes everything the
 * query depends on ("bugs:<site>:severity=P0&p=2", "bug:<id>", "home:<site>").
 *
 * - `load` dedupes concurrent requests for a key and keeps the last good data while reloading, so
 *   a refresh never flashes skeletons;
 * - `invalidate(prefix)` marks entries stale; mounted `useResource` hooks refetch them, others
 *   refetch when next shown;
 * - `patch` lets actions (snooze, false positive…) update what is on screen at once;
 * - `clear` on sign-out, so nothing of one user is ever shown to the next.
 *
 * Pages never keep server data in component state; they read it from here.
 */
import { useCallback, useEffect, useRef } from 'react';
import { create } from 'zustand';
import { errorMessage } from '../lib/errors.ts';

export type ResourceStatus = 'loading' | 'ready' | 'error';

export interface Entry<T = unknown> {
  status: ResourceStatus;
  data?: T;
  error?: string;
  stale: boolean;
  loadedAt?: number;
}

type Loader<T> = () => Promise<T>;

interface ResourceState {
  entries: Record<string, Entry>;
  load<T>(key: string, loader: Loader<T>): Promise<void>;
  set<T>(key: string, data: T): void;
  patch<T>(key: string, fn: (data: T) => T): void;
  invalidate(prefix: string | ((key: string) => boolean)): void;
  clear(): void;
}

const inflight = new Map<string, { generation: number; promise: Promise<void>; token: object }>();
let generation = 0;

export const useResourceStore = create<ResourceState>()((set, get) => ({
  entries: {},

  load<T>(key: string, loader: Loader<T>): Promise<void> {
    const running = inflight.get(key);
    if (running && running.generation === generation) return running.promise;
    const myGeneration = generation;
    set((s) => {
      const prev = s.entries[key];
      // Keep showing the previous data while a stale entry reloads.
      const next: Entry = prev?.data !== undefined ? { ...prev, stale: false } : { status: 'loading', stale: false };
      return { entries: { ...s.entries, [key]: next } };
    });
    const token = {};
    const promise = (async () => {
      // Yield first, so `inflight` holds this request before the loader can settle.
      await null;
      try {
        const data = await loader();
        if (myGeneration !== generation) return; // cleared (signed out) meanwhile
        set((s) => ({ entries: { ...s.entries, [key]: { status: 'ready', data, stale: s.entries[key]?.stale ?? false, loadedAt: Date.now() } } }));
      } catch (err) {
        if (myGeneration !== generation) return;
        set((s) => ({ entries: { ...s.entries, [key]: { status: 'error', error: errorMessage(err), data: s.entries[key]?.data, stale: false } } }));
      } finally {
        if (inflight.get(key)?.token === token) inflight.delete(key);
      }
    })();
    inflight.set(key, { generation: myGeneration, promise, token });
    return promise;
  },

  set<T>(key: string, data: T): void {
    set((s) => ({ entries: { ...s.entries, [key]: { status: 'ready', data, stale: false, loadedAt: Date.now() } } }));
  },

  patch<T>(key: string, fn: (data: T) => T): void {
    const e = get().entries[key];
    if (!e || e.data === undefined) return;
    set((s) => ({ entries: { ...s.entries, [key]: { ...e, data: fn(e.data as T) } } }));
  },

  invalidate(prefix): void {
    const match = typeof prefix === 'string' ? (k: string) => k.startsWith(prefix) : prefix;
    set((s) => {
      const entries: Record<string, Entry> = {};
      for (const [k, e] of Object.entries(s.entries)) entries[k] = match(k) ? { ...e, stale: true } : e;
      return { entries };
    });
  },

  clear(): void {
    generation += 1;
    inflight.clear();
    set({ entries: {} });
  },
}));

export interface ResourceView<T> {
  status: ResourceStatus;
  data: T | undefined;
  error: string | undefined;
  /** True while a stale entry refetches behind the data on screen. */
  refreshing: boolean;
  reload: () => void;
}

/**
 * Reads `key` from the cache and loads it with `loader` when missing or stale. `key` null means
 * "not yet" (e.g. waiting for an id). The loader may close over anything the key encodes.
 */
export function useResource<T>(key: string | null, loader: Loader<T>): ResourceView<T> {
  const entry = useResourceStore((s) => (key ? (s.entries[key] as Entry<T> | undefined) : undefined));
  const load = useResourceStore((s) => s.load);
  const loaderRef = useRef(loader);
  loaderRef.current = loader;

  const needsLoad = key !== null && (!entry || entry.stale);
  useEffect(() => {
    if (key !== null && needsLoad) void load(key, () => loaderRef.current());
  }, [key, needsLoad, load]);

  const reload = useCallback(() => {
    if (key) void load(key, () => loaderRef.current());
  }, [key, load]);

  if (!key || !entry) return { status: 'loading', data: undefined, error: undefined, refreshing: false, reload };
  return {
    status: entry.status,
    data: entry.data,
    error: entry.error,
    refreshing: entry.stale || (entry.status === 'ready' && inflight.has(key)),
    reload,
  };
}
