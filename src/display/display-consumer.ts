/**
 * The display consumer, modelled on QEMU's hw/vfio/display.c plus what QEMU lacks: it probes a device,
 * polls its planes, caches dma-bufs by id, decodes into the Console's one format, finds real damage by
 * comparison, and follows the cursor plane — all through the DeviceFile seam, so it runs unchanged on the
 * model and on a real kernel.
 *
 * Polling happens only while the Console has watchers (none → no queries at all), at `refreshHz`; the first
 * watcher after a pause gets a refresh at once.
 */
import {
  DmaBufSyncFlags,
  DrmFormat,
  DrmPlaneType,
  Errno,
  GfxPlaneInfoView,
  MAP_SHARED,
  PROT_READ,
  describeResult,
  errnoName,
  getRegionInfo,
  isMapping,
  type DeviceFile,
  type Mapping,
} from "../abi/index.ts";
import { Console, type CursorShape } from "./console.ts";
import { DamageTracker } from "./damage-tracker.ts";
import { MoveDetector } from "./move-detector.ts";
import { DmabufCache, type CachedDmabuf } from "./dmabuf-cache.ts";
import { FrameReader, unsupportedReason, type PlaneLayout } from "./frame-reader.ts";
import { probeDisplay, queryPlane, type DisplayKind } from "./probe.ts";
import { EdidResizer, findEdidRegion, type EdidResizerOptions } from "./edid-resizer.ts";
import type { DirectFlipOutput, FlipEvent } from "./direct-flip.ts";
import { planeNotifyIrq, setIrqEventfd } from "./plane-notify.ts";
import { snapshotPlane, type PlaneSnapshot } from "./plane-snapshot.ts";

export type DisplayMode = "auto" | "on" | "off";

export interface ConsumerOptions {
  /** "auto": no display is fine; "on": no display is an error; "off": no consumer at all */
  display?: DisplayMode;
  /** dma-bufs kept open (QEMU: 5) */
  cacheSize?: number;
  /** blank the surface when the guest turns its display off (default: keep the last frame) */
  blankWhenOff?: boolean;
  /** polls per second while someone watches (default 60; the console profile of seed 000 is 10) */
  refreshHz?: number;
  name?: string;
  log?: (message: string) => void;
  /** resize the guest through its EDID region when a front-end asks (default on; timing options) */
  edid?: false | EdidResizerOptions;
  /** publish an EDID preferring this size at start (QEMU's xres/yres); default: leave the EDID alone */
  initialSize?: { width: number; height: number };
  /**
   * Make an eventfd for the plane-change notification extension (docs/extensions.md). Given, and offered
   * by the device, the consumer queries only after a signal; otherwise it polls.
   */
  eventfd?: () => EventNotifier | number;
  /**
   * Where a dma-buf cannot be CPU-mapped, read the plane this way instead (given the device and the plane
   * just queried), e.g. mapMbochsPlaneFromVram for mbochs on a real kernel.
   */
  dmabufFallback?: (dev: DeviceFile, plane: GfxPlaneInfoView) => Mapping | number;
}

/** An eventfd in the calling process, as the consumer needs it. */
export interface EventNotifier {
  readonly fd: number;
  onSignal(listener: () => void): () => void;
  close(): number;
}

export class DisplayError extends Error {
  override readonly name = "DisplayError";
}

export interface ConsumerStats {
  ticks: number;
  queries: number;
  /** polls that needed no query because no plane-change signal had come */
  queriesSkipped: number;
  frames: number;
  /** rows found changed by comparison, over all frames */
  rowsChanged: number;
  /** areas found moved (MoveDetector: CopyRect-able), over all frames */
  moves: number;
  /** query results that were errors, by errno name */
  queryErrors: Record<string, number>;
}

interface RegionMap {
  index: number;
  mapping: Mapping;
  length: number;
}

export class DisplayConsumer {
  readonly console: Console;
  readonly stats: ConsumerStats = { ticks: 0, queries: 0, queriesSkipped: 0, frames: 0, rowsChanged: 0, moves: 0, queryErrors: {} };
  private kind: DisplayKind = "none";
  private readonly plane = new GfxPlaneInfoView();
  private readonly cursorPlane = new GfxPlaneInfoView();
  private readonly cache: DmabufCache;
  private readonly reader = new FrameReader();
  private tracker: DamageTracker | undefined;
  /** made with the tracker, over its surface: CopyRect-able moves in each frame's damage */
  private moves: MoveDetector | undefined;
  private primaryId = 0;
  private cursorId = 0;
  private layout: PlaneLayout = { drmFormat: 0, modifier: 0n, width: 0, height: 0, stride: 0 };
  private region: RegionMap | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly options: Required<Omit<ConsumerOptions, "log" | "edid" | "initialSize" | "eventfd" | "dmabufFallback">> & { log: (m: string) => void };
  private readonly makeEventfd: (() => EventNotifier | number) | undefined;
  private notifier: EventNotifier | undefined;
  private unsubscribe: (() => void) | undefined;
  /** a plane-change signal arrived since the last query (starts true: the first poll always queries) */
  private signalled = true;
  private current: CachedDmabuf | undefined;
  private readonly edidOptions: false | EdidResizerOptions;
  private readonly initialSize: { width: number; height: number } | undefined;
  private resizer: EdidResizer | undefined;
  /** outputs that own a plane, by plane type */
  private readonly outputs = new Map<number, DirectFlipOutput>();
  /** the dma-buf id last flipped to each output */
  private readonly flipped = new Map<number, number>();
  private cursorOutputPos = -1;

  constructor(
    private readonly dev: DeviceFile,
    options: ConsumerOptions = {},
  ) {
    this.options = {
      display: options.display ?? "auto",
      cacheSize: options.cacheSize ?? 5,
      blankWhenOff: options.blankWhenOff ?? false,
      refreshHz: options.refreshHz ?? 60,
      name: options.name ?? "vfio-display",
      log: options.log ?? (() => {}),
    };
    if (!(this.options.refreshHz > 0 && this.options.refreshHz <= 1000)) {
      throw new RangeError(`refreshHz ${this.options.refreshHz} must be in (0, 1000]`);
    }
    this.edidOptions = options.edid ?? {};
    this.makeEventfd = options.eventfd;
    this.initialSize = options.initialSize;
    this.console = new Console(this.options.name);
    const fallback = options.dmabufFallback;
    this.cache = new DmabufCache(dev, this.options.cacheSize, fallback && (() => fallback(dev, this.plane)));
  }

  get displayKind(): DisplayKind {
    return this.kind;
  }

  get cachedIds(): number[] {
    return this.cache.ids;
  }

  get cacheStats(): Readonly<{ hits: number; misses: number; evictions: number }> {
    return this.cache.stats;
  }

  /**
   * The last primary and cursor plane query results, copied (read-only, for inspectors). Undefined until
   * the first poll has queried; the cursor only on dma-buf devices.
   */
  get lastPlanes(): { primary?: PlaneSnapshot; cursor?: PlaneSnapshot } {
    const out: { primary?: PlaneSnapshot; cursor?: PlaneSnapshot } = {};
    if (this.stats.queries > 0) out.primary = snapshotPlane(this.plane);
    if (this.kind === "dmabuf" && this.cursorPlane.argsz !== 0) out.cursor = snapshotPlane(this.cursorPlane);
    return out;
  }

  /** Polls per second while someone watches. */
  get refreshHz(): number {
    return this.options.refreshHz;
  }

  /** Probe (PROBE|DMABUF, then PROBE|REGION) and start polling whenever someone watches. */
  start(): DisplayKind {
    if (this.options.display === "off") return (this.kind = "none");
    this.kind = probeDisplay(this.dev, this.plane);
    if (this.kind === "none" && this.options.display === "on") {
      throw new DisplayError("the device supports no known display method (neither dma-buf nor region planes)");
    }
    if (this.kind !== "none") {
      this.setUpEdid();
      if (this.kind === "dmabuf") this.setUpNotification();
      this.console.onWatchersChanged((n) => this.schedule(n));
      this.schedule(this.console.watchers);
    }
    return this.kind;
  }

  /** Whether plane changes are signalled (the extension is armed) rather than polled for. */
  get notified(): boolean {
    return this.notifier !== undefined;
  }

  /** Arm the plane-change notification extension if the device offers it and we can make an eventfd. */
  private setUpNotification(): void {
    if (!this.makeEventfd) return;
    const irqIndex = planeNotifyIrq(this.dev);
    if (irqIndex === undefined) return;
    const notifier = this.makeEventfd();
    if (typeof notifier === "number") return this.options.log(`eventfd failed: ${describeResult(notifier)}`);
    const ret = setIrqEventfd(this.dev, irqIndex, notifier.fd);
    if (ret !== 0) {
      notifier.close();
      return this.options.log(`VFIO_DEVICE_SET_IRQS(${irqIndex}) failed: ${describeResult(ret)}`);
    }
    this.notifier = notifier;
    this.unsubscribe = notifier.onSignal(() => {
      this.signalled = true;
    });
  }

  /** The EDID resizer, when the device has an EDID region. */
  get edid(): EdidResizer | undefined {
    return this.resizer;
  }

  private setUpEdid(): void {
    if (this.edidOptions === false) return;
    const region = findEdidRegion(this.dev);
    if (!region) return;
    this.resizer = new EdidResizer(this.dev, region, { log: this.options.log, ...this.edidOptions });
    const resizer = this.resizer;
    this.console.setSizeRequestHandler((w, h) => {
      resizer.request(w, h);
      return "forwarded";
    });
    if (this.initialSize) resizer.publish(this.initialSize.width, this.initialSize.height);
  }

  /**
   * Give a device plane to a named output (direct flip). Only dma-buf devices can; a plane has at most one
   * output and names are unique. Returns a function that gives the plane back to the Console.
   */
  attachOutput(output: DirectFlipOutput): () => void {
    if (this.kind !== "dmabuf") throw new DisplayError(`direct flip needs a dma-buf device (this one is ${this.kind})`);
    if (output.planeType !== DrmPlaneType.PRIMARY && output.planeType !== DrmPlaneType.CURSOR) {
      throw new DisplayError(`plane type ${output.planeType} cannot be flipped directly`);
    }
    for (const o of this.outputs.values()) {
      if (o.name === output.name) throw new DisplayError(`an output named "${output.name}" is already attached`);
    }
    const owner = this.outputs.get(output.planeType);
    if (owner) throw new DisplayError(`the ${output.planeType === DrmPlaneType.PRIMARY ? "primary" : "cursor"} plane already goes to "${owner.name}"`);
    this.outputs.set(output.planeType, output);
    this.flipped.delete(output.planeType);
    return () => {
      if (this.outputs.get(output.planeType) !== output) return;
      this.outputs.delete(output.planeType);
      this.flipped.delete(output.planeType);
      if (output.planeType === DrmPlaneType.PRIMARY) this.primaryId = 0; // the Console takes the plane back: full redraw
      else this.cursorId = 0;
    };
  }

  /** Hand the plane just queried (in `p`) to its output if it changed; true if the plane has an output. */
  private flipToOutput(planeType: number, p: GfxPlaneInfoView, visible: boolean): boolean {
    const output = this.outputs.get(planeType);
    if (!output) return false;
    if (!visible) {
      if (this.flipped.get(planeType) !== 0) {
        this.flipped.set(planeType, 0);
        output.onDisable?.("plane off");
      }
      return true;
    }
    if (this.flipped.get(planeType) === p.id) {
      // Same buffer: for a cursor the position may still have moved.
      const pos = (p.xPos & 0xffff) * 0x10000 + (p.yPos & 0xffff);
      if (planeType === DrmPlaneType.CURSOR && this.cursorOutputPos !== pos) {
        this.cursorOutputPos = pos;
        this.emitFlip(output, p);
      }
      return true;
    }
    this.emitFlip(output, p);
    return true;
  }

  private emitFlip(output: DirectFlipOutput, p: GfxPlaneInfoView): void {
    const entry = this.cache.get(p.id);
    if (typeof entry === "number") {
      this.options.log(`GET_GFX_DMABUF(${p.id}) for output ${output.name} failed: ${describeResult(entry)}`);
      return;
    }
    this.flipped.set(output.planeType, p.id);
    const event: FlipEvent = {
      output: output.name,
      dmabufId: p.id,
      file: entry.file,
      mapping: entry.mapping,
      drmFormat: p.drmFormat,
      modifier: p.drmFormatMod,
      width: p.width,
      height: p.height,
      stride: p.stride,
      xPos: p.xPos,
      yPos: p.yPos,
      xHot: p.xHot,
      yHot: p.yHot,
    };
    output.onFlip(event);
  }

  /** One poll: what the refresh timer does. Public so tests and benchmarks can drive it frame by frame. */
  refresh(): void {
    if (this.stopped || this.kind === "none") return;
    this.stats.ticks++;
    if (this.kind === "dmabuf") this.refreshDmabuf();
    else this.refreshRegion();
  }

  /** The device was reset (or is being re-attached): forget every buffer and mapping, probe again. */
  deviceReset(): void {
    this.dropBuffers();
    this.displayOff("device reset");
    if (this.options.display !== "off") this.kind = probeDisplay(this.dev, this.plane);
  }

  stop(): void {
    this.stopped = true;
    this.resizer?.close();
    this.unsubscribe?.();
    this.notifier?.close();
    this.notifier = undefined;
    this.schedule(0);
    this.dropBuffers();
  }

  private schedule(watchers: number): void {
    if (watchers > 0 && !this.timer && !this.stopped) {
      this.timer = setInterval(() => this.refresh(), 1000 / this.options.refreshHz);
      // Polling alone must not keep a process alive: whoever watches (a server, a test) decides that.
      this.timer.unref();
      // the first watcher after a pause sees the device as it is now, not as it was when the last one left
      this.refresh();
    } else if ((watchers === 0 || this.stopped) && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private dropBuffers(): void {
    this.current = undefined;
    this.signalled = true;
    for (const [type, output] of this.outputs) {
      if (this.flipped.get(type)) output.onDisable?.("device reset or removed");
      this.flipped.delete(type);
    }
    this.cache.clear();
    if (this.region) this.region.mapping.unmap();
    this.region = undefined;
    this.primaryId = 0;
    this.cursorId = 0;
  }

  /**
   * Tell front-ends the display is off; with blankWhenOff the console blanks the surface, which the tracker's
   * row prints no longer describe then.
   */
  private displayOff(reason: string): void {
    this.console.publishDisplayOff(reason, this.options.blankWhenOff);
    this.tracker?.forgetRowPrints();
  }

  /** A failed query: -ENOMEM is mbochs's first look at a new mode (try again next tick); -ENODEV: gone. */
  private queryFailed(ret: number): void {
    const name = errnoName(ret);
    this.stats.queryErrors[name] = (this.stats.queryErrors[name] ?? 0) + 1;
    if (ret === -Errno.ENODEV) {
      this.dropBuffers();
      this.displayOff("device removed");
      this.stop();
    } else if (ret !== -Errno.ENOMEM) {
      this.options.log(`QUERY_GFX_PLANE failed: ${describeResult(ret)}`);
    }
  }

  private refreshDmabuf(): void {
    // With notification, nothing the query would answer has changed since the last one: only the pixels
    // inside the current buffer may have, so compare those and skip the ioctls.
    if (this.notifier && !this.signalled && this.current && this.outputs.size === 0) {
      this.stats.queriesSkipped++;
      this.readFrame(this.current);
      return;
    }
    this.signalled = false;
    this.stats.queries++;
    const ret = queryPlane(this.dev, "dmabuf", DrmPlaneType.PRIMARY, this.plane);
    if (ret < 0) return this.queryFailed(ret);
    const p = this.plane;
    const visible = p.drmFormat !== 0 && p.size !== 0;
    if (this.flipToOutput(DrmPlaneType.PRIMARY, p, visible)) {
      this.refreshCursor();
      this.cache.trim();
      return;
    }
    this.current = undefined;
    if (!visible) {
      this.primaryId = 0;
      this.displayOff("guest display off");
      return;
    }
    const entry = this.cache.get(p.id);
    if (typeof entry === "number") {
      this.options.log(`GET_GFX_DMABUF(${p.id}) failed: ${describeResult(entry)}`);
      return;
    }
    let changed = false;
    if (p.id !== this.primaryId) {
      changed = true;
      const layout = { drmFormat: p.drmFormat, modifier: p.drmFormatMod, width: p.width, height: p.height, stride: p.stride };
      const reason = unsupportedReason(layout) ?? (isMapping(entry.mapping) ? undefined : `mmap of the dma-buf failed: ${describeResult(entry.mapping)}`);
      if (reason) {
        this.primaryId = 0;
        this.displayOff(reason);
        return;
      }
      this.primaryId = p.id;
      this.useLayout(layout);
    }
    this.current = entry;
    this.readFrame(entry);
    if (this.refreshCursor()) changed = true;
    if (changed) this.cache.trim();
  }

  private useLayout(layout: PlaneLayout): void {
    const sizeChanged = !this.tracker || this.tracker.width !== layout.width || this.tracker.height !== layout.height;
    this.layout = layout;
    if (sizeChanged) {
      this.tracker = new DamageTracker(layout.width, layout.height);
      this.moves = new MoveDetector(this.tracker.surface, layout.width, layout.height);
      this.console.publishSurface({ width: layout.width, height: layout.height, pixels: this.tracker.surface });
    } else if (!this.console.displayOn) {
      // the display was off (its surface maybe blanked): front-ends get it whole, nothing moved from before
      this.moves!.invalidate();
      this.console.publishSurface(this.console.surface!);
    }
  }

  private readFrame(entry: CachedDmabuf): void {
    const mapping = entry.mapping as Mapping;
    // CPU access to a dma-buf is bracketed by SYNC, as the uAPI asks (the model's GVT refreshes its shadow
    // copy of scattered guest pages here).
    entry.file.sync(DmaBufSyncFlags.START | DmaBufSyncFlags.READ);
    this.reader.read(this.tracker!, this.layout, mapping.bytes, entry.mappedBytes);
    entry.file.sync(DmaBufSyncFlags.END | DmaBufSyncFlags.READ);
    this.finishFrame();
  }

  private finishFrame(): void {
    const t = this.tracker!;
    this.stats.frames++;
    this.stats.rowsChanged += t.rowsChanged;
    const damage = t.endFrame();
    this.moves!.detect(damage);
    this.stats.moves += damage.moves?.length ?? 0;
    this.console.publishUpdate(damage);
  }

  /** The cursor plane → Console cursor shape and position. Returns whether the cursor buffer changed. */
  private refreshCursor(): boolean {
    this.stats.queries++;
    const c = this.cursorPlane;
    const ret = queryPlane(this.dev, "dmabuf", DrmPlaneType.CURSOR, c);
    const visible = ret === 0 && c.drmFormat !== 0 && c.size !== 0;
    if (this.flipToOutput(DrmPlaneType.CURSOR, c, visible)) return false;
    if (!visible) {
      if (this.cursorId !== 0) {
        this.cursorId = 0;
        this.console.publishCursor(undefined);
        return true;
      }
      return false;
    }
    let changed = false;
    if (c.id !== this.cursorId) {
      const entry = this.cache.get(c.id);
      // 512: QEMU's cursor_alloc bound; a larger "cursor" would only be an allocation the driver chose for us
      if (typeof entry === "number" || !isMapping(entry.mapping) || c.drmFormat !== DrmFormat.ARGB8888 || c.width > 512 || c.height > 512) return false;
      this.cursorId = c.id;
      this.console.publishCursor(this.readCursor(entry, c));
      changed = true;
    }
    this.console.publishCursorMove(c.xPos, c.yPos);
    return changed;
  }

  private readCursor(entry: CachedDmabuf, c: GfxPlaneInfoView): CursorShape {
    const width = c.width;
    const height = c.height;
    const pixels = new Uint32Array(width * height);
    const bytes = (entry.mapping as Mapping).bytes;
    entry.file.sync(DmaBufSyncFlags.START | DmaBufSyncFlags.READ);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * c.stride + x * 4;
        if (i + 4 > entry.mappedBytes) break;
        pixels[y * width + x] = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
      }
    }
    entry.file.sync(DmaBufSyncFlags.END | DmaBufSyncFlags.READ);
    // A hotspot counts only if both coordinates are known (QEMU's rule); unknown → 0,0.
    const known = c.xHot < width && c.yHot < height; // GFX_HOTSPOT_UNKNOWN is never inside
    return { width, height, pixels, hotX: known ? c.xHot : 0, hotY: known ? c.yHot : 0 };
  }

  private refreshRegion(): void {
    this.stats.queries++;
    const ret = queryPlane(this.dev, "region", DrmPlaneType.PRIMARY, this.plane);
    if (ret < 0) return this.queryFailed(ret);
    const p = this.plane;
    if (p.drmFormat === 0 || p.size === 0) {
      this.displayOff("guest display off");
      return;
    }
    if (!this.region || this.region.index !== p.id) {
      if (this.region) this.region.mapping.unmap();
      this.region = undefined;
      const info = getRegionInfo(this.dev, p.id);
      if (typeof info === "number") return this.options.log(`GET_REGION_INFO(${p.id}) failed: ${describeResult(info)}`);
      const length = Math.min(info.size, Math.max(p.size, p.stride * p.height));
      const mapping = this.dev.mmap(length, PROT_READ, MAP_SHARED, info.offset);
      if (!isMapping(mapping)) return this.displayOff(`mmap of region ${p.id} failed: ${describeResult(mapping)}`);
      this.region = { index: p.id, mapping, length };
      this.layout = { drmFormat: 0, modifier: 0n, width: 0, height: 0, stride: 0 };
    }
    const l = this.layout;
    if (l.drmFormat !== p.drmFormat || l.width !== p.width || l.height !== p.height || l.stride !== p.stride || !this.console.displayOn) {
      const layout = { drmFormat: p.drmFormat, modifier: p.drmFormatMod, width: p.width, height: p.height, stride: p.stride };
      const reason = unsupportedReason(layout);
      if (reason) return this.displayOff(reason);
      this.useLayout(layout);
    }
    this.reader.read(this.tracker!, this.layout, this.region.mapping.bytes, this.region.length);
    this.finishFrame();
  }
}
