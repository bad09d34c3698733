/**
 * `vfio-display serve`'s configuration: which vGPUs to run (driver, mdev type, guest workload), where their
 * VNC servers listen, where the web console listens, and how clients authenticate. JSON; every field is
 * checked, and a mistake is reported with its path (`devices[1].type: unknown GVT type "X" (one of …)`).
 * With no file, the demo configuration: a GVT-g desktop and a bochs text console.
 */
import { readFileSync } from "node:fs";
import { BOCHS_TYPES } from "../drivers/bochs/types.ts";
import { GVT_TYPES } from "../drivers/gvt/types.ts";
import { MDPY_TYPES } from "../drivers/mdpy/types.ts";
import type { WorkloadSpec } from "../guest/workloads/registry.ts";
import { DEFAULT_TYPES, type VgpuDriver } from "../vmm/model-vgpu.ts";
import { DEVICE_ID } from "../web/served-device.ts";
import { validateToken } from "../web/token-auth.ts";
import { UsageError } from "./usage-error.ts";

export const WORKLOADS = ["desktop", "console", "video", "test-pattern", "session"] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export interface DeviceConfig {
  id: string;
  driver: VgpuDriver;
  type: string;
  workload: WorkloadName;
  seed: number;
  /** follow the EDID's preferred mode, so a viewer's resize reaches the guest (default true) */
  followEdid: boolean;
  /** the device's own VNC TCP port; null: only through the web console's WebSocket */
  vncPort: number | null;
  refreshHz: number;
}

export interface ServeConfig {
  web: { host: string; port: number; token?: string } | null;
  vnc: {
    host: string;
    /** VNC authentication: the password's source (never the password itself) */
    password?: { file: string } | { env: string };
    /** VeNCrypt on TCP: X509 with this certificate or a generated self-signed one, or anonymous TLS */
    tls?: { cert: string; key: string } | "self-signed" | "anonymous";
  };
  devices: DeviceConfig[];
}

export const TYPES: Readonly<Record<VgpuDriver, readonly string[]>> = {
  gvt: GVT_TYPES.map((t) => t.id),
  bochs: BOCHS_TYPES.map((t) => t.id),
  mdpy: MDPY_TYPES.map((t) => t.id),
};

export function demoConfig(): ServeConfig {
  return {
    web: { host: "127.0.0.1", port: 6080 },
    vnc: { host: "127.0.0.1" },
    devices: [
      { id: "gvt0", driver: "gvt", type: DEFAULT_TYPES.gvt, workload: "desktop", seed: 1, followEdid: true, vncPort: 5900, refreshHz: 60 },
      { id: "bochs0", driver: "bochs", type: "mbochs-medium", workload: "console", seed: 2, followEdid: true, vncPort: 5901, refreshHz: 30 },
    ],
  };
}

/** The guest workload a device runs: the named one, wrapped in an EDID mode follower when asked. */
export function workloadSpec(d: DeviceConfig): WorkloadSpec {
  const seed = d.seed;
  let inner: WorkloadSpec;
  switch (d.workload) {
    case "desktop":
      inner = { kind: "desktop", options: { seed, hostname: d.id } };
      break;
    case "console":
      inner = { kind: "console", options: { seed, hostname: d.id, autologin: "user", displayDriver: d.driver } };
      break;
    case "video":
      inner = { kind: "video", options: { seed } };
      break;
    case "test-pattern":
      inner = { kind: "test-pattern", options: { seed } };
      break;
    case "session":
      inner = { kind: "session", options: { seed } };
      break;
  }
  return d.followEdid ? { kind: "mode-follow", options: { seed }, inner } : inner;
}

export function loadConfigFile(path: string): ServeConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`config file ${path}: ${code === "ENOENT" ? "does not exist" : (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parseConfig(json, path);
}

/** Validate a parsed config; errors name the file and the field. */
export function parseConfig(json: unknown, source = "config"): ServeConfig {
  const fail = (at: string, msg: string): never => {
    throw new UsageError(`${source}: ${at}: ${msg}`);
  };
  const root = object(json, "(top level)", fail);
  known(root, ["web", "vnc", "devices"], "(top level)", fail);

  let web: ServeConfig["web"] = { host: "127.0.0.1", port: 6080 };
  if (root["web"] === null) web = null;
  else if (root["web"] !== undefined) {
    const w = object(root["web"], "web", fail);
    known(w, ["host", "port", "token"], "web", fail);
    web = { host: host(w["host"] ?? "127.0.0.1", "web.host", fail), port: port(w["port"] ?? 6080, "web.port", fail) };
    if (w["token"] !== undefined) {
      if (typeof w["token"] !== "string") fail("web.token", "must be a string");
      const bad = validateToken(w["token"] as string);
      if (bad) fail("web.token", bad);
      web.token = w["token"] as string;
    }
  }

  const vnc: ServeConfig["vnc"] = { host: "127.0.0.1" };
  if (root["vnc"] !== undefined) {
    const v = object(root["vnc"], "vnc", fail);
    known(v, ["host", "password", "tls"], "vnc", fail);
    vnc.host = host(v["host"] ?? "127.0.0.1", "vnc.host", fail);
    if (v["password"] !== undefined) {
      const passwordShape = 'must be {"file": "<path>"} or {"env": "<VARIABLE>"} (never the password itself)';
      // not object(): its message would quote the value, and a value here is likely the password itself
      if (typeof v["password"] !== "object" || v["password"] === null || Array.isArray(v["password"])) fail("vnc.password", passwordShape);
      const p = v["password"] as Record<string, unknown>;
      known(p, ["file", "env"], "vnc.password", fail);
      if (typeof p["file"] === "string" && p["env"] === undefined) vnc.password = { file: p["file"] };
      else if (typeof p["env"] === "string" && p["file"] === undefined) vnc.password = { env: p["env"] };
      else fail("vnc.password", passwordShape);
    }
    if (v["tls"] !== undefined) {
      if (v["tls"] === "anonymous" || v["tls"] === "self-signed") vnc.tls = v["tls"];
      else {
        const t = typeof v["tls"] === "object" ? object(v["tls"], "vnc.tls", fail) : {};
        known(t, ["cert", "key"], "vnc.tls", fail);
        if (typeof t["cert"] !== "string" || typeof t["key"] !== "string") fail("vnc.tls", 'must be "self-signed", "anonymous" or {"cert": "<pem path>", "key": "<pem path>"}');
        vnc.tls = { cert: t["cert"] as string, key: t["key"] as string };
      }
    }
  }

  if (!Array.isArray(root["devices"])) return fail("devices", "must be a list of devices");
  const list = root["devices"] as unknown[];
  if (list.length === 0) fail("devices", "must name at least one device");
  if (list.length > 16) fail("devices", `at most 16 devices (got ${list.length})`);
  const devices = list.map((d, i) => parseDevice(d, i, fail));
  const ids = new Set<string>();
  const ports = new Map<number, string>();
  if (web) ports.set(web.port, "web.port");
  devices.forEach((d, i) => {
    if (ids.has(d.id)) fail(`devices[${i}].id`, `"${d.id}" is used twice`);
    ids.add(d.id);
    if (d.vncPort !== null && d.vncPort !== 0) {
      const other = ports.get(d.vncPort);
      if (other) fail(`devices[${i}].vncPort`, `${d.vncPort} is also ${other}`);
      ports.set(d.vncPort, `devices[${i}].vncPort`);
    }
  });
  return { web, vnc, devices };
}

function parseDevice(json: unknown, i: number, fail: (at: string, msg: string) => never): DeviceConfig {
  const at = `devices[${i}]`;
  const d = object(json, at, fail);
  known(d, ["id", "driver", "type", "workload", "seed", "followEdid", "vncPort", "refreshHz"], at, fail);
  const driver = d["driver"];
  if (driver !== "gvt" && driver !== "bochs" && driver !== "mdpy") return fail(`${at}.driver`, `unknown driver ${JSON.stringify(driver)} (one of: gvt, bochs, mdpy)`);
  const id = d["id"] ?? `${driver}${i}`;
  if (typeof id !== "string" || !DEVICE_ID.test(id)) fail(`${at}.id`, `${JSON.stringify(id)} must be lower-case letters, digits, - or _, starting with a letter (at most 32)`);
  const type = d["type"] ?? DEFAULT_TYPES[driver];
  if (typeof type !== "string" || !TYPES[driver].includes(type)) fail(`${at}.type`, `unknown ${driver} type ${JSON.stringify(type)} (one of: ${TYPES[driver].join(", ")})`);
  const workload = d["workload"] ?? "desktop";
  if (typeof workload !== "string" || !(WORKLOADS as readonly string[]).includes(workload)) {
    fail(`${at}.workload`, `unknown workload ${JSON.stringify(workload)} (one of: ${WORKLOADS.join(", ")})`);
  }
  const seed = d["seed"] ?? i + 1;
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) fail(`${at}.seed`, `must be a whole number 0..4294967295, got ${JSON.stringify(seed)}`);
  const followEdid = d["followEdid"] ?? true;
  if (typeof followEdid !== "boolean") fail(`${at}.followEdid`, "must be true or false");
  const vncPort = d["vncPort"] === null ? null : port(d["vncPort"] ?? 5900 + i, `${at}.vncPort`, fail);
  const refreshHz = d["refreshHz"] ?? 60;
  if (typeof refreshHz !== "number" || !(refreshHz >= 1 && refreshHz <= 240)) fail(`${at}.refreshHz`, `must be a number 1..240, got ${JSON.stringify(refreshHz)}`);
  return { id: id as string, driver, type: type as string, workload: workload as WorkloadName, seed: seed as number, followEdid: followEdid as boolean, vncPort, refreshHz: refreshHz as number };
}

function object(v: unknown, at: string, fail: (at: string, msg: string) => never): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return fail(at, `must be an object, got ${Array.isArray(v) ? "a list" : JSON.stringify(v)}`);
  return v as Record<string, unknown>;
}

function known(o: Record<string, unknown>, keys: string[], at: string, fail: (at: string, msg: string) => never): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(at, `unknown field "${k}" (known: ${keys.join(", ")})`);
}

function port(v: unknown, at: string, fail: (at: string, msg: string) => never): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 65535) return fail(at, `must be a port number 0..65535 (0: any free port), got ${JSON.stringify(v)}`);
  return v;
}

function host(v: unknown, at: string, fail: (at: string, msg: string) => never): string {
  if (typeof v !== "string" || v.length === 0 || v.length > 253 || /[\s/]/.test(v)) return fail(at, `must be an IP address or host name, got ${JSON.stringify(v)}`);
  return v;
}
