/** Background side of the recorder (issue 4): sign-in, sites, recording state, saving flows. */
export function registerRecorderHandlers(): void {}
