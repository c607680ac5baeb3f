import { registerOverlayHandlers } from '../background/overlay.ts';
import { registerRecorderHandlers } from '../background/recorder.ts';
import { registerWalkthroughHandlers } from '../background/walkthrough.ts';

// The service worker only wires features together; each feature registers its own message handlers.
export default defineBackground(() => {
  registerRecorderHandlers();
  registerOverlayHandlers();
  registerWalkthroughHandlers();
});
