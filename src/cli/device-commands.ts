/**
 * `devices`, `query <device>` and `screenshot <device> out.png`. With --url they ask a running `serve`
 * through its HTTP API; without it, `query` and `screenshot` start the devices in this process (the demo's,
 * or those of --config), wait for the guest's first frames, answer, and stop — nothing to run beforehand.
 */
import { writeFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { inspect, type InspectorSnapshot } from "../web/inspector.ts";
import { surfaceToPng } from "../web/screenshot.ts";
import type { ServedDevice } from "../web/served-device.ts";
import type { PlaneSnapshot } from "../display/plane-snapshot.ts";
import { demoConfig, loadConfigFile } from "./serve-config.ts";
import { startServeHost } from "./serve-host.ts";
import { DEFAULT_URL, fetchApi, parseServeUrl } from "./remote.ts";
import { UsageError, parseIntOption } from "./usage-error.ts";

type Out = (s: string) => unknown;

interface LocalOptions {
  url?: string;
  config?: string;
  wait: number;
}

/** Start the configured devices here (no listeners), wait for `id` to show a frame, run `f`, stop. */
async function withLocalDevice<T>(opts: LocalOptions, id: string, err: Out, f: (d: ServedDevice) => Promise<T>): Promise<T> {
  const config = opts.config ? loadConfigFile(opts.config) : demoConfig();
  const wanted = config.devices.find((d) => d.id === id);
  if (!wanted) throw new UsageError(`no device "${id}" (devices: ${config.devices.map((d) => d.id).join(", ")})`);
  config.devices = [wanted];
  config.web = null;
  const host = await startServeHost(config, { listen: false, progress: (s) => err(`… ${s}\n`) });
  try {
    const d = host.devices[0]!;
    // this command views the device: watching keeps the consumer polling while the guest boots
    d.console.addListener({});
    err(`… waiting for ${id}'s first frame\n`);
    const deadline = Date.now() + 20_000;
    while (!(d.console.surface && d.consumer.lastPlanes.primary?.visible)) {
      if (Date.now() > deadline) throw new Error(`${id} showed nothing within 20 s (probe: ${d.consumer.displayKind})`);
      await sleep(50);
    }
    if (opts.wait > 0) {
      err(`… letting the guest run ${opts.wait} ms\n`);
      await sleep(opts.wait);
    }
    return await f(d);
  } finally {
    await host.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function formatPlane(p: PlaneSnapshot | null): string {
  if (!p) return "not queried";
  if (!p.visible) return "off";
  const hot = p.hotspot ? `  hotspot ${p.hotspot.x},${p.hotspot.y}` : "";
  return `${p.drmFormat} ${p.modifier}  ${p.width}x${p.height}  stride ${p.stride}  at ${p.x},${p.y}${hot}  dmabuf_id ${p.id}`;
}

export function formatQuery(s: InspectorSnapshot): string {
  return [
    `${s.id}        ${s.driver} (${s.parent}) ${s.type}  ${s.uuid}`,
    `workload    ${s.workload}`,
    `probe       ${s.probe === "dmabuf" ? "dma-buf" : s.probe}${s.edid ? " (EDID region: resizable)" : ""}`,
    `primary     ${formatPlane(s.planes.primary)}`,
    `cursor      ${formatPlane(s.planes.cursor)}`,
    `dma-bufs    ids [${s.dmabufCache.ids.join(", ")}]  hits ${s.dmabufCache.hits}  misses ${s.dmabufCache.misses}  evictions ${s.dmabufCache.evictions}`,
    `refresh     ${s.refreshHz} Hz  fps ${s.fps}  frames ${s.consumer.frames}  queries ${s.consumer.queries}`,
    `VNC         ${s.vnc ?? "(in-process: no listener)"}  clients ${s.clients}  bytes/s ${s.bytesPerSecond}`,
  ].join("\n");
}

export function registerDeviceCommands(program: Command, out: Out, err: Out): void {
  const urlOption = () => new Option("--url <url>", `ask a running \`vfio-display serve\` (e.g. ${DEFAULT_URL}) instead of starting the device here`);
  const configOption = () => new Option("--config <file>", "without --url: the serve config naming the device (default: the demo's gvt0 and bochs0)");
  const waitOption = () => new Option("--wait <ms>", "without --url: let the guest run this long after its first frame").default(1500).argParser(parseIntOption("--wait", 0, 60_000));

  program
    .command("devices")
    .description("list the devices of a running `vfio-display serve`")
    .addOption(urlOption().default(DEFAULT_URL))
    .option("--json", "print the API's JSON", false)
    .action(async (opts: { url: string; json: boolean }) => {
      const res = await fetchApi(parseServeUrl(opts.url), "/api/devices");
      const list = (await res.json()) as Array<{ id: string; driver: string; type: string; workload: string; probe: string; size: { width: number; height: number } | null; vnc: string | null; clients: number }>;
      if (opts.json) return void out(JSON.stringify(list, null, 2) + "\n");
      out(`${"ID".padEnd(10)}${"DRIVER".padEnd(8)}${"TYPE".padEnd(16)}${"WORKLOAD".padEnd(14)}${"PROBE".padEnd(8)}${"MODE".padEnd(11)}${"VNC".padEnd(22)}CLIENTS\n`);
      for (const d of list) {
        const mode = d.size ? `${d.size.width}x${d.size.height}` : "-";
        out(`${d.id.padEnd(10)}${d.driver.padEnd(8)}${d.type.padEnd(16)}${d.workload.padEnd(14)}${d.probe.padEnd(8)}${mode.padEnd(11)}${(d.vnc ?? "-").padEnd(22)}${d.clients}\n`);
      }
    });

  program
    .command("query")
    .description("probe result, primary and cursor planes, dma-buf cache and rates of one device")
    .argument("<device>", "device id (the demo's: gvt0, bochs0)")
    .addOption(urlOption())
    .addOption(configOption())
    .addOption(waitOption())
    .option("--json", "print the inspector's JSON", false)
    .action(async (id: string, opts: LocalOptions & { json: boolean }) => {
      const snapshot = opts.url
        ? ((await (await fetchApi(parseServeUrl(opts.url), `/api/devices/${encodeURIComponent(id)}`)).json()) as InspectorSnapshot)
        : await withLocalDevice(opts, id, err, async (d) => {
            d.rates.sample();
            return inspect(d);
          });
      out(opts.json ? JSON.stringify(snapshot, null, 2) + "\n" : formatQuery(snapshot) + "\n");
    });

  program
    .command("screenshot")
    .description("save a device's console as PNG")
    .argument("<device>", "device id (the demo's: gvt0, bochs0)")
    .argument("<out.png>", "where to write the PNG")
    .addOption(urlOption())
    .addOption(configOption())
    .addOption(waitOption())
    .action(async (id: string, path: string, opts: LocalOptions) => {
      if (!path.toLowerCase().endsWith(".png")) throw new UsageError(`the output file must end in .png, got "${path}"`);
      const png = opts.url
        ? Buffer.from(await (await fetchApi(parseServeUrl(opts.url), `/api/devices/${encodeURIComponent(id)}/screenshot.png`)).arrayBuffer())
        : await withLocalDevice(opts, id, err, (d) => surfaceToPng(d.console.surface!));
      try {
        writeFileSync(path, png);
      } catch (e) {
        throw new UsageError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      out(`${path}: ${png.length} bytes\n`);
    });
}
