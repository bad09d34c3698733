/**
 * `vfio-display conformance`: the conformance suite against the model (all three drivers by default) or a
 * real mdev through the native backend (--device). Prints a report (or JSON); a failure exits non-zero.
 */
import { Command, Option } from "commander";
import { formatReport, formatReportsJson, modelTarget, runSuite, type DriverName, type SuiteReport } from "../conformance/index.ts";
import { UsageError } from "./usage-error.ts";

const DRIVERS: readonly DriverName[] = ["mbochs", "mdpy", "gvt"];

export class ConformanceFailure extends Error {
  override readonly name = "ConformanceFailure";
}

interface ConformanceOptions {
  driver?: string[];
  device?: string;
  method?: "legacy" | "iommufd";
  quirks: boolean;
  json: boolean;
  only?: string[];
}

export async function runConformance(opts: ConformanceOptions): Promise<SuiteReport[]> {
  const only = opts.only && opts.only.length > 0 ? opts.only : undefined;
  if (opts.device) {
    if (opts.driver) throw new UsageError("--driver applies to the model; a --device names its own driver");
    // Loaded only here: the native backend binds libc through koffi on first use.
    const { nativeTarget } = await import("../conformance/native-target.ts");
    return [runSuite(nativeTarget(opts.device, opts.method), { only })];
  }
  const drivers = (opts.driver ?? [...DRIVERS]) as DriverName[];
  for (const d of drivers) {
    if (!DRIVERS.includes(d)) throw new UsageError(`unknown driver "${d}" (one of: ${DRIVERS.join(", ")})`);
  }
  return drivers.map((d) => runSuite(modelTarget(d, { quirks: opts.quirks }), { only }));
}

export function registerConformance(program: Command, out: (s: string) => unknown): void {
  program
    .command("conformance")
    .description("run the VFIO display conformance suite against the model (default: every driver) or a real mdev")
    .addOption(new Option("--driver <name...>", "model drivers to check").choices([...DRIVERS]))
    .option("--device <path>", "a real mdev: /sys/bus/mdev/devices/<uuid> or its UUID (native backend)")
    .addOption(new Option("--method <how>", "how to open a real mdev (default: iommufd cdev where present, else legacy group)").choices(["legacy", "iommufd"]))
    .option("--no-quirks", "model: the documented behaviour instead of the real kernel's bugs")
    .option("--only <prefix...>", "only the checks whose id starts with one of these")
    .option("--json", "print the reports as JSON", false)
    .action(async (opts: ConformanceOptions) => {
      const reports = await runConformance(opts);
      out(opts.json ? formatReportsJson(reports) + "\n" : reports.map(formatReport).join("\n\n") + "\n");
      const failed = reports.filter((r) => !r.ok);
      if (failed.length > 0) {
        const n = failed.reduce((sum, r) => sum + r.summary.failed + r.summary.errors, 0);
        throw new ConformanceFailure(`conformance: ${n} check${n === 1 ? "" : "s"} failed`);
      }
    });
}
