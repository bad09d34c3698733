/**
 * What the VM and the host share about the VM's result.
 *
 * The lines that frame the VM's JSON result on the serial console (kernel messages may surround it).
 */
export const RESULT_BEGIN = "@@VFIO-DISPLAY-RESULT-BEGIN@@";
export const RESULT_END = "@@VFIO-DISPLAY-RESULT-END@@";
/** the tag in front of each base64 line of the result */
export const B64_TAG = "@@B64 ";

/** One end-to-end run in the VM: a driver's plane read through the real kernel and checked pixel by pixel. */
export interface VmEndToEnd {
  driver: string;
  ok: boolean;
  detail: string;
  kind?: string;
  width?: number;
  height?: number;
  pixelsChecked?: number;
  mismatches?: number;
  via?: string;
}
