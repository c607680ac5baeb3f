import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './index.css';

// The dashboard is built by issue 6; until then the workspace builds and typechecks with this shell.
function App() {
  return <main className="p-8 text-[#1A1A1A]">FlowLens dashboard</main>;
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
