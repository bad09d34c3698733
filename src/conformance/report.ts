/** The suite's report as text for people (one line per check, details for failures) or as JSON. */
import type { SuiteReport } from "./suite.ts";

const MARK = { pass: "ok  ", documented: "doc ", fail: "FAIL", error: "ERR " } as const;

export function formatReport(report: SuiteReport): string {
  const lines = [`conformance: ${report.target.description}`];
  for (const r of report.results) {
    const quirk = r.quirk && r.status === "pass" ? `  [kernel bug: ${r.quirk.name}]` : r.status === "documented" ? `  [documented behaviour; the kernel has ${r.quirk!.name}]` : "";
    lines.push(`  ${MARK[r.status]} ${r.id.padEnd(22)} ${r.title}${quirk}`);
    if (r.status === "fail") {
      lines.push(`         expected ${JSON.stringify(r.expected)}`);
      lines.push(`         observed ${JSON.stringify(r.observed)}`);
    }
    if (r.status === "error") lines.push(`         ${r.error?.split("\n")[0]}`);
  }
  const s = report.summary;
  lines.push(`${s.total} checks: ${s.passed} passed, ${s.documented} documented, ${s.failed} failed, ${s.errors} errors — ${report.ok ? "OK" : "NOT CONFORMANT"}`);
  return lines.join("\n");
}

export function formatReportsJson(reports: SuiteReport[]): string {
  return JSON.stringify({ ok: reports.every((r) => r.ok), reports }, null, 2);
}
