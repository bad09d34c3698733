/** A serve host in this process on free ports (web console + devices), for the web tests. */
import { parseConfig, type ServeConfig } from "../../src/cli/serve-config.ts";
import { startServeHost, type ServeHost } from "../../src/cli/serve-host.ts";

export interface WebFixture {
  host: ServeHost;
  base: string;
  close(): Promise<void>;
}

export async function startWeb(overrides: { web?: Record<string, unknown>; vnc?: Record<string, unknown>; devices?: unknown[]; env?: NodeJS.ProcessEnv } = {}): Promise<WebFixture> {
  const config: ServeConfig = parseConfig(
    {
      web: { host: "127.0.0.1", port: 0, ...overrides.web },
      ...(overrides.vnc ? { vnc: overrides.vnc } : {}),
      devices: overrides.devices ?? [
        { id: "gvt0", driver: "gvt", workload: "desktop", seed: 1, vncPort: 0 },
        { id: "bochs0", driver: "bochs", type: "mbochs-medium", workload: "console", seed: 2, vncPort: 0, refreshHz: 30 },
      ],
    },
    "test config",
  );
  const host = await startServeHost(config, overrides.env ? { env: overrides.env } : {});
  const a = host.webAddress!;
  return { host, base: `http://${a.host}:${a.port}`, close: () => host.close() };
}

/** Poll until `f` returns a truthy value (or throw after `ms`). */
export async function until<T>(f: () => T | Promise<T>, ms = 10_000, what = "condition"): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
