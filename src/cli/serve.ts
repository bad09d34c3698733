/**
 * `vfio-display serve`: the demo (a GVT-g desktop and a bochs text console) or the devices a config file
 * names, each with a VNC server, plus the web console. Prints where everything is; Ctrl-C (SIGINT) or
 * SIGTERM stops it all and exits 0.
 */
import { Option, type Command } from "commander";
import pino from "pino";
import type { Logger } from "../rfb/logger.ts";
import { silentLogger } from "../rfb/logger.ts";
import { demoConfig, loadConfigFile, type ServeConfig } from "./serve-config.ts";
import { startServeHost, type ServeHost } from "./serve-host.ts";
import { UsageError, parseIntOption } from "./usage-error.ts";
import { validateToken } from "../web/token-auth.ts";

export interface ServeOptions {
  config?: string;
  host?: string;
  port?: number;
  vncHost?: string;
  vncPort?: number;
  logLevel: string;
}

export const TOKEN_ENV = "VFIO_DISPLAY_WEB_TOKEN";

/** The config to run: the file or the demo, with the command-line overrides applied. */
export function resolveServeConfig(opts: ServeOptions, env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const config = opts.config ? loadConfigFile(opts.config) : demoConfig();
  if (opts.host !== undefined || opts.port !== undefined) {
    if (!config.web) throw new UsageError("--host/--port: the config turns the web console off (\"web\": null)");
    if (opts.host !== undefined) config.web.host = opts.host;
    if (opts.port !== undefined) config.web.port = opts.port;
  }
  const token = env[TOKEN_ENV];
  if (token !== undefined && config.web) {
    const bad = validateToken(token);
    if (bad) throw new UsageError(`${TOKEN_ENV}: ${bad}`);
    config.web.token = token;
  }
  if (opts.vncHost !== undefined) config.vnc.host = opts.vncHost;
  if (opts.vncPort !== undefined) {
    // consecutive ports from the base, in device order (0: every device gets any free port)
    config.devices.forEach((d, i) => {
      if (d.vncPort !== null) d.vncPort = opts.vncPort === 0 ? 0 : opts.vncPort! + i;
    });
  }
  return config;
}

export function formatBanner(host: ServeHost): string {
  const lines: string[] = ["vfio-display is serving:", ""];
  for (const d of host.devices) {
    const vnc = d.vnc ? `vnc://${d.vnc.host}:${d.vnc.port}` : "(no VNC port)";
    lines.push(`  ${d.id.padEnd(8)} ${`${d.info.driver} ${d.info.type}`.padEnd(22)} ${d.info.workload.padEnd(12)} ${vnc}`);
  }
  lines.push("");
  if (host.web && host.webAddress) {
    lines.push(`  web console   ${host.web.url}`);
    for (const d of host.devices) lines.push(`                ${host.web.url.replace(/\/(\?.*)?$/, `/devices/${d.id}$1`)}`);
    lines.push(`  API           ${host.web.url.replace(/\/(\?.*)?$/, "/api/devices")}   metrics /metrics   health /healthz`);
    if (host.tokenGenerated) lines.push(`  token         ${host.token}  (generated: the web console is not on loopback; set ${TOKEN_ENV} to choose one)`);
  }
  lines.push(`  VNC security  ${host.vncSecurity}`);
  for (const w of host.warnings) lines.push(`  warning       ${w}`);
  lines.push("", "Press Ctrl-C to stop.", "");
  return lines.join("\n");
}

export function makeLogger(level: string): Logger {
  if (level === "silent") return silentLogger;
  return pino({ level, base: undefined }, pino.destination({ fd: 2, sync: true }));
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string): void => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(sig);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

export function registerServe(program: Command, out: (s: string) => unknown, err: (s: string) => unknown): void {
  program
    .command("serve")
    .description("run vGPUs on the model with a VNC server each and the web console (no --config: the demo, a GVT-g desktop and a bochs text console)")
    .option("--config <file>", "a JSON file naming devices, types, workloads and ports (docs/web.md)")
    .option("--host <address>", "web console address (default 127.0.0.1; anything else requires a token)")
    .addOption(new Option("--port <n>", "web console port (default 6080; 0: any free port)").argParser(parseIntOption("--port", 0, 65535)))
    .option("--vnc-host <address>", "VNC listen address (default 127.0.0.1; anything else requires a VNC password)")
    .addOption(new Option("--vnc-port <n>", "first VNC port, one per device upward (default 5900; 0: any free port)").argParser(parseIntOption("--vnc-port", 0, 65535)))
    .addOption(new Option("--log-level <level>", "JSON logs on stderr").choices(["silent", "error", "warn", "info", "debug"]).default("warn"))
    .addHelpText("after", `\nThe web token, when one is needed, is generated and printed, or taken from $${TOKEN_ENV}.`)
    .action(async (opts: ServeOptions) => {
      const config = resolveServeConfig(opts);
      const host = await startServeHost(config, { log: makeLogger(opts.logLevel), progress: (s) => err(`… ${s}\n`) });
      out(formatBanner(host));
      const signal = await untilSignal();
      err(`\n${signal}: stopping…\n`);
      await host.close();
      err("stopped.\n");
    });
}
