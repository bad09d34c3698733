/**
 * What `serve` runs: one model vGPU per configured device (guest workload in a worker vCPU, display
 * consumer), a VNC server per device, and the web console over all of them. Also used in-process by
 * `query` and `screenshot` (without listeners) and by the tests. close() undoes everything, in reverse.
 */
import { RfbServer, type ListenAddress } from "../rfb/server.ts";
import type { Logger } from "../rfb/logger.ts";
import { retireServer } from "../rfb/retire.ts";
import { silentLogger } from "../rfb/logger.ts";
import { ModelVgpu } from "../vmm/model-vgpu.ts";
import { AuthLockout } from "../rfb/security/lockout.ts";
import { RateMeter } from "../web/rate-meter.ts";
import type { ServedDevice } from "../web/served-device.ts";
import { WebServer } from "../web/web-server.ts";
import { generateToken, isLoopback } from "../web/token-auth.ts";
import { workloadSpec, type ServeConfig } from "./serve-config.ts";
import { buildVncSecurity } from "./serve-security.ts";
import { UsageError } from "./usage-error.ts";

export interface ServeHostOptions {
  log?: Logger;
  /** start VNC TCP listeners (default true; `query`/`screenshot` in-process need none) */
  listen?: boolean;
  progress?: (step: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface ServeHost {
  devices: ServedDevice[];
  /** the model vGPUs behind the devices, in the same order (for fault injection: reset, remove) */
  vgpus: ModelVgpu[];
  web: WebServer | undefined;
  webAddress: ListenAddress | undefined;
  /** the token the web console requires (generated when it listens off loopback and none was given) */
  token: string | undefined;
  tokenGenerated: boolean;
  vncSecurity: string;
  warnings: string[];
  close(): Promise<void>;
}

export async function startServeHost(config: ServeConfig, options: ServeHostOptions = {}): Promise<ServeHost> {
  const log = options.log ?? silentLogger;
  const progress = options.progress ?? (() => {});
  const listen = options.listen ?? true;
  const security = await buildVncSecurity(config.vnc, options.env, log);
  // One lockout for every device and transport: an address gets its few guesses in all, not per port.
  const lockout = new AuthLockout();
  const vgpus: ModelVgpu[] = [];
  const devices: ServedDevice[] = [];
  let web: WebServer | undefined;
  const close = async (): Promise<void> => {
    await web?.close();
    for (const d of devices.reverse()) {
      d.rates.stop();
      await d.rfb.close();
    }
    for (const v of vgpus.reverse()) await v.stop();
  };
  try {
    for (const [i, d] of config.devices.entries()) {
      progress(`starting ${d.id} (${i + 1}/${config.devices.length}): ${d.driver} ${d.type}, ${d.workload}`);
      const vgpu = await ModelVgpu.start({ id: d.id, driver: d.driver, type: d.type, workload: workloadSpec(d), consumer: { refreshHz: d.refreshHz }, log: (m) => log.warn({ device: d.id }, m) });
      vgpus.push(vgpu);
      const tcp = listen && d.vncPort !== null ? { host: config.vnc.host, port: d.vncPort } : null;
      const rfb = new RfbServer({ console: vgpu.console, name: `${d.id} (${d.driver} ${d.type})`, tcp, security: security.types, lockout, log });
      let vnc: ListenAddress | undefined;
      try {
        vnc = (await rfb.listen()).tcp;
      } catch (e) {
        await rfb.close();
        throw listenError(e, `device ${d.id}'s VNC server`, tcp!);
      }
      // a removed device's viewers get a last frame saying so and a clean close; the other devices go on
      vgpu.onStateChange((st) => {
        if (st.state === "removed") void retireServer(rfb, vgpu.console, `device ${d.id} removed`).catch((e: unknown) => log.error({ device: d.id }, `retiring the VNC server: ${(e as Error).message}`));
      });
      const rates = new RateMeter(vgpu.console, () => rfb.stats.bytes);
      rates.start();
      devices.push({ id: d.id, info: { ...vgpu.info, workload: d.workload }, console: vgpu.console, consumer: vgpu.consumer, rfb, vnc, rates, status: () => vgpu.state });
    }
    let token: string | undefined;
    let tokenGenerated = false;
    let webAddress: ListenAddress | undefined;
    if (config.web && listen) {
      token = config.web.token;
      if (!token && !isLoopback(config.web.host)) {
        token = generateToken();
        tokenGenerated = true;
      }
      progress(`starting the web console on ${config.web.host}:${config.web.port}`);
      web = new WebServer({ devices, host: config.web.host, port: config.web.port, ...(token ? { token } : {}), log });
      try {
        webAddress = await web.listen();
      } catch (e) {
        const w = web;
        web = undefined;
        await w.close().catch(() => {});
        throw listenError(e, "the web console", config.web);
      }
    }
    return { devices, vgpus, web, webAddress, token, tokenGenerated, vncSecurity: security.describe, warnings: security.warnings, close };
  } catch (e) {
    await close();
    throw e;
  }
}

function listenError(e: unknown, what: string, at: ListenAddress): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE") return new UsageError(`${what}: port ${at.port} on ${at.host} is in use (pick another port in the config, or 0 for any free one)`);
  if (code === "EACCES") return new UsageError(`${what}: not allowed to listen on ${at.host}:${at.port} (ports below 1024 need privileges)`);
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") return new UsageError(`${what}: ${at.host} is not an address of this machine`);
  return e as Error;
}
