/**
 * The vGPU's MMIO register file: the first 2 MiB of BAR0, one u32 per register as GVT's vreg array.
 *
 * Registers without a handler read back what was written (GVT's default handlers for untracked
 * registers). The handled ones are the few the display path needs: the pipe enable, plane/cursor surface
 * writes that latch the "live" registers, the PVINFO page, the hotplug interrupt bits and DP AUX channel D
 * through which the guest reads the monitor's EDID. See README.md for the full list.
 */
import { getU32, setU32 } from "../../abi/index.ts";
import type { GmRanges } from "./ggtt.ts";
import {
  AUX_I2C_REPLY_ACK,
  AuxOp,
  CURBASE_A,
  CURSURFLIVE_A,
  DP_AUX_CH_CTL_D,
  DP_AUX_CH_CTL_DONE,
  DP_AUX_CH_CTL_MESSAGE_SIZE_MASK,
  DP_AUX_CH_CTL_MESSAGE_SIZE_SHIFT,
  DP_AUX_CH_CTL_SEND_BUSY,
  DP_AUX_CH_DATA1_D,
  EDID_I2C_ADDR,
  MMIO_SIZE,
  NUM_PIPES,
  PCH_PORT_HOTPLUG,
  PIPECONF_A,
  PIPECONF_ENABLE,
  PIPECONF_STATE_ENABLE,
  PLANE_SURFLIVE_1_A,
  PLANE_SURF_1_A,
  PORTD_HOTPLUG_STATUS_MASK,
  Pvinfo,
  SDEIIR,
  SDEISR,
  SDE_PORTD_HOTPLUG_CPT,
  SFUSE_STRAP,
  SFUSE_STRAP_DDID_DETECTED,
  VGT_CAPS_FULL_PPGTT,
  VGT_CAPS_HUGE_GTT,
  VGT_CAPS_HWSP_EMULATION,
  VGT_MAGIC_HI,
  VGT_MAGIC_LO,
  VGT_PVINFO_PAGE,
  VGT_PVINFO_SIZE,
  pipeReg,
} from "./regs.ts";

/** PVINFO fields a guest may write (pvinfo_mmio_write); every other PVINFO write is dropped. */
const PVINFO_WRITABLE = new Set<number>([
  Pvinfo.displayReady,
  Pvinfo.g2vNotify,
  Pvinfo.cursorXHot,
  Pvinfo.cursorYHot,
  ...Array.from({ length: 10 }, (_, i) => Pvinfo.pdp0Lo + 4 * i), // pdp[0..3].lo/hi, execlist descriptor lo/hi
]);

export class GvtMmio {
  private readonly vregs = new Uint32Array(MMIO_SIZE / 4);
  private readonly bytes = new Uint8Array(this.vregs.buffer);
  private readonly scratch = new Uint8Array(4);
  /** I2C-over-AUX state: EDID address selected and the next byte to read (intel_vgpu_i2c_edid) */
  private auxTargetSelected = false;
  private edidReadPos = 0;

  constructor(
    private readonly gm: GmRanges,
    private readonly vgpuId: number,
    /** the monitor's EDID block, read by the guest over DP AUX */
    private readonly edidBlock: Uint8Array,
    fences: number,
  ) {
    this.fences = fences;
    this.reset();
  }

  private readonly fences: number;

  /** u32 value of the register at a dword-aligned offset (host side; no handlers). */
  reg(offset: number): number {
    return this.vregs[offset >>> 2]!;
  }

  setReg(offset: number, value: number): void {
    this.vregs[offset >>> 2] = value >>> 0;
  }

  /**
   * Device-model-level reset (intel_vgpu_reset_mmio + populate_pvinfo_page + the display part of
   * emulate_monitor_status_change on Skylake): every register 0, then pipe A enabled with all planes off,
   * the PVINFO page filled in, and the DP monitor on port D present.
   */
  reset(): void {
    this.vregs.fill(0);
    this.setReg(PIPECONF_A, PIPECONF_ENABLE);
    this.populatePvinfo();
    this.setReg(SFUSE_STRAP, SFUSE_STRAP_DDID_DETECTED);
    this.setReg(SDEISR, SDE_PORTD_HOTPLUG_CPT);
    this.auxTargetSelected = false;
    this.edidReadPos = 0;
  }

  private populatePvinfo(): void {
    const p = (field: number, v: number): void => this.setReg(VGT_PVINFO_PAGE + field, v);
    p(Pvinfo.magic, VGT_MAGIC_LO);
    p(Pvinfo.magic + 4, VGT_MAGIC_HI);
    p(Pvinfo.versionMajor, 1); // version_major 1 (u16 @8), version_minor 0 (u16 @10)
    p(Pvinfo.vgtId, this.vgpuId);
    p(Pvinfo.vgtCaps, VGT_CAPS_FULL_PPGTT | VGT_CAPS_HWSP_EMULATION | VGT_CAPS_HUGE_GTT);
    p(Pvinfo.mappableBase, this.gm.apertureBase);
    p(Pvinfo.mappableSize, this.gm.apertureSize);
    p(Pvinfo.nonmappableBase, this.gm.hiddenBase);
    p(Pvinfo.nonmappableSize, this.gm.hiddenSize);
    p(Pvinfo.fenceNum, this.fences);
    p(Pvinfo.cursorXHot, 0xffffffff);
    p(Pvinfo.cursorYHot, 0xffffffff);
  }

  /** intel_vgpu_emulate_hotplug on Skylake: presence bits follow `connected`, the event bits latch. */
  hotplug(connected: boolean): void {
    if (connected) {
      this.setReg(SFUSE_STRAP, this.reg(SFUSE_STRAP) | SFUSE_STRAP_DDID_DETECTED);
      this.setReg(SDEISR, this.reg(SDEISR) | SDE_PORTD_HOTPLUG_CPT);
    } else {
      this.setReg(SFUSE_STRAP, this.reg(SFUSE_STRAP) & ~SFUSE_STRAP_DDID_DETECTED);
      this.setReg(SDEISR, this.reg(SDEISR) & ~SDE_PORTD_HOTPLUG_CPT);
    }
    this.setReg(SDEIIR, this.reg(SDEIIR) | SDE_PORTD_HOTPLUG_CPT);
    this.setReg(PCH_PORT_HOTPLUG, this.reg(PCH_PORT_HOTPLUG) | PORTD_HOTPLUG_STATUS_MASK);
  }

  /** A naturally aligned 1/2/4-byte read inside the 2 MiB. */
  read(offset: number, data: Uint8Array): void {
    data.set(this.bytes.subarray(offset, offset + data.length));
  }

  /** A naturally aligned 1/2/4-byte write inside the 2 MiB: merged into its dword, then that dword's handler. */
  write(offset: number, data: Uint8Array): void {
    const dword = offset & ~3;
    const old = this.reg(dword);
    const merged = this.scratch;
    setU32(merged, 0, old);
    merged.set(data, offset - dword);
    this.writeDword(dword, old, getU32(merged, 0));
  }

  private writeDword(offset: number, old: number, value: number): void {
    if (offset >= VGT_PVINFO_PAGE && offset < VGT_PVINFO_PAGE + VGT_PVINFO_SIZE) {
      if (PVINFO_WRITABLE.has(offset - VGT_PVINFO_PAGE)) this.setReg(offset, value);
      return;
    }
    switch (offset) {
      case SDEIIR:
        // interrupt identity: write 1 to clear
        this.setReg(offset, old & ~value);
        return;
      case SDEISR:
        // live status: read-only
        return;
      case PCH_PORT_HOTPLUG:
        // the status bits are sticky, write 1 to clear; the enable bits are plain
        this.setReg(offset, ((value & ~PORTD_HOTPLUG_STATUS_MASK) | (old & PORTD_HOTPLUG_STATUS_MASK & ~value)) >>> 0);
        return;
      case DP_AUX_CH_CTL_D:
        this.auxControlWrite(value);
        return;
    }
    for (let pipe = 0; pipe < NUM_PIPES; pipe++) {
      if (offset === pipeReg(PIPECONF_A, pipe)) {
        // pipeconf_mmio_write: the state bit follows the enable bit
        const v = value & PIPECONF_ENABLE ? value | PIPECONF_STATE_ENABLE : value & ~PIPECONF_STATE_ENABLE;
        this.setReg(offset, v);
        return;
      }
      if (offset === pipeReg(PLANE_SURF_1_A, pipe)) {
        // the flip takes effect at once: the live surface register follows
        this.setReg(offset, value);
        this.setReg(pipeReg(PLANE_SURFLIVE_1_A, pipe), value);
        return;
      }
      if (offset === pipeReg(CURBASE_A, pipe)) {
        this.setReg(offset, value);
        this.setReg(pipeReg(CURSURFLIVE_A, pipe), value);
        return;
      }
    }
    this.setReg(offset, value);
  }

  /**
   * DP_AUX_CH_CTL(D) with SEND_BUSY: run the transaction in DATA1 at once and answer DONE. Only what
   * a guest needs to read the EDID is served: I2C-over-AUX address phases (3-byte messages; MOT with
   * address 0x50 selects the EDID, without MOT ends the transaction) and 1-byte I2C reads (4-byte
   * messages), each returning the next EDID byte. Native (DPCD) requests are acknowledged with no data.
   */
  private auxControlWrite(value: number): void {
    if ((value & DP_AUX_CH_CTL_SEND_BUSY) === 0) {
      this.setReg(DP_AUX_CH_CTL_D, 0); // only clearing sticky bits
      return;
    }
    const msgLength = (value & DP_AUX_CH_CTL_MESSAGE_SIZE_MASK) >>> DP_AUX_CH_CTL_MESSAGE_SIZE_SHIFT;
    const msg = this.reg(DP_AUX_CH_DATA1_D);
    const addr = (msg >>> 8) & 0xffff;
    const op = (msg >>> 28) & 0xf;
    const isRead = (op & 1) === AuxOp.I2C_READ;
    let reply = 0;
    if (op === AuxOp.NATIVE_READ || op === AuxOp.NATIVE_WRITE) {
      reply = 0;
    } else if (msgLength === 3) {
      if ((op & AuxOp.I2C_MOT) === 0) {
        this.auxTargetSelected = false; // stop
        this.edidReadPos = 0;
      } else if (addr === 0) {
        this.auxTargetSelected = false;
        this.edidReadPos = 0;
      } else if (addr === EDID_I2C_ADDR) {
        this.auxTargetSelected = true;
      }
    } else if (isRead && msgLength === 4) {
      // edid_get_byte: the next byte while the EDID is selected, 0 past its end; 0xff with no target
      let byte = 0xff;
      if (this.auxTargetSelected) byte = this.edidReadPos < this.edidBlock.length ? this.edidBlock[this.edidReadPos++]! : 0;
      reply = byte << 16;
    }
    const size = op === AuxOp.NATIVE_READ || op === AuxOp.NATIVE_WRITE ? 1 : isRead ? 2 : 1;
    this.setReg(DP_AUX_CH_CTL_D, (DP_AUX_CH_CTL_DONE | (size << DP_AUX_CH_CTL_MESSAGE_SIZE_SHIFT)) >>> 0);
    this.setReg(DP_AUX_CH_DATA1_D, ((AUX_I2C_REPLY_ACK << 24) | reply) >>> 0);
  }
}
