/**
 * bench/peers/floor-server.c in Node, written as our server writes: woken by "put <i>" on stdin, it writes a
 * 28-byte update and a 17-byte fence to its one client (two writes in one tick, corked into one writev, as
 * RfbTransport does), answers "ready <i>", and reads the client's answers. No pixels, no RFB state: what
 * is left is what Node's event loop, streams and sockets cost a frame. bench/event-loop-floor.ts times it.
 *
 *   node bench/floor-server.ts      stdout "listening <port>", then serves the first client to connect
 */
import { createServer, type Socket } from "node:net";
import { onPutCommands } from "./put-commands.ts";

const UPDATE = Buffer.alloc(28);
const FENCE = Buffer.alloc(17, 0);
FENCE[0] = 248;

const server = createServer((client: Socket) => {
  server.close();
  client.setNoDelay(true);
  client.on("data", () => {}); // the client's fence answers
  client.on("close", () => process.exit(0));
  onPutCommands((i) => {
    client.cork();
    client.write(UPDATE);
    client.write(FENCE);
    process.nextTick(() => client.uncork());
    process.stdout.write(`ready ${i}\n`);
  });
  process.stdin.on("end", () => process.exit(0));
});
server.listen(0, "127.0.0.1", () => {
  const a = server.address();
  process.stdout.write(`listening ${typeof a === "object" && a ? a.port : 0}\n`);
});
