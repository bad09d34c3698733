/** The vfio-display command line. Thin: it parses, validates and wires the halves together. */
import { Command, CommanderError, Option } from "commander";
import { formatDemoReport, runDemo } from "./demo.ts";
import { registerConformance } from "./conformance.ts";
import { registerServe } from "./serve.ts";
import { registerDeviceCommands } from "./device-commands.ts";
import { registerBench } from "./bench.ts";
import { UsageError, parseIntOption } from "./usage-error.ts";

export function buildProgram(out: (s: string) => unknown, err: (s: string) => unknown = (s) => process.stderr.write(s)): Command {
  const program = new Command("vfio-display")
    .description("The Linux VFIO mediated-device display stack: a host-kernel model, vendor drivers, and consumers.")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: out, outputError: () => {} })
    .showHelpAfterError(false);

  program
    .command("demo")
    .description("create a bochs vGPU on the model, let the guest set a mode, and show what the host sees")
    .addOption(new Option("--type <type>", "mbochs type").default("mbochs-medium"))
    .addOption(new Option("--width <px>", "guest mode width").default(1024).argParser(parseIntOption("--width", 64, 0xffff)))
    .addOption(new Option("--height <px>", "guest mode height").default(768).argParser(parseIntOption("--height", 64, 0xffff)))
    .option("--quirks", "reproduce the real mbochs's observable bugs", false)
    .option("--json", "print the report as JSON", false)
    .action((opts: { type: string; width: number; height: number; quirks: boolean; json: boolean }) => {
      const report = runDemo(opts);
      out(opts.json ? JSON.stringify(report, null, 2) + "\n" : formatDemoReport(report) + "\n");
    });
  registerConformance(program, out);
  registerServe(program, out, err);
  registerDeviceCommands(program, out, err);
  registerBench(program, err);
  return program;
}

/** Run the CLI; returns the process exit code (0 ok, 1 failure, 2 usage error). */
export async function main(
  argv: string[],
  out: (s: string) => unknown = (s) => process.stdout.write(s),
  err: (s: string) => unknown = (s) => process.stderr.write(s),
): Promise<number> {
  const program = buildProgram(out, err);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
      // a mistyped --some-secret=VALUE must not echo VALUE into a terminal log
      err(`vfio-display: ${e.message.replace(/^error: /, "").replace(/(unknown option '[^'=]*)=[^']*'/, "$1=…'")}\n`);
      return 2;
    }
    if (e instanceof UsageError) {
      err(`vfio-display: ${e.message}\n`);
      return 2;
    }
    err(`vfio-display: ${(e as Error).message}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
