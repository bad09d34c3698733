/** Poll a condition until it holds or a deadline passes: end-to-end tests wait on observed state, never on fixed sleeps. */
import { setTimeout as sleep } from "node:timers/promises";

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Resolve with the first truthy value `probe` returns (it may be async). On timeout, reject with `what` and
 * the last value or error the probe gave, so a failure says what was seen instead of only "timed out".
 */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const interval = options.intervalMs ?? 50;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      const seen = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${options.timeoutMs ?? 10_000} ms waiting for ${what} (last: ${seen})`);
    }
    await sleep(interval);
  }
}
