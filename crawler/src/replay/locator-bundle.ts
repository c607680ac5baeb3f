/**
 * The same locator engine the extension uses (core/src/locator), bundled once per process into a
 * script that defines `window.__flowlensLocator` in the page, so replay resolves elements exactly
 * as recording, the overlay and walkthroughs do.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

let bundle: Promise<string> | null = null;

function wrap(text: string): string {
  // Define it once per document, even if injected twice.
  return `if (!window.__flowlensLocator) { ${text} window.__flowlensLocator = __flowlensLocator; }`;
}

/** The container ships a prebuilt bundle (FLOWLENS_LOCATOR_BUNDLE); a checkout builds it with esbuild. */
export function locatorBundle(): Promise<string> {
  const prebuilt = process.env.FLOWLENS_LOCATOR_BUNDLE;
  if (prebuilt) {
    bundle ??= readFile(prebuilt, 'utf8').then(wrap);
    return bundle;
  }
  bundle ??= import('esbuild').then(({ build }) => build({
    entryPoints: [fileURLToPath(new URL('../../../core/src/locator/index.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    globalName: '__flowlensLocator',
    platform: 'browser',
    target: 'chrome110',
    minify: true,
    write: false,
    logLevel: 'silent',
  })).then((r) => {
    const text = r.outputFiles[0]?.text;
    if (!text) throw new Error('Bundling the locator engine produced no output');
    return wrap(text);
  });
  return bundle;
}
