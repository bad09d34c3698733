/**
 * The logging the RFB server needs: pino's call shapes (an object of fields, then a message), so a pino
 * logger plugs in as is; tests pass a silent one or one that records.
 */
export interface Logger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
