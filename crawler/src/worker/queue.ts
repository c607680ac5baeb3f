/**
 * The worker's side of the queue contract (supabase/migrations/…_queue.sql), through PostgREST with
 * the service role — the only key that may call these functions, because a worker serves every
 * organisation's jobs.
 */
import type { flowFromRows } from '@flowlens/core';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import ws from 'ws';
import type { PageFingerprint } from '../detectors/page-structure.ts';
import type { Baseline } from '../detectors/performance.ts';

export interface JobPayload {
  job: { id: string; organizationId?: string; runId: string; siteId: string; flowId: string | null; flowVersion: number | null; viewport: 'desktop' | 'tablet' | 'mobile'; attempts: number; maxAttempts: number };
  run: { id: string; trigger: string; deployEventId: string | null };
  site: { id: string; name: string; baseUrl: string; allowedOrigins: string[]; isLocal: boolean; discoverPages: number; timezone: string };
  /** Database rows, as core's flowFromRows reads them. */
  flow: (Parameters<typeof flowFromRows>[0] & { version: number; steps: Parameters<typeof flowFromRows>[1] }) | null;
  credentials: { name: string; ciphertext: string }[];
  baselines: Baseline[];
  pages: { urlTemplate: string; fingerprint: PageFingerprint }[];
}

/** The database refused the call's input (SQLSTATE 22023): sending it again cannot succeed. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
}

export class Queue {
  readonly client: SupabaseClient;

  constructor(url: string, serviceRoleKey: string) {
    // Node 20 has no global WebSocket; supabase-js needs `ws` for realtime even when unused.
    this.client = createClient(url, serviceRoleKey, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: ws as never } });
  }

  private async rpc<T>(fn: string, args: Record<string, unknown>): Promise<T> {
    const { data, error } = await this.client.rpc(fn, args);
    if (error) {
      const message = `${fn} failed: ${error.message}`;
      throw error.code === '22023' ? new RefusedError(message) : new Error(message);
    }
    return data as T;
  }

  claim(worker: string, max: number, leaseSeconds: number, onlySites: readonly string[] | null = null): Promise<JobPayload[]> {
    return this.rpc<JobPayload[]>('claim_jobs', { worker, max_jobs: max, lease_seconds: leaseSeconds, only_sites: onlySites }).then((d) => d ?? []);
  }

  heartbeat(jobId: string, worker: string, leaseSeconds: number): Promise<boolean> {
    return this.rpc<boolean>('heartbeat_job', { job_id: jobId, worker, lease_seconds: leaseSeconds });
  }

  release(jobId: string, worker: string): Promise<boolean> {
    return this.rpc<boolean>('release_job', { job_id: jobId, worker });
  }

  fail(jobId: string, worker: string, error: string, retryable: boolean): Promise<string> {
    return this.rpc<string>('fail_job', { job_id: jobId, worker, error, retryable });
  }

  complete(jobId: string, worker: string, report: unknown): Promise<{ status: string; finalised?: boolean; summary?: unknown }> {
    return this.rpc('complete_job', { job_id: jobId, worker, report });
  }

  /** The queue as the database sees it (public.queue_metrics(), issue 15); parsed by metrics.ts. */
  metrics(): Promise<unknown> {
    return this.rpc<unknown>('queue_metrics', {});
  }

  async uploadScreenshot(bucket: string, path: string, png: Buffer): Promise<string | null> {
    const { error } = await this.client.storage.from(bucket).upload(path, png, { contentType: 'image/png', upsert: true });
    return error ? null : path;
  }
}
