/**
 * The feeders' command channel: the bench writes "put <i>" lines on their stdin (bench/line-child.ts).
 * Calls `put` with each frame number as its line arrives; other lines are ignored.
 */
export function onPutCommands(put: (frame: number) => void): void {
  let pending = "";
  process.stdin.on("data", (chunk: Buffer) => {
    pending += chunk.toString("latin1");
    for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
      const m = /^put (\d+)$/.exec(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      if (m) put(Number(m[1]));
    }
  });
}
