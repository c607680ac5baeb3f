/** Entry: check the config, make the one supabase-js client, render. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { ConfigError } from './ConfigError.tsx';
import { readConfig } from './config.ts';
import { createBrowserClient } from './lib/supabase.tsx';
import './index.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

const result = readConfig(import.meta.env);
createRoot(root).render(
  <StrictMode>{result.ok ? <App db={createBrowserClient(result.config)} config={result.config} /> : <ConfigError problems={result.problems} />}</StrictMode>,
);
