import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './ui/styles.css';
import { installAutomationHook } from './client/automation';
import { registerServiceWorker } from './client/service-worker';
import { parseDemoParams } from './ui/demo/demo-params';
import { Kiosk } from './ui/demo/Kiosk';

void installAutomationHook();
if (import.meta.env.PROD) registerServiceWorker();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>{parseDemoParams(window.location.search).kiosk ? <Kiosk /> : <App />}</StrictMode>,
);
