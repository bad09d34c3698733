/**
 * The client side of the RFB handshake: ProtocolVersion (3.3, 3.7 or 3.8, chosen by the caller so a
 * server's handling of each can be tested), security (None, VNC auth, VeNCrypt with TLS/X509 + None/VNC),
 * SecurityResult, ClientInit and ServerInit. Every server answer is checked against the protocol.
 */
import type { ConnectionOptions } from "node:tls";
import { decodePixelFormat, pixelFormatProblem, PIXEL_FORMAT_BYTES, type PixelFormat } from "../pixel-format.ts";
import { anonymousTlsClientOptions } from "../security/anonymous-tls.ts";
import { VeNCryptSubtype, vencryptSubtypeName } from "../security/vencrypt.ts";
import { vncAuthResponse, VNC_AUTH_CHALLENGE_BYTES } from "../security/vnc-auth.ts";
import type { ClientStream } from "./client-stream.ts";

export type RfbVersion = "3.3" | "3.7" | "3.8";

export class ProtocolViolation extends Error {}
/** The server refused us (security failure, authentication failure), with its reason when it gave one. */
export class ServerRefused extends Error {
  constructor(
    message: string,
    readonly reason: string | undefined,
  ) {
    super(message);
  }
}

export interface HandshakeOptions {
  version: RfbVersion;
  /** security types we accept, in our order of preference (default: VeNCrypt, VNC auth if a password is given, None) */
  securityTypes?: number[];
  password?: string | Uint8Array;
  /** VeNCrypt subtypes we accept, in our order of preference */
  vencryptSubtypes?: number[];
  /** extra TLS options for X509 subtypes (ca, rejectUnauthorized, servername …) */
  tls?: ConnectionOptions;
  shared: boolean;
}

export interface ServerInit {
  width: number;
  height: number;
  pixelFormat: PixelFormat;
  name: string;
}

export interface HandshakeResult {
  version: RfbVersion;
  /** what the server announced, e.g. "3.8" */
  serverVersion: string;
  securityType: number;
  vencryptSubtype: number | undefined;
  serverInit: ServerInit;
}

/** Longest text we accept from a server (names, reasons): far above anything sane. */
export const MAX_SERVER_STRING = 1 << 20;

const VERSION_LINE = /^RFB (\d{3})\.(\d{3})\n$/;

export async function clientHandshake(stream: ClientStream, options: HandshakeOptions): Promise<HandshakeResult> {
  const src = stream.source;
  const line = (await src.read(12)).toString("latin1");
  const m = VERSION_LINE.exec(line);
  if (!m) throw new ProtocolViolation(`bad ProtocolVersion ${JSON.stringify(line)}`);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 3 || minor < 3) throw new ProtocolViolation(`server speaks RFB ${major}.${minor}, not 3.x with x >= 3`);
  const wantedMinor = Number(options.version.split(".")[1]);
  if (minor < wantedMinor) throw new ProtocolViolation(`server offers RFB 3.${minor}, below the requested ${options.version}`);
  stream.write(Buffer.from(`RFB 003.00${wantedMinor}\n`, "latin1"));

  const password = typeof options.password === "string" ? Buffer.from(options.password, "utf8") : options.password;
  const accepted = options.securityTypes ?? [19, ...(password ? [2] : []), 1];
  let securityType: number;
  if (wantedMinor === 3) {
    securityType = await src.u32();
    if (securityType === 0) throw new ServerRefused(...refusal("the server refused the connection", await readString(src, "failure reason")));
    if (securityType !== 1 && securityType !== 2) throw new ProtocolViolation(`RFB 3.3 security type ${securityType} (only 1 or 2 are allowed)`);
    if (!accepted.includes(securityType)) throw new ServerRefused(`the server requires security type ${securityType}, which we do not accept`, undefined);
  } else {
    const n = await src.u8();
    if (n === 0) throw new ServerRefused(...refusal("the server refused the connection", await readString(src, "failure reason")));
    const offered = [...(await src.read(n))];
    if (offered.includes(0)) throw new ProtocolViolation(`security type list [${offered.join(", ")}] contains the invalid type 0`);
    const pick = accepted.find((t) => offered.includes(t));
    if (pick === undefined) {
      stream.close();
      throw new ServerRefused(`no common security type: server offers [${offered.join(", ")}], we accept [${accepted.join(", ")}]`, undefined);
    }
    securityType = pick;
    stream.write(Uint8Array.of(securityType));
  }

  let vencryptSubtype: number | undefined;
  let subAuthIsVnc = securityType === 2;
  if (securityType === 19) {
    vencryptSubtype = await vencrypt(stream, options);
    subAuthIsVnc = vencryptSubtype === VeNCryptSubtype.TLSVnc || vencryptSubtype === VeNCryptSubtype.X509Vnc;
  } else if (securityType !== 1 && securityType !== 2) {
    throw new Error(`security type ${securityType} is not implemented by this client`);
  }
  if (subAuthIsVnc) {
    if (!password) throw new ServerRefused("the server asks for VNC authentication but no password was given", undefined);
    const challenge = await src.read(VNC_AUTH_CHALLENGE_BYTES);
    stream.write(vncAuthResponse(challenge, password));
  }

  // 3.3 and 3.7 skip SecurityResult with type None (1) only; 3.8 always sends it (VeNCrypt with a None
  // subtype is still type 19, so it gets one, as TigerVNC expects).
  if (wantedMinor === 8 || securityType !== 1) {
    const result = await src.u32();
    if (result !== 0) {
      if (result !== 1 && result !== 2) throw new ProtocolViolation(`SecurityResult ${result} (0, 1 or 2 expected)`);
      const reason = wantedMinor === 8 ? await readString(src, "SecurityResult reason") : undefined;
      throw new ServerRefused(...refusal(result === 2 ? "too many authentication attempts" : "authentication failed", reason));
    }
  }

  stream.write(Uint8Array.of(options.shared ? 1 : 0));
  const head = await src.read(4 + PIXEL_FORMAT_BYTES);
  const width = head.readUInt16BE(0);
  const height = head.readUInt16BE(2);
  const pixelFormat = decodePixelFormat(head, 4);
  const problem = pixelFormatProblem(pixelFormat);
  if (problem) throw new ProtocolViolation(`ServerInit pixel format: ${problem}`);
  const name = await readString(src, "desktop name");
  return {
    version: options.version,
    serverVersion: `${major}.${minor}`,
    securityType,
    vencryptSubtype,
    serverInit: { width, height, pixelFormat, name },
  };
}

function refusal(what: string, reason: string | undefined): [string, string | undefined] {
  return [reason === undefined ? what : `${what}: ${reason}`, reason];
}

async function vencrypt(stream: ClientStream, options: HandshakeOptions): Promise<number> {
  const src = stream.source;
  const v = await src.read(2);
  if (v[0] !== 0 || v[1]! < 2) throw new ProtocolViolation(`VeNCrypt version ${v[0]}.${v[1]} (0.2 needed)`);
  stream.write(Uint8Array.of(0, 2));
  const ack = await src.u8();
  if (ack !== 0) throw new ServerRefused(`the server refused VeNCrypt version 0.2 (ack ${ack})`, undefined);
  const n = await src.u8();
  if (n === 0) throw new ProtocolViolation("VeNCrypt subtype list is empty");
  const list = await src.read(4 * n);
  const offered: number[] = [];
  for (let i = 0; i < n; i++) offered.push(list.readUInt32BE(4 * i));
  const accepted = options.vencryptSubtypes ?? [VeNCryptSubtype.X509Vnc, VeNCryptSubtype.X509None, VeNCryptSubtype.TLSVnc, VeNCryptSubtype.TLSNone];
  const pick = accepted.find((s) => offered.includes(s));
  if (pick === undefined) {
    stream.close();
    throw new ServerRefused(`no common VeNCrypt subtype: server offers [${offered.map(vencryptSubtypeName).join(", ")}]`, undefined);
  }
  const chosen = Buffer.alloc(4);
  chosen.writeUInt32BE(pick, 0);
  stream.write(chosen);
  const ok = await src.u8();
  if (ok !== 1) {
    if (ok === 0) throw new ServerRefused(`the server refused VeNCrypt subtype ${vencryptSubtypeName(pick)}`, undefined);
    throw new ProtocolViolation(`VeNCrypt subtype ack ${ok} (0 or 1 expected)`);
  }
  if (!stream.startTls) throw new ProtocolViolation("VeNCrypt needs TLS, which this transport cannot start");
  const x509 = pick === VeNCryptSubtype.X509None || pick === VeNCryptSubtype.X509Vnc;
  const tlsOptions: ConnectionOptions = x509 ? { minVersion: "TLSv1.2", ...options.tls } : anonymousTlsClientOptions();
  await stream.startTls(tlsOptions);
  return pick;
}

export async function readString(src: ClientStream["source"], what: string): Promise<string> {
  const n = await src.u32();
  if (n > MAX_SERVER_STRING) throw new ProtocolViolation(`${what} of ${n} bytes (limit ${MAX_SERVER_STRING})`);
  const b = await src.read(n);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    throw new ProtocolViolation(`${what} is not valid UTF-8`);
  }
}
