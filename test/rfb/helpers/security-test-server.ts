/**
 * A tiny RFB server for testing security types without the full server: version, lockout check,
 * security-type list, the chosen type's exchange, SecurityResult (3.8 reason), ClientInit and a
 * ServerInit for a 4x4 desktop. Records what happened for assertions.
 */
import { createServer, type AddressInfo, type Server } from "node:net";
import { HandshakeIO } from "../../../src/rfb/handshake-io.ts";
import { AuthLockout, TOO_MANY_FAILURES_REASON } from "../../../src/rfb/security/lockout.ts";
import type { SecurityType } from "../../../src/rfb/security/security-type.ts";
import { TcpTransport } from "../../../src/rfb/tcp-transport.ts";
import { encodePixelFormat, SERVER_PIXEL_FORMAT } from "../../../src/rfb/pixel-format.ts";

export interface SessionRecord {
  address: string;
  chosen?: number;
  outcome?: "ok" | "failed" | "blocked" | "error";
  reason?: string;
  encrypted?: boolean;
  clientInit?: number;
}

export interface SecurityTestServer {
  port: number;
  sessions: SessionRecord[];
  logs: string[];
  close(): Promise<void>;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

function withReason(reason: string): Buffer {
  const r = Buffer.from(reason, "utf8");
  return Buffer.concat([u32(r.length), r]);
}

export async function startSecurityTestServer(types: SecurityType[], lockout?: AuthLockout): Promise<SecurityTestServer> {
  const sessions: SessionRecord[] = [];
  const logs: string[] = [];
  const server: Server = createServer((socket) => {
    const transport = new TcpTransport(socket);
    const record: SessionRecord = { address: transport.remoteAddress };
    sessions.push(record);
    void (async () => {
      const io = new HandshakeIO(transport, 10_000);
      try {
        io.write(Buffer.from("RFB 003.008\n"));
        const version = (await io.read(12)).toString("latin1");
        const minor = Number(version.slice(8, 11));
        const offered = types.filter((t) => t.availableOn("tcp") && (minor >= 7 || t.rfb33));
        const blocked = lockout?.check(record.address);
        if (blocked?.blocked) {
          record.outcome = "blocked";
          io.write(minor >= 7 ? Buffer.concat([Buffer.of(0), withReason(TOO_MANY_FAILURES_REASON)]) : Buffer.concat([u32(0), withReason(TOO_MANY_FAILURES_REASON)]));
          transport.close();
          return;
        }
        let type: SecurityType;
        if (minor >= 7) {
          io.write(Buffer.from([offered.length, ...offered.map((t) => t.type)]));
          const choice = (await io.read(1))[0]!;
          const t = offered.find((o) => o.type === choice);
          if (!t) throw new Error(`client chose ${choice}`);
          type = t;
        } else {
          type = offered[0]!;
          io.write(u32(type.type));
        }
        record.chosen = type.type;
        const outcome = await type.run(io);
        record.encrypted = (transport as TcpTransport).encrypted;
        if (!outcome.ok) {
          record.outcome = "failed";
          record.reason = outcome.reason;
          lockout?.recordFailure(record.address);
          io.write(minor >= 8 ? Buffer.concat([u32(1), withReason(outcome.reason)]) : u32(1));
          transport.close();
          return;
        }
        lockout?.recordSuccess(record.address);
        if (minor >= 8 || type.type !== 1) io.write(u32(0));
        record.clientInit = (await io.read(1))[0]!;
        record.outcome = "ok";
        io.finish();
        const init = Buffer.alloc(20);
        init.writeUInt16BE(4, 0);
        init.writeUInt16BE(4, 2);
        encodePixelFormat(SERVER_PIXEL_FORMAT, init, 4);
        const name = Buffer.from("security-test");
        io.write(Buffer.concat([init, u32(name.length), name]));
      } catch (e) {
        record.outcome = "error";
        record.reason = (e as Error).message;
        transport.close(true);
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    sessions,
    logs,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.unref();
      }),
  };
}

export function collectingLogger(logs: string[]) {
  return { info: (m: string) => void logs.push(`info: ${m}`), warn: (m: string) => void logs.push(`warn: ${m}`) };
}
