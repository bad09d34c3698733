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
  vncPasswordFile?: string;
  vncTls?: "self-signed" | "anonymous";
  vncTlsCert?: string;
  vncTlsKey?: string;
  logLevel: string;
}

export const TOKEN_ENV = "VFIO_DISPLAY_WEB_TOKEN";
/** When set, the VNC password (an environment variable is private to the process and its owner). */
export const VNC_PASSWORD_ENV = "VFIO_DISPLAY_VNC_PASSWORD";

/** Options that would put a secret on the command line, where every user sees it in `ps`: refused. */
const SECRET_OPTIONS: ReadonlyArray<[flag: string, instead: string]> = [
  ["--vnc-password", `put it in a file only you can read (--vnc-password-file) or in $${VNC_PASSWORD_ENV}`],
  ["--password", `put it in a file only you can read (--vnc-password-file) or in $${VNC_PASSWORD_ENV}`],
  ["--token", `set $${TOKEN_ENV} or web.token in the config file`],
  ["--web-token", `set $${TOKEN_ENV} or web.token in the config file`],
];

function refuseSecretOption(flag: string, instead: string): Option {
  return new Option(`${flag} <secret>`).hideHelp().argParser(() => {
    // the value is not repeated: it is a secret
    throw new UsageError(`${flag}: secrets are not taken on the command line, where other users see them in ps; ${instead}`);
  });
}

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
  if (opts.vncPasswordFile !== undefined) config.vnc.password = { file: opts.vncPasswordFile };
  else if (env[VNC_PASSWORD_ENV] !== undefined) config.vnc.password = { env: VNC_PASSWORD_ENV };
  if ((opts.vncTlsCert === undefined) !== (opts.vncTlsKey === undefined)) throw new UsageError("--vnc-tls-cert and --vnc-tls-key go together");
  if (opts.vncTlsCert !== undefined && opts.vncTls !== undefined) throw new UsageError("--vnc-tls: not with --vnc-tls-cert/--vnc-tls-key (they already mean X509 with that certificate)");
  if (opts.vncTlsCert !== undefined) config.vnc.tls = { cert: opts.vncTlsCert, key: opts.vncTlsKey! };
  if (opts.vncTls !== undefined) config.vnc.tls = opts.vncTls;
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
    // A generated token is printed (the user has no other way to learn it); one the user gave is not, so
    // it stays out of whatever captures this output (a journal, a CI log).
    const url = host.tokenGenerated ? host.web.url : host.web.url.replace(/\?token=.*$/, "");
    lines.push(`  web console   ${url}`);
    for (const d of host.devices) lines.push(`                ${url.replace(/\/(\?.*)?$/, `/devices/${d.id}$1`)}`);
    lines.push(`  API           ${url.replace(/\/(\?.*)?$/, "/api/devices")}   metrics /metrics   health /healthz`);
    if (host.tokenGenerated) lines.push(`  token         ${host.token}  (generated: the web console is not on loopback; set ${TOKEN_ENV} to choose one)`);
    else if (host.token) lines.push(`  token         required (the one you gave: add ?token=… to the URL, or send Authorization: Bearer …)`);
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
  const serve = program
    .command("serve")
    .description("run vGPUs on the model with a VNC server each and the web console (no --config: the demo, a GVT-g desktop and a bochs text console)")
    .option("--config <file>", "a JSON file naming devices, types, workloads and ports (docs/web.md)")
    .option("--host <address>", "web console address (default 127.0.0.1; anything else requires a token)")
    .addOption(new Option("--port <n>", "web console port (default 6080; 0: any free port)").argParser(parseIntOption("--port", 0, 65535)))
    .option("--vnc-host <address>", "VNC listen address (default 127.0.0.1; anything else requires a VNC password)")
    .addOption(new Option("--vnc-port <n>", "first VNC port, one per device upward (default 5900; 0: any free port)").argParser(parseIntOption("--vnc-port", 0, 65535)))
    .option("--vnc-password-file <file>", `VNC password: the file's first line (mode 0600; or set $${VNC_PASSWORD_ENV})`)
    .addOption(new Option("--vnc-tls <kind>", "VeNCrypt on the VNC TCP ports: X509 with a generated certificate, or anonymous TLS").choices(["self-signed", "anonymous"]))
    .option("--vnc-tls-cert <pem>", "VeNCrypt X509 with this certificate (with --vnc-tls-key)")
    .option("--vnc-tls-key <pem>", "the certificate's private key (not readable by other users)")
    .addOption(new Option("--log-level <level>", "JSON logs on stderr").choices(["silent", "error", "warn", "info", "debug"]).default("warn"))
    .addHelpText("after", `\nThe web token, when one is needed, is generated and printed, or taken from $${TOKEN_ENV}.\nSecrets are never taken as arguments (ps shows those to every user).`)
    .action(async (opts: ServeOptions) => {
      const config = resolveServeConfig(opts);
      const host = await startServeHost(config, { log: makeLogger(opts.logLevel), progress: (s) => err(`… ${s}\n`) });
      out(formatBanner(host));
      const signal = await untilSignal();
      err(`\n${signal}: stopping…\n`);
      await host.close();
      err("stopped.\n");
    });
  for (const [flag, instead] of SECRET_OPTIONS) serve.addOption(refuseSecretOption(flag, instead));
}
