import { Alert, Box, Card, CardContent, Typography } from '@mui/material';
import type { FormEvent, ReactNode } from 'react';

/** The frame shared by sign-in and first-operator forms: a heading, an inline error, the fields. */
export function AuthCard(props: {
  title: string;
  intro?: ReactNode;
  error?: string;
  notice?: string;
  onSubmit: () => void;
  children: ReactNode;
  footer?: ReactNode;
}) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onSubmit();
  };
  return (
    <Box sx={{ display: 'flex', justifyContent: 'center', mt: { xs: 2, sm: 8 } }}>
      <Card variant="outlined" sx={{ width: '100%', maxWidth: 420 }}>
        <CardContent>
          <Typography component="h1" variant="h5" gutterBottom>
            {props.title}
          </Typography>
          {props.intro && (
            <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
              {props.intro}
            </Typography>
          )}
          {props.notice && (
            <Alert severity="info" sx={{ mb: 2 }}>
              {props.notice}
            </Alert>
          )}
          {props.error && (
            <Alert severity="error" sx={{ mb: 2 }}>
              {props.error}
            </Alert>
          )}
          <Box component="form" noValidate onSubmit={submit} sx={{ display: 'grid', gap: 2 }}>
            {props.children}
          </Box>
          {props.footer && <Box sx={{ mt: 2 }}>{props.footer}</Box>}
        </CardContent>
      </Card>
    </Box>
  );
}
