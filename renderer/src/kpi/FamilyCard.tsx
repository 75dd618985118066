import { Box, Card, CardContent, Skeleton, Typography } from '@mui/material';
import { useId, type ReactNode } from 'react';
import type { FamilySummary, SummaryWindow } from '../../../console/contract.ts';
import { describeBreadth, describeChange, type Change } from './change.ts';
import { formatAgo } from './format.ts';
import { FAMILY_COLORS } from './TrendChart.tsx';

/** Arrow and colour per direction; the words and the sign carry the meaning, colour only helps. */
const CHANGE_LOOK: Record<Change['direction'], { arrow: string; color: string }> = {
  up: { arrow: '\u25B2', color: 'success.main' },
  down: { arrow: '\u25BC', color: 'error.main' },
  same: { arrow: '\u25B6', color: 'text.secondary' },
  new: { arrow: '\u2605', color: 'info.main' },
};

function ChangeLine({ change }: { change: Change }) {
  const look = CHANGE_LOOK[change.direction];
  return (
    <Typography variant="body2" sx={{ color: look.color, fontWeight: 500 }} data-testid="kpi-change" data-direction={change.direction}>
      <span aria-hidden="true">{look.arrow} </span>
      {change.text}
    </Typography>
  );
}

/** One card: a heading that names it (so assistive tech and tests find it by role), a number, captions. */
function KpiCard(props: { title: string; count: number; color?: string; children?: ReactNode }) {
  const id = useId();
  return (
    <Card component="section" variant="outlined" aria-labelledby={id} sx={{ height: '100%', borderTop: props.color ? `3px solid ${props.color}` : undefined }}>
      <CardContent sx={{ p: 1.5, '&:last-child': { pb: 1.5 } }}>
        <Typography id={id} component="h3" variant="subtitle2" color="text.secondary" sx={{ lineHeight: 1.3 }}>
          {props.title}
        </Typography>
        <Typography component="p" variant="h4" data-testid="kpi-count" sx={{ my: 0.5 }}>
          {props.count.toLocaleString()}
        </Typography>
        <Box sx={{ display: 'grid', gap: 0.25 }}>{props.children}</Box>
      </CardContent>
    </Card>
  );
}

export function FamilyCard(props: { family: FamilySummary; index: number; now: number; window: SummaryWindow; totalWorkspaces: number }) {
  const { family } = props;
  const caption = family.lastOccurredAt ? `last signal ${formatAgo(props.now - new Date(family.lastOccurredAt).getTime())}` : 'no signal in this window';
  return (
    <KpiCard title={family.label} count={family.count} color={FAMILY_COLORS[props.index]}>
      <ChangeLine change={describeChange(family.count, family.previousCount, props.window)} />
      <Typography variant="body2" data-testid="kpi-breadth">
        {describeBreadth(family.activeWorkspaces, props.totalWorkspaces)}
      </Typography>
      <Typography variant="caption" color="text.secondary" data-testid="kpi-last">
        {caption}
      </Typography>
    </KpiCard>
  );
}

export function ActiveWorkspacesCard(props: { count: number; previous: number; total: number; window: SummaryWindow }) {
  return (
    <KpiCard title="Active workspaces" count={props.count}>
      <ChangeLine change={describeChange(props.count, props.previous, props.window)} />
      <Typography variant="body2" data-testid="kpi-breadth">
        of {props.total.toLocaleString()} workspace{props.total === 1 ? '' : 's'}
      </Typography>
      <Typography variant="caption" color="text.secondary">
        with at least one signal in this window
      </Typography>
    </KpiCard>
  );
}

export function SkeletonCard() {
  return (
    <Card variant="outlined" aria-hidden="true" sx={{ height: '100%' }}>
      <CardContent>
        <Skeleton variant="text" width="60%" />
        <Skeleton variant="text" width="30%" sx={{ fontSize: '2.125rem' }} />
        <Skeleton variant="text" width="80%" />
        <Skeleton variant="text" width="70%" />
        <Skeleton variant="text" width="50%" />
      </CardContent>
    </Card>
  );
}
