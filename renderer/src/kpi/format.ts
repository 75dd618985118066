/** "42 s ago", "5 min ago", "3 h ago", "4 d ago": freshness at a glance. */
export function formatAgo(elapsedMs: number): string {
  const s = Math.max(0, Math.floor(elapsedMs / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A window's bounds in the user's locale and time zone. */
export function formatRange(from: string, to: string): string {
  return `${dateTime.format(new Date(from))} – ${dateTime.format(new Date(to))}`;
}

export function formatInstant(iso: string | number): string {
  return dateTime.format(new Date(iso));
}
