import { defineConfig } from 'wxt';
import tailwindcss from '@tailwindcss/vite';

// The extension's sources live in extension/ (DESIGN.md §1); the config stays at the repo root so
// `wxt build` writes `.output/chrome-mv3` where the README tells users to load it from.
//
// `wxt build --mode e2e` (tests/extension) pre-grants host access to 127.0.0.1 only, because a
// headless browser cannot click the runtime permission prompt; FLOWLENS_EXTENSION_OUT_DIR lets the
// tests build into a temporary folder. Every other build asks for the site's origin at runtime
// (issue 4), never for all URLs at install.
export default defineConfig({
  srcDir: 'extension',
  ...(process.env.FLOWLENS_EXTENSION_OUT_DIR ? { outDir: process.env.FLOWLENS_EXTENSION_OUT_DIR } : {}),
  modules: ['@wxt-dev/module-react'],
  vite: () => ({ plugins: [tailwindcss()] }),
  manifest: ({ mode }) => ({
    name: 'FlowLens',
    description: 'Record the flows that matter on your site; see what broke, pinned on the page.',
    permissions: ['storage', 'sidePanel', 'activeTab', 'scripting', 'tabs'],
    optional_host_permissions: ['http://*/*', 'https://*/*'],
    ...(mode === 'e2e' ? { host_permissions: ['http://127.0.0.1/*'] } : {}),
    // The toolbar button opens the side panel (background/recorder.ts sets the panel behaviour).
    action: { default_title: 'Open FlowLens' },
  }),
});
