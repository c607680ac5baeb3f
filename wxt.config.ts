import { defineConfig } from 'wxt';
import tailwindcss from '@tailwindcss/vite';

// The extension's sources live in extension/ (DESIGN.md §1); the config stays at the repo root so
// `wxt build` writes `.output/chrome-mv3` where the README tells users to load it from.
export default defineConfig({
  srcDir: 'extension',
  modules: ['@wxt-dev/module-react'],
  vite: () => ({ plugins: [tailwindcss()] }),
  manifest: {
    name: 'FlowLens',
    description: 'Record the flows that matter on your site; see what broke, pinned on the page.',
    permissions: ['storage', 'sidePanel', 'activeTab', 'scripting', 'tabs'],
    // Host access is asked for at runtime, per site being recorded (issue 4), never for all URLs at
    // install. (End-to-end tests pre-grant 127.0.0.1 in their own build's manifest, as a user
    // saying "Allow" would: tests/extension/overlay-build.ts.)
    optional_host_permissions: ['http://*/*', 'https://*/*'],
    // The toolbar button opens the side panel (background/recorder.ts sets the panel behaviour).
    action: { default_title: 'Open FlowLens' },
    // The shortcut runs the action too, which opens the panel and grants activeTab (screenshots).
    commands: { _execute_action: { suggested_key: { default: 'Alt+Shift+F' }, description: 'Open FlowLens' } },
  },
});
