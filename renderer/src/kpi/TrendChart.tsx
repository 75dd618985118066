import { Box, Button, Card, CardContent, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';
import { LineChart, lineClasses } from '@mui/x-charts/LineChart';
import type { LineSeries } from '@mui/x-charts/LineChart';
import { useId, useState } from 'react';
import type { TelemetrySummary } from '../../../console/contract.ts';
import { formatBucket, formatTick, partialNote, trendBuckets } from './trend-data.ts';

/** Okabe–Ito colours (told apart with colour-vision deficiencies), and a mark shape per family. */
export const FAMILY_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9'];
const SHAPES = ['circle', 'square', 'diamond', 'triangle', 'star'] as const;
/** Up to this many buckets each point gets a mark (its shape tells the family apart); beyond, lines only. */
const MARKS_UP_TO = 31;

/**
 * The five families over the window on one scale, per UTC hour (24h) or day. The buckets the window
 * covers only in part — the current one, still filling up, and a first one cut at the window's start
 * — are drawn dashed and labelled "so far" / "partial", so they cannot be read as a drop. The same
 * numbers are available as a table (for screen readers and keyboard users).
 */
export function TrendChart({ summary }: { summary: TelemetrySummary }) {
  const headingId = useId();
  const tableId = useId();
  const [showTable, setShowTable] = useState(false);
  const length = summary.families[0]?.trend?.length ?? 0;
  if (length < 2 || summary.families.some((f) => !f.trend)) return null; // an API without trends: nothing to draw
  const buckets = trendBuckets(summary, length);
  const unit = summary.trendBucket === 'hour' ? 'hour' : 'day';
  const partialIdx = buckets.flatMap((b, i) => (b.partial ? [i] : []));
  const nearPartial = new Set(partialIdx.flatMap((i) => [i, buckets[i]!.partial === 'end' ? i - 1 : i + 1]));

  const series: LineSeries[] = summary.families.flatMap((f, k) => [
    {
      id: `f${k}`,
      type: 'line',
      label: f.label,
      color: FAMILY_COLORS[k],
      shape: SHAPES[k],
      curve: 'linear',
      showMark: length <= MARKS_UP_TO,
      data: f.trend.map((v, i) => (buckets[i]!.partial ? null : v)),
      valueFormatter: (v) => (v === null ? null : v.toLocaleString()),
    },
    {
      // the dashed segments into the partial buckets: in the tooltip only at those buckets, never in the legend
      id: `f${k}-partial`,
      type: 'line',
      label: ((location: 'tooltip' | 'legend') => (location === 'legend' ? undefined : f.label)) as (location: 'tooltip' | 'legend') => string,
      color: FAMILY_COLORS[k],
      shape: SHAPES[k],
      curve: 'linear',
      showMark: ({ index }) => buckets[index]!.partial !== null && length <= MARKS_UP_TO,
      data: f.trend.map((v, i) => (nearPartial.has(i) ? v : null)),
      valueFormatter: (v, { dataIndex }) =>
        v === null || !buckets[dataIndex]!.partial ? null : `${v.toLocaleString()} ${partialNote(buckets[dataIndex]!.partial, summary)}`,
    },
  ]);

  return (
    <Card component="section" variant="outlined" aria-labelledby={headingId}>
      <CardContent sx={{ pb: 1 }}>
        <Box sx={{ display: 'flex', flexWrap: 'wrap', alignItems: 'baseline', justifyContent: 'space-between', gap: 1 }}>
          <Typography id={headingId} component="h3" variant="subtitle1">
            Events per {unit}, UTC
          </Typography>
          <Typography variant="caption" color="text.secondary" data-testid="partial-legend">
            {partialIdx.length > 0 && (
              <>
                <Box component="svg" width={28} height={8} aria-hidden="true" sx={{ mr: 0.5, verticalAlign: 'middle' }}>
                  <line x1="0" y1="4" x2="28" y2="4" stroke="currentColor" strokeWidth="2" strokeDasharray="5 4" />
                </Box>
                dashed: {buckets.at(-1)!.partial === 'end' ? `the current ${unit}, so far` : ''}
                {buckets.at(-1)!.partial === 'end' && buckets[0]!.partial === 'start' ? ' and ' : ''}
                {buckets[0]!.partial === 'start' ? `the window's first ${unit}, in part` : ''}
              </>
            )}
          </Typography>
        </Box>
        <Box role="figure" aria-label={`Line chart: each family's events per ${unit} (UTC) over the window; the numbers are in the table below.`}>
          <LineChart
            height={280}
            series={series}
            xAxis={[
              {
                scaleType: 'point',
                data: buckets.map((b) => b.start),
                valueFormatter: (value: Date, context) =>
                  context.location === 'tick' ? formatTick(value, summary.trendBucket) : `${unit === 'hour' ? 'Hour' : 'Day'} from ${formatBucket(value, summary.trendBucket)}`,
              },
            ]}
            // from zero, whole events; an all-zero window still gets a scale up to 1
            yAxis={[{ label: `events per ${unit}`, min: 0, max: summary.isEmpty ? 1 : undefined, tickMinStep: 1, width: 56 }]}
            grid={{ horizontal: true }}
            margin={{ right: 28 }}
            slotProps={{ legend: { direction: 'horizontal', position: { vertical: 'top', horizontal: 'start' } } }}
            sx={{ [`& .${lineClasses.line}[data-series$="-partial"]`]: { strokeDasharray: '5 4' } }}
          />
        </Box>
        <Button size="small" aria-expanded={showTable} aria-controls={tableId} onClick={() => setShowTable((v) => !v)}>
          {showTable ? 'Hide the numbers' : 'Show the numbers as a table'}
        </Button>
        <Box id={tableId} hidden={!showTable}>
          {showTable && <TrendTable summary={summary} buckets={buckets} />}
        </Box>
      </CardContent>
    </Card>
  );
}

function TrendTable({ summary, buckets }: { summary: TelemetrySummary; buckets: ReturnType<typeof trendBuckets> }) {
  const unit = summary.trendBucket === 'hour' ? 'Hour' : 'Day';
  return (
    <TableContainer sx={{ maxHeight: 360 }} tabIndex={0} aria-label="Events per bucket">
      <Table size="small" stickyHeader>
        <caption>
          Events per {unit.toLowerCase()} (UTC) in the window, per family. A bucket marked &quot;so far&quot; is still filling up; one marked
          &quot;partial&quot; starts before the window does.
        </caption>
        <TableHead>
          <TableRow>
            <TableCell component="th" scope="col">
              {unit} (UTC)
            </TableCell>
            {summary.families.map((f) => (
              <TableCell key={f.event} component="th" scope="col" align="right">
                {f.label}
              </TableCell>
            ))}
          </TableRow>
        </TableHead>
        <TableBody>
          {buckets.map((b, i) => (
            <TableRow key={b.start.getTime()} data-testid="trend-row">
              <TableCell component="th" scope="row">
                {formatBucket(b.start, summary.trendBucket)}
                {b.partial && ` — ${partialNote(b.partial, summary)}`}
              </TableCell>
              {summary.families.map((f) => (
                <TableCell key={f.event} align="right">
                  {f.trend[i]!.toLocaleString()}
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
