/** The lines that frame the VM's JSON result on the serial console (kernel messages may surround it). */
export const RESULT_BEGIN = "@@VFIO-DISPLAY-RESULT-BEGIN@@";
export const RESULT_END = "@@VFIO-DISPLAY-RESULT-END@@";
/** the tag in front of each base64 line of the result */
export const B64_TAG = "@@B64 ";
