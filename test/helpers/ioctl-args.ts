/** The argument builders live with the conformance suite (src/conformance/ioctl-args.ts); tests use the same ones. */
export * from "../../src/conformance/ioctl-args.ts";
