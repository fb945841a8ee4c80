/**
 * Error kinds of the emulated gs_sdr, mirroring how OM ends a run: `logger.logExit` (message on stdout, exit 1)
 * versus any other exception (message on stdout through `logger.error`, then a Python-style traceback on stderr, exit 1).
 */

/** `logger.logExit(msg)`: the message goes to stdout (and the log) and the process exits 1, with no traceback. */
export class LogExit extends Error {
  /** Creates a logExit with the exact message OM prints. */
  constructor(message: string) {
    super(message);
    this.name = "LogExit";
  }
}

/** A plain Python `Exception(msg)`: printed through logger.error, then a traceback on stderr. */
export class SdrException extends Error {
  /** Creates an exception whose message is printed verbatim. */
  constructor(message: string) {
    super(message);
    this.name = "Exception";
  }
}

/** `[GAUSS-51632] : Failed to do <what>.` (ErrorCode GAUSS_51632). */
export function gauss51632(what: string): string {
  return `[GAUSS-51632] : Failed to do ${what}.`;
}

/** Formats a Python-like traceback for an exception that escaped `__main__`. */
export function pythonTraceback(message: string, where = "run"): string {
  return [
    "Traceback (most recent call last):",
    '  File "$GPHOME/script/gs_sdr", line 103, in <module>',
    `    streaming_handler.${where}()`,
    `Exception: ${message}`,
    "",
  ].join("\n");
}
