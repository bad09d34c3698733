/**
 * A fuzz target: a fast-check property over one input boundary (RFB client bytes, WebSocket frames, ioctl
 * arguments, guest register programs), set up fresh for a run. The tests run every target with 10,000 cases
 * and a fixed seed; `npm run fuzz` (test/fuzz/run.ts) runs them with a million or more and fresh seeds.
 */
import fc from "fast-check";
import { setMemoryChecks } from "../../src/kernel/memory-checks.ts";

export interface FuzzSession {
  /** one case per run; a failed assertion or any exception is a finding */
  property: fc.IRawProperty<any, boolean>;
  /** after the runs (also after a failure): coverage floors (the property must have exercised what it claims), cleanup */
  finish?(): Promise<void> | void;
}

export interface FuzzTarget {
  /** short, for the command line: rfb-client-messages, ioctl-mbochs, ... */
  readonly name: string;
  /** what is fed in and what is checked, one line (printed by `npm run fuzz --list`) */
  readonly summary: string;
  /** run with the checked-memory debug mode on (guest memory and mappings fault past their ends) */
  readonly checkedMemory?: boolean;
  setup(): Promise<FuzzSession> | FuzzSession;
}

export interface FuzzOutcome {
  target: string;
  runs: number;
  seed: number;
  ms: number;
  casesPerSecond: number;
  /** fast-check's report (counterexample, seed and path to replay) when a case failed */
  failure?: string;
}

export interface FuzzRunOptions {
  numRuns: number;
  seed: number;
  /** replay one failing case: the path fast-check printed */
  path?: string;
}

/** Run `numRuns` cases of a target; never throws for a finding, it is returned as `failure`. */
export async function runFuzzTarget(target: FuzzTarget, options: FuzzRunOptions): Promise<FuzzOutcome> {
  if (target.checkedMemory) setMemoryChecks(true);
  const t0 = performance.now();
  let failure: string | undefined;
  let runs = 0;
  try {
    const session = await target.setup();
    try {
      const params: fc.Parameters<unknown> = { numRuns: options.numRuns, seed: options.seed, includeErrorInReport: true, ...(options.path ? { path: options.path } : {}) };
      const details = await fc.check(session.property, params);
      runs = details.numRuns;
      if (details.failed) failure = fc.defaultReportMessage(details) ?? "failed";
    } finally {
      await session.finish?.();
    }
  } catch (e) {
    failure ??= `${target.name}: ${(e as Error).stack ?? String(e)}`;
  } finally {
    if (target.checkedMemory) setMemoryChecks(false);
  }
  const ms = performance.now() - t0;
  return { target: target.name, runs, seed: options.seed, ms, casesPerSecond: runs / (ms / 1000), ...(failure ? { failure } : {}) };
}
