/**
 * Builds the extension for the overlay's tests and benchmark into a folder of their own (never
 * .output/chrome-mv3, which people load by hand), against a given backend.
 *
 * Host access: the real extension asks for each site's origin at run time (optional host
 * permissions, granted with a click on the browser's prompt, which a headless test cannot give).
 * The test build adds the fixture origin to `host_permissions` in its own copy of manifest.json —
 * the state the real extension is in after the user said yes. Nothing else differs from a
 * production build.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');

export interface ExtensionBuildOptions {
  outDir: string;
  supabaseUrl: string;
  anonKey: string;
  dashboardUrl?: string;
  /** Origins to grant as if the user accepted the prompt (e.g. http://127.0.0.1). */
  grantOrigins?: string[];
}

/** Returns the folder to pass to --load-extension. */
export async function buildExtension(opts: ExtensionBuildOptions): Promise<string> {
  const env = { WXT_SUPABASE_URL: opts.supabaseUrl, WXT_SUPABASE_ANON_KEY: opts.anonKey, WXT_DASHBOARD_URL: opts.dashboardUrl ?? 'http://127.0.0.1:5173' };
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  mkdirSync(opts.outDir, { recursive: true });
  try {
    const { build } = await import('wxt');
    await build({ root: REPO_ROOT, outDir: opts.outDir, mode: 'production' });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const dir = join(opts.outDir, 'chrome-mv3');
  const manifestPath = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { host_permissions?: string[] };
  if (opts.grantOrigins?.length) {
    manifest.host_permissions = [...new Set([...(manifest.host_permissions ?? []), ...opts.grantOrigins.map((o) => `${o}/*`)])];
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  }
  return dir;
}
