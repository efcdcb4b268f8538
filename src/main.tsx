import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app';
import { AppProvider } from './app/provider';
import { createBrowserServices } from './app/browser-services';
import './app/styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AppProvider services={createBrowserServices()}>
      <App />
    </AppProvider>
  </StrictMode>,
);
