/**
 * The inspector's view of one device (what seed 002 asked for as debugfs): probe result, the last primary
 * and cursor plane queries, the dma-buf cache, refresh rate, fps, VNC clients and bytes/s. One plain object,
 * the same for the API, the live push and `vfio-display query --json`.
 */
import type { PlaneSnapshot } from "../display/plane-snapshot.ts";
import { encodingName } from "../rfb/encodings.ts";
import { refreshIfUnwatched, type ServedDevice } from "./served-device.ts";

export interface DeviceSummary {
  id: string;
  driver: string;
  parent: string;
  type: string;
  uuid: string;
  workload: string;
  probe: string;
  size: { width: number; height: number } | null;
  displayOn: boolean;
  vnc: string | null;
  websocket: string;
  page: string;
  clients: number;
  /** running | restarting | failed | removed, and why when not running */
  state: string;
  stateReason: string | null;
}

export interface InspectorSnapshot extends DeviceSummary {
  at: string;
  planes: { primary: PlaneSnapshot | null; cursor: PlaneSnapshot | null };
  dmabufCache: { ids: number[]; hits: number; misses: number; evictions: number };
  refreshHz: number;
  fps: number;
  bytesPerSecond: number;
  consumer: { ticks: number; queries: number; queriesSkipped: number; frames: number; queryErrors: Record<string, number> };
  vncServer: { connectionsTotal: number; refused: number; updates: number; bytes: number; encodeCacheHits: number; encodeCacheMisses: number };
  edid: boolean;
  /** the connected VNC clients (TCP and the web console's WebSocket) */
  vncClients: Array<{ id: number; address: string; encoding: string; jpegQuality: number; updates: number; bytes: number; connectedSeconds: number }>;
}

export function summarise(d: ServedDevice): DeviceSummary {
  refreshIfUnwatched(d);
  const s = d.console.surface;
  return {
    id: d.id,
    driver: d.info.driver,
    parent: d.info.parent,
    type: d.info.type,
    uuid: d.info.uuid,
    workload: d.info.workload,
    probe: d.consumer.displayKind,
    size: s ? { width: s.width, height: s.height } : null,
    displayOn: d.console.displayOn,
    vnc: d.vnc ? `${d.vnc.host.includes(":") ? `[${d.vnc.host}]` : d.vnc.host}:${d.vnc.port}` : null,
    websocket: `/ws/${d.id}`,
    page: `/devices/${d.id}`,
    clients: d.rfb.stats.clients,
    state: d.status().state,
    stateReason: d.status().reason ?? null,
  };
}

export function inspect(d: ServedDevice): InspectorSnapshot {
  const planes = d.consumer.lastPlanes;
  const cache = d.consumer.cacheStats;
  const c = d.consumer.stats;
  const v = d.rfb.stats;
  return {
    ...summarise(d),
    at: new Date().toISOString(),
    planes: { primary: planes.primary ?? null, cursor: planes.cursor ?? null },
    dmabufCache: { ids: d.consumer.cachedIds, hits: cache.hits, misses: cache.misses, evictions: cache.evictions },
    refreshHz: d.consumer.refreshHz,
    fps: d.rates.rates.fps,
    bytesPerSecond: d.rates.rates.bytesPerSecond,
    consumer: { ticks: c.ticks, queries: c.queries, queriesSkipped: c.queriesSkipped, frames: c.frames, queryErrors: { ...c.queryErrors } },
    vncServer: {
      connectionsTotal: v.connectionsTotal,
      refused: v.refused,
      updates: v.updates,
      bytes: v.bytes,
      encodeCacheHits: v.encodeCacheHits,
      encodeCacheMisses: v.encodeCacheMisses,
    },
    edid: d.consumer.edid !== undefined,
    vncClients: d.rfb.connections.map((c) => ({
      id: c.id,
      address: c.address,
      encoding: encodingName(c.clientSettings.pixelEncoding),
      jpegQuality: c.clientSettings.jpegQuality,
      updates: c.stats.updates,
      bytes: c.stats.bytes,
      connectedSeconds: Math.round((Date.now() - c.connectedAt) / 1000),
    })),
  };
}
