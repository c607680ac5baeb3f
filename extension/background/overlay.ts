/** Background side of the in-page overlay (issue 7): which sites are monitored, bugs for a page, bug actions. */
export function registerOverlayHandlers(): void {}
