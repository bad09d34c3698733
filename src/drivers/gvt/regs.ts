/**
 * The gen9 (Skylake) registers the GVT model emulates, at their i915 offsets inside BAR0 (GTTMMADR).
 * Names are the i915 ones (i915_reg.h, display/skl_universal_plane_regs.h, display/intel_cursor_regs.h,
 * i915_pvinfo.h); README.md lists every one.
 */

/** BAR0 layout on gen8+: 2 MiB of MMIO registers, then (at 8 MiB) the GGTT as 8-byte PTEs. */
export const BAR0_SIZE = 16 * 1024 * 1024;
export const MMIO_SIZE = 2 * 1024 * 1024;
export const GTT_OFFSET = 8 * 1024 * 1024;
export const GTT_SIZE = 8 * 1024 * 1024;
export const GTT_ENTRY_SIZE = 8;

/** Skylake has three pipes (A, B, C); their display registers are 0x1000 apart. */
export const NUM_PIPES = 3;
export const PIPE_STRIDE = 0x1000;

/** PIPESRC: (width - 1) in bits 28:16, (height - 1) in bits 11:0. */
export const PIPESRC_A = 0x6001c;
/** PIPECONF / TRANSCONF */
export const PIPECONF_A = 0x70008;
export const PIPECONF_ENABLE = 1 << 31;
/** TRANSCONF_STATE_ENABLE: the hardware's "pipe is running" status bit. */
export const PIPECONF_STATE_ENABLE = 1 << 30;

/** Cursor registers (IVB+ layout: pipe B at 0x71080, C at 0x72080). */
export const CURCNTR_A = 0x70080;
export const CURBASE_A = 0x70084;
export const CURPOS_A = 0x70088;
export const CURSURFLIVE_A = 0x700ac;
export const MCURSOR_MODE_MASK = 0x27;
export const MCURSOR_MODE = {
  DISABLE: 0x00,
  M128_32B_AX: 0x02,
  M256_32B_AX: 0x03,
  M64_2B: 0x04,
  M64_32B_AX: 0x07,
  M128_ARGB_AX: 0x22,
  M256_ARGB_AX: 0x23,
  M64_ARGB_AX: 0x27,
} as const;
/** GVT's own CURPOS decode masks (fb_decoder.h): x 12:0, x sign 15, y 27:16, y sign 31. */
export const CURPOS_X_MASK = 0x1fff;
export const CURPOS_X_SIGN = 1 << 15;
export const CURPOS_Y_SHIFT = 16;
export const CURPOS_Y_MASK = 0xfff;
export const CURPOS_Y_SIGN = 1 << 31;

/** Universal plane 1 (the primary plane) of pipe A; pipe B/C at +0x1000/+0x2000. */
export const PLANE_CTL_1_A = 0x70180;
export const PLANE_STRIDE_1_A = 0x70188;
export const PLANE_OFFSET_1_A = 0x701a4;
export const PLANE_SURF_1_A = 0x7019c;
export const PLANE_SURFLIVE_1_A = 0x701ac;

export const PLANE_CTL_ENABLE = 1 << 31;
export const PLANE_CTL_FORMAT_SHIFT = 24;
export const PLANE_CTL_FORMAT_MASK = 0xf << PLANE_CTL_FORMAT_SHIFT;
/** PLANE_CTL_FORMAT_* (bits 27:24, pre-ICL) */
export const PlaneFormat = {
  YUV422: 0,
  NV12: 1,
  XRGB_2101010: 2,
  P010: 3,
  XRGB_8888: 4,
  P012: 5,
  XRGB_16161616F: 6,
  P016: 7,
  XYUV: 8,
  INDEXED: 12,
  RGB_565: 14,
} as const;
export const PLANE_CTL_ORDER_RGBX = 1 << 20;
export const PLANE_CTL_YUV422_ORDER_SHIFT = 16;
export const PLANE_CTL_YUV422_ORDER_MASK = 3 << PLANE_CTL_YUV422_ORDER_SHIFT;
/** YUV422 byte orders (bits 17:16) */
export const Yuv422Order = { YUYV: 0, UYVY: 1, YVYU: 2, VYUY: 3 } as const;
export const PLANE_CTL_TILED_SHIFT = 10;
export const PLANE_CTL_TILED_MASK = 7 << PLANE_CTL_TILED_SHIFT;
/** PLANE_CTL_TILED_* values of bits 12:10 */
export const PlaneTiling = { LINEAR: 0, X: 1, Y: 4, YF: 5 } as const;
/** PLANE_CTL_ALPHA_MASK (bits 5:4, pre-GLK): 0 disable, 2 SW premultiply, 3 HW premultiply */
export const PLANE_CTL_ALPHA_SHIFT = 4;
export const PLANE_CTL_ALPHA_MASK = 3 << PLANE_CTL_ALPHA_SHIFT;
/** GVT decodes the stride field as (_PRI_PLANE_STRIDE_MASK >> 6) = 10 bits. */
export const PLANE_STRIDE_MASK = 0x3ff;

/** The PVINFO page shared between a paravirtualised guest and GVT (i915_pvinfo.h, struct vgt_if). */
export const VGT_PVINFO_PAGE = 0x78000;
export const VGT_PVINFO_SIZE = 0x1000;
export const VGT_MAGIC_LO = 0x76544776; // 'vGTv' — VGT_MAGIC = 0x4776544776544776
export const VGT_MAGIC_HI = 0x47765447; // 'GTvG'
export const Pvinfo = {
  magic: 0x00,
  versionMajor: 0x08,
  versionMinor: 0x0a,
  vgtId: 0x0c,
  vgtCaps: 0x10,
  mappableBase: 0x40,
  mappableSize: 0x44,
  nonmappableBase: 0x48,
  nonmappableSize: 0x4c,
  fenceNum: 0x50,
  displayReady: 0x804,
  g2vNotify: 0x818,
  cursorXHot: 0x830,
  cursorYHot: 0x834,
  pdp0Lo: 0x838,
  execlistDescHi: 0x85c,
} as const;
export const VGT_CAPS_FULL_PPGTT = 1 << 2;
export const VGT_CAPS_HWSP_EMULATION = 1 << 3;
export const VGT_CAPS_HUGE_GTT = 1 << 4;

/** South display engine interrupts and hotplug (the PCH side of port D, where GVT's monitor sits). */
export const SDEISR = 0xc4000;
export const SDEIMR = 0xc4004;
export const SDEIIR = 0xc4008;
export const SDEIER = 0xc400c;
export const SDE_PORTD_HOTPLUG_CPT = 1 << 23;
export const PCH_PORT_HOTPLUG = 0xc4030;
export const PORTD_HOTPLUG_STATUS_MASK = 3 << 16;
export const SFUSE_STRAP = 0xc2014;
export const SFUSE_STRAP_DDID_DETECTED = 1 << 0;

/**
 * DP AUX channel D (SKL: DP_AUX_CH_CTL(AUX_CH_D) and its five data registers): the guest reads the DP
 * monitor's EDID with I2C-over-AUX transactions here (GVT's intel_gvt_i2c_handle_aux_ch_write).
 */
export const DP_AUX_CH_CTL_D = 0x64310;
export const DP_AUX_CH_DATA1_D = 0x64314;
export const DP_AUX_CH_DATA_COUNT = 5;
export const DP_AUX_CH_CTL_SEND_BUSY = 1 << 31;
export const DP_AUX_CH_CTL_DONE = 1 << 30;
export const DP_AUX_CH_CTL_MESSAGE_SIZE_SHIFT = 20;
export const DP_AUX_CH_CTL_MESSAGE_SIZE_MASK = 0x1f << DP_AUX_CH_CTL_MESSAGE_SIZE_SHIFT;
/** AUX request codes (high nibble of the first header byte), GVT's GVT_AUX_* */
export const AuxOp = { I2C_WRITE: 0x0, I2C_READ: 0x1, I2C_MOT: 0x4, NATIVE_WRITE: 0x8, NATIVE_READ: 0x9 } as const;
export const AUX_I2C_REPLY_ACK = 0x0;
/** The DDC address of a monitor's EDID EEPROM. */
export const EDID_I2C_ADDR = 0x50;

export function pipeReg(base: number, pipe: number): number {
  return base + pipe * PIPE_STRIDE;
}
