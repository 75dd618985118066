import { ToggleButton, ToggleButtonGroup } from '@mui/material';
import type { SummaryWindow } from '../../../console/contract.ts';
import { WINDOW_LABELS, WINDOWS } from './window-preference.ts';

export function WindowSelector({ value, onChange }: { value: SummaryWindow; onChange: (window: SummaryWindow) => void }) {
  return (
    <ToggleButtonGroup
      exclusive
      size="small"
      color="primary"
      aria-label="Time window"
      value={value}
      onChange={(_event, next: SummaryWindow | null) => next && onChange(next)}
    >
      {WINDOWS.map((w) => (
        <ToggleButton key={w} value={w} sx={{ textTransform: 'none', px: 1.5 }}>
          {WINDOW_LABELS[w]}
        </ToggleButton>
      ))}
    </ToggleButtonGroup>
  );
}
