import { Alert, AppBar, Box, Button, CircularProgress, Container, Toolbar, Typography } from '@mui/material';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Connection, Operator } from '../../../console/contract.ts';
import type { Platform } from '../api/platform.ts';
import { BootstrapForm } from '../auth/BootstrapForm.tsx';
import { LoginForm } from '../auth/LoginForm.tsx';
import { KpiPanel } from '../kpi/KpiPanel.tsx';
import { ConnectionSettings } from '../settings/ConnectionSettings.tsx';

type Phase =
  | { kind: 'starting' }
  | { kind: 'starting-local-server' }
  | { kind: 'local-server-failed'; detail: string }
  | { kind: 'signed-out'; bootstrapAvailable: boolean; notice?: string; problem?: string }
  | { kind: 'signed-in'; operator: Operator };

export const SESSION_ENDED = 'Your session expired or was revoked. Sign in again.';

/** Where the console is: starting, signed out (sign in or create the first operator), or on the panel. */
export function App({ platform }: { platform: Platform }) {
  const { api, connection: control } = platform;
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const [connection, setConnection] = useState<Connection>();
  const [settingsOpen, setSettingsOpen] = useState(false);

  // A notice (e.g. "Connection changed") waits here while the local server starts.
  const pendingNotice = useRef<string | undefined>(undefined);

  const start = useCallback(
    async (notice?: string) => {
      setPhase({ kind: 'starting' });
      if (control) {
        const current = await control.get();
        setConnection(current);
        if (current.mode === 'local' && current.status === 'starting') {
          pendingNotice.current = notice;
          return setPhase({ kind: 'starting-local-server' });
        }
        if (current.mode === 'local' && current.status === 'failed') return setPhase({ kind: 'local-server-failed', detail: current.detail });
      }
      const me = await api.me();
      if (me.ok) return setPhase({ kind: 'signed-in', operator: me.data });
      const status = await api.authStatus();
      setPhase({
        kind: 'signed-out',
        bootstrapAvailable: status.ok && status.data.bootstrapAvailable,
        notice,
        problem: status.ok ? undefined : status.error.message,
      });
    },
    [api, control],
  );

  // Desktop: the local server becomes ready (go on), fails to start, or stops while in use (say so).
  useEffect(
    () =>
      control?.onChange((next) => {
        setConnection(next);
        if (next.mode !== 'local') return;
        if (next.status === 'failed') return setPhase({ kind: 'local-server-failed', detail: next.detail });
        if (next.status === 'starting') return setPhase({ kind: 'starting-local-server' });
        const notice = pendingNotice.current;
        pendingNotice.current = undefined;
        void start(notice);
      }),
    [control, start],
  );

  useEffect(() => {
    void start();
  }, [start]);

  const signOut = async () => {
    const result = await api.logout();
    await start(result.ok ? 'You are signed out.' : `Signed out on this computer; the server was not told (${result.error.message})`);
  };
  const sessionEnded = useCallback(() => void start(SESSION_ENDED), [start]);
  const connectionButton = control && connection && (
    <Button size="small" onClick={() => setSettingsOpen(true)}>
      Connection settings
    </Button>
  );

  return (
    <Box sx={{ minHeight: '100vh', bgcolor: 'background.default' }}>
      <AppBar position="static" elevation={0}>
        <Toolbar sx={{ gap: 2 }}>
          <Typography component="div" variant="h6" sx={{ flexGrow: 1 }}>
            TenantPilot Console
          </Typography>
          {connection && (
            <Typography variant="body2" data-testid="connection">
              {connection.mode === 'local' ? 'Local server' : new URL(connection.apiUrl).host}
            </Typography>
          )}
          {phase.kind === 'signed-in' && (
            <>
              <Typography variant="body2">{phase.operator.displayName}</Typography>
              <Button color="inherit" variant="outlined" size="small" onClick={() => void signOut()}>
                Sign out
              </Button>
            </>
          )}
        </Toolbar>
      </AppBar>
      <Container maxWidth="lg" component="main" sx={{ py: 3 }}>
        {(phase.kind === 'starting' || phase.kind === 'starting-local-server') && (
          <Box role="status" sx={{ display: 'flex', flexDirection: 'column', alignItems: 'center', gap: 2, mt: 8 }}>
            <CircularProgress aria-hidden="true" />
            <Typography color="text.secondary">
              {phase.kind === 'starting-local-server' ? 'Starting the local server…' : 'Connecting to the TenantPilot API…'}
            </Typography>
          </Box>
        )}
        {phase.kind === 'local-server-failed' && control && (
          <Alert
            severity="error"
            action={
              <>
                <Button color="inherit" size="small" onClick={() => void control.retry()}>
                  Try again
                </Button>
                {connectionButton}
              </>
            }
          >
            The local server is not running: {phase.detail}
          </Alert>
        )}
        {phase.kind === 'signed-out' && (
          <>
            {phase.problem && (
              <Alert
                severity="warning"
                sx={{ maxWidth: 420, mx: 'auto', mb: 2 }}
                action={
                  <Button color="inherit" size="small" onClick={() => void start()}>
                    Try again
                  </Button>
                }
              >
                {phase.problem}
              </Alert>
            )}
            {phase.bootstrapAvailable ? (
              <BootstrapForm
                api={api}
                // The desktop app's embedded server gets its setup code from the main process.
                askSetupCode={connection?.mode !== 'local'}
                onSignedIn={({ operator }) => setPhase({ kind: 'signed-in', operator })}
                footer={connectionButton}
              />
            ) : (
              <LoginForm api={api} notice={phase.notice} onSignedIn={({ operator }) => setPhase({ kind: 'signed-in', operator })} footer={connectionButton} />
            )}
          </>
        )}
        {phase.kind === 'signed-in' && (
          <>
            <KpiPanel api={api} onUnauthorized={sessionEnded} />
            {connectionButton && <Box sx={{ mt: 3 }}>{connectionButton}</Box>}
          </>
        )}
      </Container>
      {settingsOpen && control && connection && (
        <ConnectionSettings
          control={control}
          current={connection}
          onClose={() => setSettingsOpen(false)}
          onChanged={(next) => {
            setSettingsOpen(false);
            setConnection(next);
            void start('Connection changed: sign in to the new server.');
          }}
        />
      )}
    </Box>
  );
}
