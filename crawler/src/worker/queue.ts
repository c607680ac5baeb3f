/**
 * The worker's side of the queue contract (supabase/migrations/…_queue.sql), through PostgREST with
 * the service role — the only key that may call these functions, because a worker serves every
 * organisation's jobs.
 */
import { jobPayloadProblems, JobPayloadSchema, type JobPayload } from '@flowlens/core/queue';
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import ws from 'ws';

export type { JobPayload };

/** The database refused the call's input (SQLSTATE 22023): sending it again cannot succeed. */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
}

export class Queue {
  readonly client: SupabaseClient;

  constructor(
    url: string,
    serviceRoleKey: string,
    private readonly log: (line: string) => void = () => {},
  ) {
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

  /**
   * Claims up to `max` jobs. Each payload is parsed against core's JobPayloadSchema where it crosses
   * into the worker: a job whose payload cannot be read is failed for good at once (sending it
   * again cannot help), with the problems named, and is not returned.
   */
  async claim(worker: string, max: number, leaseSeconds: number, onlySites: readonly string[] | null = null): Promise<JobPayload[]> {
    const raw = (await this.rpc<unknown[] | null>('claim_jobs', { worker, max_jobs: max, lease_seconds: leaseSeconds, only_sites: onlySites })) ?? [];
    const jobs: JobPayload[] = [];
    for (const item of raw) {
      const parsed = JobPayloadSchema.safeParse(item);
      if (parsed.success) {
        jobs.push(parsed.data);
        continue;
      }
      const id = (item as { job?: { id?: unknown } } | null)?.job?.id;
      const problems = jobPayloadProblems(item) ?? 'unreadable';
      this.log(`✖ claimed a job FlowLens cannot read (${problems}); failing it`);
      if (typeof id === 'string') await this.fail(id, worker, `The job could not be read: ${problems}`.slice(0, 2000), false).catch(() => 'unknown');
    }
    return jobs;
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
