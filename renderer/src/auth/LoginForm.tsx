import { Button, TextField } from '@mui/material';
import { useState, type ReactNode } from 'react';
import type { ConsoleApi, SignedIn } from '../../../console/contract.ts';
import { AuthCard } from './AuthCard.tsx';

/**
 * Sign-in for system operators. Errors stay inline and say what happened: wrong credentials,
 * throttling (with the server's wait time), or an API that does not answer.
 */
export function LoginForm(props: { api: ConsoleApi; onSignedIn: (session: SignedIn) => void; notice?: string; footer?: ReactNode }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    const result = await props.api.login({ email, password });
    setBusy(false);
    if (result.ok) return props.onSignedIn(result.data);
    setPassword('');
    setError(result.error.message);
  };

  return (
    <AuthCard title="Sign in to TenantPilot Console" error={error} notice={props.notice} onSubmit={() => void submit()} footer={props.footer}>
      <TextField label="E-mail" type="email" autoComplete="username" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <Button type="submit" variant="contained" disabled={busy || !email || !password}>
        {busy ? 'Signing in…' : 'Sign in'}
      </Button>
    </AuthCard>
  );
}
