/// <reference types="vite/client" />
interface ImportMetaEnv {
  /** Default backend (gateway URL and anon key) baked in at build time; the user can change it. */
  readonly WXT_SUPABASE_URL?: string;
  readonly WXT_SUPABASE_ANON_KEY?: string;
}
