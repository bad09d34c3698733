/** The conformance suite: ABI behaviours checked through DeviceFile against the model or a real kernel. */
export { ALL_CHECKS, runSuite, sameObservation, type CheckResult, type SuiteReport, type CheckStatus } from "./suite.ts";
export { profileFor, mbochsProfile, mdpyProfile, gvtProfile, type Profile, type Expectation } from "./profiles.ts";
export { modelTarget } from "./model-targets.ts";
export { formatReport, formatReportsJson } from "./report.ts";
export type { ConformanceTarget, DriverName, BackendName, DisplayGuest } from "./target.ts";
export type { Check, CheckContext, Observation } from "./check.ts";
