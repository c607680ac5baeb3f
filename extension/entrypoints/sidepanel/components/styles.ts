/** Class names the side panel's components share (Tailwind). */
export const button = 'rounded-md px-3 py-1.5 text-sm font-medium disabled:opacity-50';
export const primary = `${button} bg-indigo-600 text-white hover:bg-indigo-700`;
export const secondary = `${button} border border-slate-300 bg-white text-slate-800 hover:bg-slate-100`;
export const danger = `${button} bg-red-600 text-white hover:bg-red-700`;
export const input = 'w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm';
export const iconButton = 'rounded px-1.5 py-0.5 text-xs text-slate-600 hover:bg-slate-200 disabled:opacity-30';
