/** Pacing of the benches that play frames at 60 Hz. */

/**
 * Resolves once performance.now() has reached `slot` (a time in its clock). Sleeps to about a millisecond
 * before it and re-checks, as timers may fire early or late by that much.
 */
export async function untilSlot(slot: number): Promise<void> {
  while (performance.now() < slot) await new Promise((r) => setTimeout(r, Math.max(0, slot - performance.now() - 1)));
}
