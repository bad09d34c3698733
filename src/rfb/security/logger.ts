/**
 * What security code logs through: the two levels it needs. A pino logger fits as it is; tests pass a
 * collector. Details that must not reach the client (why an authentication failed) go here.
 */
export interface SecurityLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** For callers that do not log. */
export const silentLogger: SecurityLogger = { info() {}, warn() {} };
