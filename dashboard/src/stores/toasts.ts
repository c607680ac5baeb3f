/** Short confirmations after an action ("Snoozed until 12 Dec"), announced politely to screen readers. */
import { create } from 'zustand';

export interface Toast {
  id: number;
  tone: 'success' | 'error' | 'info';
  text: string;
}

interface ToastState {
  toasts: Toast[];
  push(tone: Toast['tone'], text: string, ttlMs?: number): void;
  dismiss(id: number): void;
}

let nextId = 1;

export const useToastStore = create<ToastState>()((set, get) => ({
  toasts: [],
  push(tone, text, ttlMs = 5000) {
    const id = nextId++;
    set({ toasts: [...get().toasts.slice(-3), { id, tone, text }] });
    if (ttlMs > 0) setTimeout(() => get().dismiss(id), ttlMs);
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
}));

export const toast = {
  success: (text: string) => useToastStore.getState().push('success', text),
  error: (text: string) => useToastStore.getState().push('error', text, 8000),
  info: (text: string) => useToastStore.getState().push('info', text),
};
