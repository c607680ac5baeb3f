/**
 * The overlay's own styles, inside its shadow root, after the in-page layer's base CSS
 * (lib/page-layer.ts: host isolation, box sizing, the `.root` font). Pixel units only.
 */
// Each at least 4.5:1 against white (white text on a pin or chip, coloured text on the panel): axe, issue 19.
export const SEVERITY_COLORS: Record<string, string> = { P0: '#b42318', P1: '#b93a0b', P2: '#8a6a00', P3: '#1c64d1' };

export const OVERLAY_CSS = `
button, a { font: inherit; cursor: pointer; }
.badge { position: absolute; right: 16px; bottom: 16px; pointer-events: auto; display: flex; align-items: center; gap: 6px;
  height: 32px; padding: 0 12px 0 10px; border-radius: 16px; border: 1px solid rgba(0,0,0,.15); background: #fff; color: #1d2433;
  box-shadow: 0 2px 8px rgba(0,0,0,.2); font-weight: 600; font-size: 13px; }
.badge:focus-visible, .panel button:focus-visible, .panel a:focus-visible, .pin:focus-visible { outline: 2px solid #1c64d1; outline-offset: 2px; }
.dot { width: 10px; height: 10px; border-radius: 50%; display: inline-block; flex: none; }
.logo { font-weight: 700; letter-spacing: .02em; }
.panel { position: absolute; right: 16px; bottom: 56px; width: 380px; max-width: calc(100vw - 32px); max-height: min(70vh, 640px);
  display: flex; flex-direction: column; pointer-events: auto; background: #fff; color: #1d2433; border: 1px solid rgba(0,0,0,.15);
  border-radius: 10px; box-shadow: 0 8px 28px rgba(0,0,0,.25); overflow: hidden; }
.root[hidden], .panel[hidden], .pin[hidden], .hl[hidden], .badge[hidden], .thumb[hidden], .card[hidden] { display: none; }
.card { position: absolute; left: 0; top: 0; width: 320px; max-width: calc(100vw - 16px); max-height: min(60vh, 420px); overflow: auto;
  pointer-events: auto; background: #fff; color: #1d2433; border: 1px solid rgba(0,0,0,.15); border-radius: 10px;
  box-shadow: 0 8px 28px rgba(0,0,0,.25); padding: 10px 12px; display: flex; flex-direction: column; gap: 4px; will-change: transform; }
.card-head { display: flex; align-items: flex-start; gap: 8px; }
.card-head .t { flex: 1; margin: 0; font-size: 14px; line-height: 1.35; }
.card-head .t:focus { outline: none; }
.card-head .num { flex: none; grid-row: auto; }
.card-head .close { border: 1px solid #cfd4de; background: #f6f7f9; color: #1d2433; border-radius: 6px; padding: 0 7px; font-size: 14px; line-height: 1.5; }
.card .actions button, .card .actions a { border: 1px solid #cfd4de; background: #f6f7f9; color: #1d2433; border-radius: 6px;
  padding: 3px 8px; font-size: 12px; text-decoration: none; line-height: 1.5; }
.card button:focus-visible, .card a:focus-visible { outline: 2px solid #1c64d1; outline-offset: 2px; }
.head { display: flex; align-items: center; gap: 8px; padding: 10px 12px; border-bottom: 1px solid #e6e8ee; }
.head .title { flex: 1; font-weight: 600; font-size: 14px; }
.head button, .actions button, .actions a { border: 1px solid #cfd4de; background: #f6f7f9; color: #1d2433; border-radius: 6px;
  padding: 3px 8px; font-size: 12px; text-decoration: none; line-height: 1.5; }
.head button:hover, .actions button:hover, .actions a:hover { background: #eceff3; }
.list { overflow: auto; padding: 4px 0; margin: 0; list-style: none; }
.section { padding: 8px 12px 2px; font-size: 11px; font-weight: 600; text-transform: uppercase; letter-spacing: .05em; color: #5b6475; }
.item { padding: 8px 12px; border-bottom: 1px solid #f0f1f4; display: grid; grid-template-columns: 36px 1fr; gap: 2px 8px; }
.item.focus { background: #fff8e6; }
.num { grid-row: span 4; width: 22px; height: 22px; border-radius: 50%; color: #fff; font-size: 12px; font-weight: 700;
  display: flex; align-items: center; justify-content: center; }
.num.page { width: 36px; border-radius: 4px; font-size: 10px; letter-spacing: .02em; }
.t { font-weight: 600; overflow-wrap: anywhere; }
.meta, .cause { font-size: 12px; color: #5b6475; overflow-wrap: anywhere; }
.cause { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 11px; }
.sev { font-weight: 700; }
.thumb { display: block; max-width: 100%; max-height: 120px; border: 1px solid #e6e8ee; border-radius: 4px; margin-top: 4px; }
.actions { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 6px; }
.msg { padding: 10px 12px; color: #5b6475; font-size: 12px; }
.err { color: #b42318; }
.pins { position: absolute; inset: 0; pointer-events: none; contain: layout style size; will-change: transform; }
.pin { position: absolute; left: 0; top: 0; width: 22px; height: 22px; margin: -11px 0 0 -11px; border-radius: 50%; border: 2px solid #fff;
  color: #fff; font-size: 11px; font-weight: 700; display: flex; align-items: center; justify-content: center; pointer-events: auto;
  box-shadow: 0 1px 4px rgba(0,0,0,.4); padding: 0; will-change: transform; }
.hl { position: absolute; left: 0; top: 0; border: 3px solid #1c64d1; border-radius: 4px; background: rgba(28,100,209,.12);
  pointer-events: none; box-shadow: 0 0 0 4px rgba(28,100,209,.25); }
`;
