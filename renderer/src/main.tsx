import { CssBaseline, ThemeProvider, createTheme } from '@mui/material';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { resolvePlatform } from './api/platform.ts';
import { App } from './app/App.tsx';

const theme = createTheme({
  palette: { primary: { main: '#1565c0' }, background: { default: '#f5f7fa' } },
  components: { MuiCard: { defaultProps: { elevation: 0 } } },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <App platform={resolvePlatform()} />
    </ThemeProvider>
  </StrictMode>,
);
