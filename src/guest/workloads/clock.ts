/** Wall-clock text from virtual time (UTC, so the output never depends on the host's time zone). */

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** "HH:MM:SS" of a UTC time in ms. */
export function formatClock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const day = ((s % 86400) + 86400) % 86400;
  return `${two(Math.floor(day / 3600))}:${two(Math.floor(day / 60) % 60)}:${two(day % 60)}`;
}

/** date(1)'s default output for a UTC time in ms: "Fri Mar 14 09:26:53 UTC 2025". */
export function formatDate(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${formatClock(ms)} UTC ${d.getUTCFullYear()}`;
}
