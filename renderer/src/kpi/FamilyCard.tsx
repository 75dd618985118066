import { Card, CardContent, Skeleton, Typography } from '@mui/material';
import { SparkLineChart } from '@mui/x-charts/SparkLineChart';
import { useId, type ReactNode } from 'react';
import type { FamilySummary, TelemetrySummary } from '../../../console/contract.ts';
import { formatAgo } from './format.ts';

/** One card: a heading that names it (so assistive tech and tests find it by role), a number, a caption. */
function KpiCard(props: { title: string; count: number; caption: string; children?: ReactNode }) {
  const id = useId();
  return (
    <Card component="section" variant="outlined" aria-labelledby={id} sx={{ height: '100%' }}>
      <CardContent>
        <Typography id={id} component="h3" variant="subtitle2" color="text.secondary">
          {props.title}
        </Typography>
        <Typography component="p" variant="h4" data-testid="kpi-count" sx={{ my: 0.5 }}>
          {props.count.toLocaleString()}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {props.caption}
        </Typography>
        {props.children}
      </CardContent>
    </Card>
  );
}

export function FamilyCard({ family, now, trendBucket }: { family: FamilySummary; now: number; trendBucket?: TelemetrySummary['trendBucket'] }) {
  const caption = family.lastOccurredAt
    ? `last signal ${formatAgo(now - new Date(family.lastOccurredAt).getTime())}`
    : 'no signal in this window';
  // `trend` is newer than the rest of the summary; an API without it simply gets no sparkline.
  const trend = family.trend;
  return (
    <KpiCard title={family.label} count={family.count} caption={caption}>
      {trend && trend.length > 1 && (
        <SparkLineChart
          data={trend}
          height={40}
          area
          curve="linear"
          // From zero, so a steady 60 a day does not look like a swing between 58 and 62.
          yAxis={{ min: 0 }}
          color="#1565c0"
          aria-label={`${trendBucket === 'hour' ? 'Hourly' : 'Daily'} trend of ${family.label} (UTC)`}
          sx={{ mt: 1 }}
        />
      )}
    </KpiCard>
  );
}

export function ActiveWorkspacesCard({ count }: { count: number }) {
  return <KpiCard title="Active workspaces" count={count} caption="workspaces with at least one signal in this window" />;
}

export function SkeletonCard() {
  return (
    <Card variant="outlined" aria-hidden="true" sx={{ height: '100%' }}>
      <CardContent>
        <Skeleton variant="text" width="60%" />
        <Skeleton variant="text" width="30%" sx={{ fontSize: '2.125rem' }} />
        <Skeleton variant="text" width="50%" />
        <Skeleton variant="rectangular" height={40} sx={{ mt: 1 }} />
      </CardContent>
    </Card>
  );
}
