/**
 * vfio-display extension, NOT part of the merged kernel ABI: plane-change notification.
 *
 * A device that offers it sets VFIO_DEVICE_FLAGS_CAPS in VFIO_DEVICE_GET_INFO and puts this capability in
 * the device-info capability chain (same protocol as region info: too small an argsz gets the needed size
 * back and cap_offset 0). The capability names a device-specific IRQ index (≥ VFIO_PCI_NUM_IRQS).
 * VFIO_DEVICE_GET_IRQ_INFO on it answers EVENTFD with count 1; VFIO_DEVICE_SET_IRQS with
 * DATA_EVENTFD|ACTION_TRIGGER, start 0, count 1 and an eventfd (−1 to remove it) arms it. The device then
 * signals the eventfd whenever what QUERY_GFX_PLANE would answer changes (mode, surface, flip, cursor) —
 * not when pixels inside a framebuffer change, which no device can see.
 */
export const VFIO_DEVICE_INFO_CAP_PLANE_NOTIFY = 0x7664; // 'vd'
export const PLANE_NOTIFY_CAP_SIZE = 16;
export const PlaneNotifyCapOffset = { id: 0, version: 2, next: 4, irqIndex: 8 } as const;
/** Where device-info capabilities start: after the struct, 8-byte aligned (mainline's sizeof is 24). */
export const DEVICE_INFO_CAPS_START = 24;
