/**
 * The VNC server under test for end-to-end runs with real clients: on a Console (a still picture we
 * publish, or a model vGPU's), TCP and/or WebSocket on free ports, and a logger that keeps what the server
 * said so a failing test can print it.
 */
import { Console, type ConsoleSurface } from "../../src/display/console.ts";
import type { Logger } from "../../src/rfb/logger.ts";
import { RfbServer, type RfbServerOptions } from "../../src/rfb/server.ts";
import { NoneSecurity } from "../../src/rfb/security/none.ts";

export class RecordingLogger implements Logger {
  readonly lines: string[] = [];
  private add(level: string, fields: object, msg: string): void {
    this.lines.push(`${level} ${msg} ${JSON.stringify(fields)}`);
    if (this.lines.length > 500) this.lines.shift();
  }
  debug(): void {}
  info(fields: object, msg: string): void {
    this.add("info", fields, msg);
  }
  warn(fields: object, msg: string): void {
    this.add("warn", fields, msg);
  }
  error(fields: object, msg: string): void {
    this.add("error", fields, msg);
  }
  /** for assertion messages */
  toString(): string {
    return this.lines.join("\n");
  }
}

export interface ServerUnderTest {
  server: RfbServer;
  console: Console;
  log: RecordingLogger;
  /** TCP port (≥ 5900, so tools that take a display number can reach it), if TCP was asked for */
  tcpPort: number;
  /** WebSocket port, if a WebSocket listener was asked for */
  wsPort: number;
  close(): Promise<void>;
}

export async function startVncServer(
  options: { console?: Console; surface?: ConsoleSurface; tcp?: boolean; websocket?: boolean } & Partial<Omit<RfbServerOptions, "console" | "tcp" | "websocket" | "log">>,
): Promise<ServerUnderTest> {
  const con = options.console ?? new Console("e2e-still");
  if (options.surface) con.publishSurface(options.surface);
  const log = new RecordingLogger();
  const server = new RfbServer({
    ...options,
    console: con,
    security: options.security ?? [new NoneSecurity()],
    tcp: options.tcp === false ? null : { host: "127.0.0.1", port: 0 },
    websocket: options.websocket ? { host: "127.0.0.1", port: 0 } : null,
    log,
  });
  const bound = await server.listen();
  const tcpPort = bound.tcp?.port ?? 0;
  // Ephemeral ports are far above 5900; a display-number tool would misparse anything below it.
  if (bound.tcp && tcpPort < 5900) throw new Error(`TCP port ${tcpPort} is below 5900; tools that take HOST:DISPLAY cannot reach it`);
  return { server, console: con, log, tcpPort, wsPort: bound.websocket?.port ?? 0, close: () => server.close() };
}
