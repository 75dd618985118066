import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, FormControlLabel, Radio, RadioGroup, TextField } from '@mui/material';
import { useState } from 'react';
import type { Connection, ConnectionControl } from '../../../console/contract.ts';

/**
 * Desktop only: run against the embedded server on this computer, or point the console at a remote
 * API. A remote address is kept only after its /healthz answers. Changing the connection signs out.
 */
export function ConnectionSettings(props: {
  control: ConnectionControl;
  current: Connection;
  onClose: () => void;
  onChanged: (connection: Connection) => void;
}) {
  const [mode, setMode] = useState<Connection['mode']>(props.current.mode);
  const [apiUrl, setApiUrl] = useState(props.current.mode === 'remote' ? props.current.apiUrl : '');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const save = async () => {
    setBusy(true);
    setError(undefined);
    const result = mode === 'local' ? await props.control.useLocal() : await props.control.useRemote(apiUrl.trim());
    setBusy(false);
    if (result.ok) props.onChanged(result.data);
    else setError(result.error.message);
  };

  return (
    <Dialog open onClose={props.onClose} fullWidth maxWidth="sm" aria-labelledby="connection-title">
      <DialogTitle id="connection-title">Connection</DialogTitle>
      <DialogContent>
        <RadioGroup aria-label="Connection mode" value={mode} onChange={(e) => setMode(e.target.value as Connection['mode'])}>
          <FormControlLabel value="local" control={<Radio />} label="Local: the embedded server and database on this computer" />
          <FormControlLabel value="remote" control={<Radio />} label="Remote: a TenantPilot API server (https)" />
        </RadioGroup>
        {mode === 'remote' && (
          <TextField
            label="API URL"
            placeholder="https://tenantpilot.example.com"
            fullWidth
            margin="normal"
            value={apiUrl}
            onChange={(e) => setApiUrl(e.target.value)}
            helperText="An https:// address (plain http:// only for this computer). Checked with GET /healthz before it is saved; redirects are refused."
          />
        )}
        {error && (
          <Alert severity="error" sx={{ mt: 1 }}>
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button variant="contained" onClick={() => void save()} disabled={busy || (mode === 'remote' && !apiUrl.trim())}>
          {busy ? 'Checking…' : 'Save and reconnect'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
