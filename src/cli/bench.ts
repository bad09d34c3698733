/** `vfio-display bench`: runs the project's benchmarks (bench/run.ts) in a child Node with --expose-gc. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";

const RUN = fileURLToPath(new URL("../../bench/run.ts", import.meta.url));

export function registerBench(program: Command, err: (s: string) => unknown): void {
  program
    .command("bench")
    .description("run the benchmarks (bench/run.ts): ioctl, consumer, encoders, VNC server; minutes in full, seconds with --quick")
    .option("--quick", "a short run (what the test suite uses)", false)
    .option("--json", "print results as JSON", false)
    .action(async (opts: { quick: boolean; json: boolean }) => {
      const args = ["--expose-gc", "--import", "tsx", RUN, ...(opts.quick ? ["--quick"] : []), ...(opts.json ? ["--json"] : [])];
      if (!opts.json) err(`… running bench/run.ts${opts.quick ? " --quick" : ""} (results are printed as each part finishes)\n`);
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, args, { stdio: "inherit" });
        child.on("error", reject);
        child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0)));
      });
      if (code !== 0) throw new Error(`bench/run.ts exited with code ${code}`);
    });
}
