import { Alert, AlertTitle, Box, Button, Card, CardContent, Grid, Skeleton, Stack, Typography } from '@mui/material';
import { useId, useState } from 'react';
import type { ConsoleApi, SummaryWindow, TelemetrySummary } from '../../../console/contract.ts';
import { ActiveWorkspacesCard, FamilyCard, SkeletonCard } from './FamilyCard.tsx';
import { formatAgo, formatInstant, formatRange } from './format.ts';
import { useNow } from './use-now.ts';
import { useSummary } from './use-summary.ts';
import { TrendChart } from './TrendChart.tsx';
import { WindowSelector } from './WindowSelector.tsx';
import { readWindowPreference, writeWindowPreference } from './window-preference.ts';

const CARD_SLOTS = 6; // five families + active workspaces
const cell = { xs: 12, sm: 6, md: 4, lg: 2 } as const;

/**
 * The product telemetry KPI panel (FR-243-008/010): read-only aggregates for the selected window.
 * Every state is explicit — loading, populated, an empty window, and an error that hides numbers it
 * can no longer vouch for.
 */
export function KpiPanel({ api, onUnauthorized }: { api: ConsoleApi; onUnauthorized: () => void }) {
  const [timeWindow, setTimeWindow] = useState<SummaryWindow>(() => readWindowPreference());
  const { state, retry } = useSummary(api, timeWindow, { onUnauthorized });
  const now = useNow();
  const headingId = useId();

  const choose = (next: SummaryWindow) => {
    writeWindowPreference(next);
    setTimeWindow(next);
  };

  return (
    <Box component="section" aria-labelledby={headingId}>
      <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2} sx={{ mb: 2, alignItems: { sm: 'center' }, justifyContent: 'space-between' }}>
        <div>
          <Typography id={headingId} component="h2" variant="h5">
            Product telemetry
          </Typography>
          <Typography variant="body2" color="text.secondary" data-testid="window-range">
            {state.status === 'ready' ? formatRange(state.data.from, state.data.to) : '\u00a0'}
          </Typography>
        </div>
        <Stack spacing={0.5} sx={{ alignItems: { sm: 'flex-end' } }}>
          <WindowSelector value={timeWindow} onChange={choose} />
          {/* Not a live region: it changes every second and would keep interrupting a screen reader. */}
          <Typography variant="caption" color="text.secondary" data-testid="updated-ago">
            {state.status === 'ready' ? `updated ${formatAgo(now - state.fetchedAt)}` : state.status === 'loading' ? 'loading…' : 'not updated'}
          </Typography>
        </Stack>
      </Stack>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <LoadError message={state.error.message} lastSuccessAt={state.lastSuccessAt} now={now} onRetry={retry} />}
      {state.status === 'ready' && (
        // Freshness on the server's clock (the window ends at its "now"), so a console whose clock is
        // off — common against a remote API — still tells how long ago the last signal was.
        <Populated summary={state.data} now={Date.parse(state.data.to) + (now - state.fetchedAt)} />
      )}
    </Box>
  );
}

function Loading() {
  return (
    <Box role="status" aria-busy="true" aria-label="Loading usage summary">
      <Grid container spacing={2}>
        {Array.from({ length: CARD_SLOTS }, (_, i) => (
          <Grid key={i} size={cell}>
            <SkeletonCard />
          </Grid>
        ))}
      </Grid>
      <Card variant="outlined" aria-hidden="true" sx={{ mt: 2 }}>
        <CardContent>
          <Skeleton variant="text" width="20%" />
          <Skeleton variant="rectangular" height={280} />
        </CardContent>
      </Card>
    </Box>
  );
}

function LoadError(props: { message: string; lastSuccessAt?: number; now: number; onRetry: () => void }) {
  return (
    <Alert
      severity="error"
      action={
        <Button color="inherit" size="small" onClick={props.onRetry}>
          Retry
        </Button>
      }
    >
      <AlertTitle>The usage summary could not be loaded</AlertTitle>
      {props.message}
      {props.lastSuccessAt !== undefined && (
        <Typography variant="body2" sx={{ mt: 1 }}>
          Last successful update {formatAgo(props.now - props.lastSuccessAt)} ({formatInstant(props.lastSuccessAt)}). Those numbers are not
          shown because they may no longer be current.
        </Typography>
      )}
    </Alert>
  );
}

function Populated({ summary, now }: { summary: TelemetrySummary; now: number }) {
  return (
    <Stack spacing={2}>
      {summary.isEmpty && (
        <Alert severity="info" variant="outlined">
          <AlertTitle>No usage was recorded in this window</AlertTitle>
          Nobody completed an onboarding checkpoint, opened support diagnostics, started an operation, created a stored report or
          requested a review pack between {formatInstant(summary.from)} and {formatInstant(summary.to)}. An empty window is no sign that
          all is well: there is simply no signal to judge adoption by.
        </Alert>
      )}
      <Grid container spacing={2}>
        {summary.families.map((family, index) => (
          <Grid key={family.event} size={cell}>
            <FamilyCard family={family} index={index} now={now} window={summary.window} totalWorkspaces={summary.totalWorkspaces} />
          </Grid>
        ))}
        <Grid size={cell}>
          <ActiveWorkspacesCard count={summary.activeWorkspaces} previous={summary.previousActiveWorkspaces} total={summary.totalWorkspaces} window={summary.window} />
        </Grid>
      </Grid>
      <TrendChart summary={summary} />
    </Stack>
  );
}
