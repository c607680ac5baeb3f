// Bundles the crawler CLI (with core) into crawler/dist/flowlens.mjs for the container, plus the
// in-page locator engine as crawler/dist/locator.js. Only `playwright` stays external: the image
// provides it with its matching browsers.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const crawler = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(crawler, 'dist');
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(crawler, 'src', 'cli.ts')],
  outfile: join(out, 'flowlens.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['playwright', 'playwright-core', 'esbuild'],
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __flowlensRequire } from 'node:module'; const require = __flowlensRequire(import.meta.url);" },
  logLevel: 'warning',
});

const locator = await build({
  entryPoints: [join(crawler, '..', 'core', 'src', 'locator', 'index.ts')],
  bundle: true,
  format: 'iife',
  globalName: '__flowlensLocator',
  platform: 'browser',
  target: 'chrome110',
  minify: true,
  write: false,
  logLevel: 'warning',
});
writeFileSync(join(out, 'locator.js'), locator.outputFiles[0].text);
console.log(`built ${join(out, 'flowlens.mjs')} and locator.js`);
