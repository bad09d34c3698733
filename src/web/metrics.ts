/**
 * Prometheus metrics (GET /metrics) with prom-client. Device counters are read from the consumer and VNC
 * server at scrape time (they keep their own totals), so nothing is counted twice and the frame path pays
 * nothing for metrics. Only what the web server itself times (PNG encoding) is observed as it happens.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ServedDevice } from "./served-device.ts";

export class WebMetrics {
  readonly registry = new Registry();
  readonly pngEncodeSeconds: Histogram<"device">;
  readonly vncEncodeSeconds: Histogram<"device" | "encoding">;
  readonly httpRequests: Counter<"status">;

  constructor(devices: () => readonly ServedDevice[]) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: "vfio_display_process_" });
    const perDevice = (
      kind: "counter" | "gauge",
      name: string,
      help: string,
      value: (d: ServedDevice) => number,
    ): void => {
      const config = {
        name,
        help,
        labelNames: ["device", "driver"] as const,
        registers: [r],
        collect(this: Counter<"device" | "driver"> | Gauge<"device" | "driver">) {
          this.reset();
          for (const d of devices()) {
            const labels = { device: d.id, driver: d.info.driver };
            if (this instanceof Counter) this.inc(labels, value(d));
            else this.set(labels, value(d));
          }
        },
      };
      if (kind === "counter") new Counter(config);
      else new Gauge(config);
    };
    perDevice("counter", "vfio_display_consumer_frames_total", "frames the consumer read from the device", (d) => d.consumer.stats.frames);
    perDevice("counter", "vfio_display_consumer_queries_total", "VFIO_DEVICE_QUERY_GFX_PLANE calls", (d) => d.consumer.stats.queries);
    perDevice("counter", "vfio_display_consumer_rows_changed_total", "rows found changed by comparison", (d) => d.consumer.stats.rowsChanged);
    perDevice("counter", "vfio_display_consumer_moves_total", "areas found moved since the previous frame (sent as CopyRect)", (d) => d.consumer.stats.moves);
    perDevice("counter", "vfio_display_dmabuf_cache_hits_total", "dma-buf cache hits (no GET_GFX_DMABUF)", (d) => d.consumer.cacheStats.hits);
    perDevice("counter", "vfio_display_dmabuf_cache_misses_total", "dma-buf cache misses (a GET_GFX_DMABUF)", (d) => d.consumer.cacheStats.misses);
    perDevice("counter", "vfio_display_dmabuf_cache_evictions_total", "dma-bufs closed to make room", (d) => d.consumer.cacheStats.evictions);
    perDevice("gauge", "vfio_display_dmabuf_cache_entries", "dma-bufs held open", (d) => d.consumer.cachedIds.length);
    perDevice("counter", "vfio_display_vnc_frames_total", "console frames fanned out to VNC clients", (d) => d.rfb.stats.frames);
    perDevice("counter", "vfio_display_vnc_updates_total", "FramebufferUpdate messages sent", (d) => d.rfb.stats.updates);
    perDevice("counter", "vfio_display_vnc_bytes_total", "bytes of FramebufferUpdates sent", (d) => d.rfb.stats.bytes);
    perDevice("counter", "vfio_display_vnc_rects_total", "rectangles sent", (d) => d.rfb.stats.rects);
    perDevice("counter", "vfio_display_vnc_copyrects_total", "of the rectangles sent, CopyRects (moved areas the clients copied)", (d) => d.rfb.stats.copyRects);
    perDevice("counter", "vfio_display_vnc_connections_total", "VNC connections accepted (TCP and WebSocket)", (d) => d.rfb.stats.connectionsTotal);
    perDevice("counter", "vfio_display_vnc_refused_total", "VNC connections refused or failed in the handshake", (d) => d.rfb.stats.refused);
    perDevice("counter", "vfio_display_vnc_encode_cache_hits_total", "updates whose encoding was shared with another client", (d) => d.rfb.stats.encodeCacheHits);
    perDevice("counter", "vfio_display_vnc_output_buffers_reused_total", "large encoded outputs written into a reused buffer", (d) => d.rfb.stats.outputBuffersReused);
    perDevice("counter", "vfio_display_vnc_output_buffers_allocated_total", "large encoded outputs that needed a new buffer", (d) => d.rfb.stats.outputBuffersAllocated);
    perDevice("gauge", "vfio_display_vnc_clients", "VNC clients connected", (d) => d.rfb.stats.clients);
    perDevice("gauge", "vfio_display_fps", "console frames with damage per second (last second)", (d) => d.rates.rates.fps);
    this.vncEncodeSeconds = new Histogram({
      name: "vfio_display_vnc_encode_seconds",
      help: "time to encode one VNC update's rectangles (once per distinct client setting and damage: shared encodings count once)",
      labelNames: ["device", "encoding"] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [r],
    });
    for (const d of devices()) d.rfb.onEncoded((encoding, seconds) => this.vncEncodeSeconds.observe({ device: d.id, encoding }, seconds));
    this.pngEncodeSeconds = new Histogram({
      name: "vfio_display_png_encode_seconds",
      help: "time to encode a console screenshot as PNG",
      labelNames: ["device"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [r],
    });
    this.httpRequests = new Counter({ name: "vfio_display_http_requests_total", help: "HTTP requests by status", labelNames: ["status"] as const, registers: [r] });
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
