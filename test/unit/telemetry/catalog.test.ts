import { describe, expect, it } from 'vitest';
import { CATALOG, EVENT_NAMES, isEventName } from '../../../server/telemetry/catalog.ts';

/** DESIGN.md Part 1, "The event catalog": the public contract, row by row, in dashboard order. */
const CONTRACT = [
  { event: 'onboarding.checkpoint_completed', featureArea: 'onboarding', label: 'Onboarding checkpoints', subjectTypes: ['onboarding_session'] },
  { event: 'support.diagnostics_opened', featureArea: 'support', label: 'Support diagnostics', subjectTypes: ['tenant', 'operation_run'] },
  { event: 'operation.started', featureArea: 'operations', label: 'Operations started', subjectTypes: ['operation_run'] },
  { event: 'stored_report.created', featureArea: 'reports', label: 'Stored reports', subjectTypes: ['stored_report'] },
  { event: 'review_pack.generation_requested', featureArea: 'review_packs', label: 'Review packs requested', subjectTypes: ['review_pack'] },
];

describe('the telemetry event catalog', () => {
  it('holds exactly the five v1 events, in the order of the dashboard families', () => {
    expect(EVENT_NAMES).toEqual(CONTRACT.map((c) => c.event));
  });

  it.each(CONTRACT)('gives $event the feature area, family label and subject types of the contract', (row) => {
    const entry = CATALOG[row.event as keyof typeof CATALOG];
    expect({ featureArea: entry.featureArea, label: entry.label, subjectTypes: [...entry.subjectTypes] }).toEqual({
      featureArea: row.featureArea,
      label: row.label,
      subjectTypes: row.subjectTypes,
    });
    expect(entry.description).toMatch(/^[A-Z].+\.$/);
  });

  it.each(EVENT_NAMES)('closes the metadata schema of %s: an unknown key is refused', (event) => {
    const result = CATALOG[event].metadata.safeParse({ note: 'x' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
  });

  it('accepts exactly the documented safe keys for each event', () => {
    const keys = Object.fromEntries(EVENT_NAMES.map((e) => [e, Object.keys(CATALOG[e].metadata.shape).sort()]));
    expect(keys).toEqual({
      'onboarding.checkpoint_completed': ['checkpoint'],
      'support.diagnostics_opened': ['entry_point', 'has_operation_context'],
      'operation.started': ['operation_type'],
      'stored_report.created': ['report_type'],
      'review_pack.generation_requested': [],
    });
  });

  it('knows its own names and nothing else, including inherited object keys', () => {
    for (const e of EVENT_NAMES) expect(isEventName(e)).toBe(true);
    for (const other of ['page.viewed', 'toString', '__proto__', 'constructor', '', 'operation.Started']) {
      expect(isEventName(other)).toBe(false);
    }
  });
});
