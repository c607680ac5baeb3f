/**
 * @flowlens/core — the contracts and pure logic every part of FlowLens shares (crawler, extension,
 * dashboard, edge functions). No Node-, Deno- or DOM-global imports: the locator receives the
 * document it works on as a parameter. See core/README.md for the module map.
 */
export const FLOWLENS_CORE_VERSION = '0.1.0';

export * from './flow.ts';
export * from './flow-rows.ts';
export * from './report.ts';
export * from './queue.ts';
export * from './bug.ts';
export * from './alerts.ts';
export * from './severity.ts';
export * from './titles.ts';
export * from './url-template.ts';
export * from './normalise.ts';
export * from './fingerprint.ts';
export * from './health.ts';
export * from './secrets.ts';
export * from './credentials.ts';
export * from './edge-functions.ts';
export * from './web-url.ts';
export * from './viewport.ts';
export * from './validation.ts';
export * from './chrome-recorder.ts';
export * from './playwright-export.ts';
export * from './import-labels.ts';
export * from './log.ts';
export * from './locator/index.ts';
