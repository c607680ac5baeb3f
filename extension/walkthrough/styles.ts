/**
 * The walkthrough's styles, inside its closed shadow root, after the in-page layer's base CSS
 * (lib/page-layer.ts: host isolation, box sizing, the `.root` font). Pixel units only.
 */
export const WALK_CSS = `
.root { line-height: 1.45; }
button, input { font: inherit; }
button { cursor: pointer; }
[hidden] { display: none !important; }
.ring { position: absolute; left: 0; top: 0; width: 0; height: 0; border: 3px solid #1c64d1; border-radius: 6px; pointer-events: none;
  box-shadow: 0 0 0 4px rgba(28,100,209,.3), 0 0 0 3000px rgba(15,23,42,.28); will-change: transform, width, height; }
.ring.healed { border-color: #b08800; box-shadow: 0 0 0 4px rgba(176,136,0,.3), 0 0 0 3000px rgba(15,23,42,.28); }
.ring.bug { border-color: #b42318; box-shadow: 0 0 0 4px rgba(180,35,24,.3), 0 0 0 3000px rgba(15,23,42,.28); }
.tip { position: absolute; left: 0; top: 0; max-width: 280px; padding: 3px 8px; border-radius: 4px; background: #1c64d1; color: #fff;
  font-size: 12px; font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; pointer-events: none; will-change: transform; }
.tip.healed { background: #8a6a00; }
.tip.bug { background: #b42318; }
.card { position: absolute; left: 16px; bottom: 16px; width: 360px; max-width: calc(100vw - 32px); max-height: calc(100vh - 32px); overflow: auto;
  pointer-events: auto; background: #fff; color: #1d2433; border: 1px solid rgba(0,0,0,.15); border-radius: 10px;
  box-shadow: 0 8px 28px rgba(0,0,0,.28); padding: 12px 14px; display: flex; flex-direction: column; gap: 6px; }
.card.top { top: 16px; bottom: auto; }
.card.right { left: auto; right: 16px; }
.brand { display: flex; align-items: center; gap: 8px; font-size: 11px; color: #5b6475; text-transform: uppercase; letter-spacing: .05em; font-weight: 600; }
.brand .flow { flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; text-transform: none; letter-spacing: 0; }
.progress { font-size: 12px; color: #5b6475; }
.bar { height: 4px; border-radius: 2px; background: #e6e8ee; overflow: hidden; }
.bar > div { height: 4px; background: #1c64d1; }
.label { font-size: 15px; font-weight: 650; overflow-wrap: anywhere; }
.instruction { color: #3b4355; overflow-wrap: anywhere; }
.healed-note { font-size: 12px; color: #8a6a00; font-weight: 600; }
.note { font-size: 12px; color: #5b6475; background: #f6f7f9; border-radius: 6px; padding: 4px 8px; }
.expected { border: 1px dashed #b42318; border-radius: 8px; padding: 8px; display: flex; flex-direction: column; gap: 4px; }
.expected .h, .bugbox .h { font-weight: 650; color: #b42318; }
.sel { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11px; color: #3b4355; overflow-wrap: anywhere; margin: 0; padding: 0 0 0 14px; }
.crop { position: relative; overflow: hidden; border: 1px solid #e6e8ee; border-radius: 4px; background: #f6f7f9; max-width: 100%; }
.crop img { position: absolute; left: 0; top: 0; max-width: none; }
.bugbox { border: 1px solid #f1c4c0; background: #fff5f4; border-radius: 8px; padding: 8px; display: flex; flex-direction: column; gap: 4px; }
.err { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; color: #7a1a12; overflow-wrap: anywhere; white-space: pre-wrap; }
.lines { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11px; color: #3b4355; margin: 0; padding: 0 0 0 14px; overflow-wrap: anywhere; }
.secret { display: flex; flex-direction: column; gap: 2px; font-size: 12px; }
.secret input { border: 1px solid #cfd4de; border-radius: 6px; padding: 4px 8px; font-size: 13px; color: #1d2433; background: #fff; }
.actions { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 4px; }
.actions button { border: 1px solid #cfd4de; background: #f6f7f9; color: #1d2433; border-radius: 6px; padding: 4px 10px; font-size: 13px; line-height: 1.4; }
.actions button.primary { background: #1c64d1; border-color: #1c64d1; color: #fff; font-weight: 600; }
.actions button:disabled { opacity: .5; cursor: default; }
.card button:focus-visible, .card input:focus-visible { outline: 2px solid #1c64d1; outline-offset: 2px; }
.found-as { font-size: 12px; color: #6b5200; }
.viewport-note { font-size: 13px; color: #1d2433; }
.bugbox.elsewhere { border-color: #cfd4de; background: #f6f7f9; }
.bugbox.elsewhere .h { color: #1d2433; }
.plain { font-size: 13px; color: #3b4355; overflow-wrap: anywhere; }
.tech { font-size: 12px; color: #5b6475; }
.tech summary { cursor: pointer; }
.tech summary:focus-visible { outline: 2px solid #1c64d1; outline-offset: 2px; }
@media (max-width: 519px) {
  .card, .card.right { left: 8px; right: 8px; bottom: 8px; width: auto; max-width: none; max-height: 40vh; padding: 8px 10px; gap: 4px; }
  .card.top { top: 8px; bottom: auto; }
  .brand, .bar { display: none; }
  .label { font-size: 14px; }
}
.done { font-size: 15px; font-weight: 650; color: #1b7f3b; }
.fail { font-size: 12px; color: #b42318; overflow-wrap: anywhere; }
`;
