export default defineBackground(() => {
  // Handlers are registered by the recorder and overlay features (issues 4 and 7).
});
