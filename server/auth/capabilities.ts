/** Admin-plane capabilities granted per workspace membership. */
export const CAPABILITIES = [
  'onboarding.manage',
  'support.diagnostics.open',
  'operations.start',
  'reports.create',
  'review_packs.generate',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** System-plane permissions. */
export const SYSTEM_PERMISSIONS = ['system.dashboard.view'] as const;
export type SystemPermission = (typeof SYSTEM_PERMISSIONS)[number];
