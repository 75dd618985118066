import { Button, TextField } from '@mui/material';
import { useState, type ReactNode } from 'react';
import type { ConsoleApi, SignedIn } from '../../../console/contract.ts';
import { AuthCard } from './AuthCard.tsx';
import { takeSetupCodeFromUrl } from './setup-fragment.ts';

/**
 * First run on a server with no system user: create the first operator (and sign in as it). The
 * server enforces the password rules, the setup code it printed at start, and that this happens only
 * once. `askSetupCode: false` where the caller supplies the code itself (the desktop app's embedded
 * server); otherwise the field starts with the code of a `#setup=<code>` link.
 */
export function BootstrapForm(props: { api: ConsoleApi; onSignedIn: (session: SignedIn) => void; footer?: ReactNode; askSetupCode?: boolean }) {
  const askSetupCode = props.askSetupCode ?? true;
  const [setupCode, setSetupCode] = useState(() => (askSetupCode ? (takeSetupCodeFromUrl() ?? '') : ''));
  const [email, setEmail] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const mismatch = confirm !== '' && confirm !== password;

  const submit = async () => {
    if (mismatch) return;
    setBusy(true);
    setError(undefined);
    const result = await props.api.bootstrap(askSetupCode ? { email, displayName, password, setupCode } : { email, displayName, password });
    setBusy(false);
    if (result.ok) return props.onSignedIn(result.data);
    setError(result.error.message);
  };

  return (
    <AuthCard
      title="Create the first operator"
      intro="This server has no operator yet. The account you create here can sign in to the console and see the usage summary."
      error={error}
      onSubmit={() => void submit()}
      footer={props.footer}
    >
      {askSetupCode && (
        <TextField
          label="Setup code"
          required
          autoComplete="off"
          spellCheck={false}
          value={setupCode}
          helperText="Printed by the server when it started (tenantpilot serve)"
          onChange={(e) => setSetupCode(e.target.value)}
        />
      )}
      <TextField label="E-mail" type="email" autoComplete="username" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
      <TextField label="Display name" required value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      <TextField
        label="Password"
        type="password"
        autoComplete="new-password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <TextField
        label="Confirm password"
        type="password"
        autoComplete="new-password"
        required
        value={confirm}
        error={mismatch}
        helperText={mismatch ? 'The passwords do not match' : ' '}
        onChange={(e) => setConfirm(e.target.value)}
      />
      <Button type="submit" variant="contained" disabled={busy || mismatch || (askSetupCode && !setupCode.trim()) || !email || !displayName || !password || !confirm}>
        {busy ? 'Creating…' : 'Create operator'}
      </Button>
    </AuthCard>
  );
}
