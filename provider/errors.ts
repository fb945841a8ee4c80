/**
 * Typed errors of pulumi-hadr. Every error the provider raises is a {@link HadrError}: it carries a stable
 * `code`, says whether retrying the same operation can help (`retryable`), names where it happened
 * (`where`: cluster, node, step, tool) and tells the user what to do next (`hint`).
 *
 * Messages never contain secrets: callers pass text through `transport/redact` before it reaches an error.
 */

/** Where an error happened; every field is optional and only set when known. */
export interface ErrorLocation {
  /** Cluster name as given in the resource inputs. */
  cluster?: string;
  /** Node (host) the operation ran on. */
  node?: string;
  /** Step of the operation, e.g. `start -m primary` or `preflight`. */
  step?: string;
  /** Vendor tool involved, e.g. `gs_sdr`. */
  tool?: string;
}

/** Stable error codes; documented in docs/errors.md. */
export type HadrErrorCode =
  | "HADR_VALIDATION"
  | "HADR_SSH_CONNECT"
  | "HADR_SSH_AUTH"
  | "HADR_HOST_KEY"
  | "HADR_TIMEOUT"
  | "HADR_REMOTE_COMMAND"
  | "HADR_TOOL"
  | "HADR_LOCKED"
  | "HADR_PARSE"
  | "HADR_STATE"
  | "HADR_PARTIAL"
  | "HADR_INTERNAL";

/** Options shared by every error constructor. */
export interface HadrErrorOptions {
  where?: ErrorLocation;
  hint?: string;
  cause?: unknown;
}

/** Root of the hierarchy: `err instanceof HadrError` holds for everything pulumi-hadr throws on purpose. */
export class HadrError extends Error {
  /** Stable machine-readable code. */
  readonly code: HadrErrorCode;
  /** True when running the same operation again, unchanged, may succeed. */
  readonly retryable: boolean;
  /** Where the error happened. */
  readonly where: ErrorLocation;
  /** What the user should do next; shown after the message. */
  readonly hint: string | undefined;

  constructor(code: HadrErrorCode, message: string, retryable: boolean, opts: HadrErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
    this.where = opts.where ?? {};
    this.hint = opts.hint;
  }

  /** One line for logs and the CLI: `[CODE] cluster=A node=127.0.1.1 step=start: message (hint)`. */
  describe(): string {
    const loc = Object.entries(this.where)
      .filter(([, v]) => v !== undefined && v !== "")
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    const retry = this.retryable ? " Retrying may help." : "";
    return `[${this.code}]${loc ? ` ${loc}:` : ""} ${this.message}${this.hint ? ` ${this.hint}` : ""}${retry}`;
  }
}

/** One invalid input property: the property path and what is allowed. */
export interface PropertyFailure {
  /** Property path as the user wrote it, e.g. `clusters.A.xml` or `nodes[1].ssh.hostKey`. */
  property: string;
  /** What is wrong and what is allowed. */
  reason: string;
}

/** Bad user input. Never retryable; nothing remote was touched. */
export class ValidationError extends HadrError {
  /** Every failure found, not only the first. */
  readonly failures: PropertyFailure[];

  constructor(failures: PropertyFailure[], opts: HadrErrorOptions = {}) {
    super("HADR_VALIDATION", failures.map((f) => `${f.property}: ${f.reason}`).join("; "), false, opts);
    this.failures = failures;
  }
}

/** The SSH connection could not be made (host down, port closed, network cut). Retryable. */
export class SshConnectError extends HadrError {
  constructor(message: string, opts: HadrErrorOptions = {}) {
    super("HADR_SSH_CONNECT", message, true, opts);
  }
}

/** The SSH server refused our credentials. Not retryable without a config change. */
export class SshAuthError extends HadrError {
  constructor(message: string, opts: HadrErrorOptions = {}) {
    super("HADR_SSH_AUTH", message, false, opts);
  }
}

/** The host key presented does not match the pinned fingerprint, or none was pinned. */
export class HostKeyError extends HadrError {
  constructor(message: string, opts: HadrErrorOptions = {}) {
    super("HADR_HOST_KEY", message, false, opts);
  }
}

/** Our own deadline expired. The remote side may still be running; the hint says how to resume. */
export class DeadlineError extends HadrError {
  constructor(message: string, opts: HadrErrorOptions = {}) {
    super("HADR_TIMEOUT", message, true, opts);
  }
}

/** A remote command exited non-zero (not a vendor tool with a known message format). */
export class RemoteCommandError extends HadrError {
  /** Exit code, or null when the command was killed by a signal. */
  readonly exitCode: number | null;

  constructor(
    message: string,
    exitCode: number | null,
    opts: HadrErrorOptions & { retryable?: boolean } = {},
  ) {
    super("HADR_REMOTE_COMMAND", message, opts.retryable ?? false, opts);
    this.exitCode = exitCode;
  }
}

/** A vendor tool (gs_sdr, repmgr, ...) reported a failure; `toolMessage` is its own text, redacted. */
export class ToolError extends HadrError {
  /** The vendor's error code when it printed one, e.g. `GAUSS-51632`. */
  readonly vendorCode: string | undefined;
  /** The vendor's message, redacted. */
  readonly toolMessage: string;

  constructor(
    message: string,
    toolMessage: string,
    opts: HadrErrorOptions & { vendorCode?: string; retryable?: boolean } = {},
  ) {
    super("HADR_TOOL", message, opts.retryable ?? false, opts);
    this.vendorCode = opts.vendorCode;
    this.toolMessage = toolMessage;
  }
}

/** Another operation holds the cluster (a gs_sdr lock or step file that is not ours). */
export class LockedError extends HadrError {
  constructor(message: string, opts: HadrErrorOptions = {}) {
    super("HADR_LOCKED", message, false, opts);
  }
}

/** Vendor output did not have the documented format. */
export class ParseError extends HadrError {
  constructor(message: string, opts: HadrErrorOptions = {}) {
    super("HADR_PARSE", message, false, opts);
  }
}

/** The live state does not allow the requested change (e.g. failover without allowDataLoss). */
export class StateError extends HadrError {
  constructor(message: string, opts: HadrErrorOptions = {}) {
    super("HADR_STATE", message, false, opts);
  }
}

/** An invariant of pulumi-hadr's own code broke: a bug to report, never the user's input or the cluster. */
export class InternalError extends HadrError {
  constructor(message: string, opts: HadrErrorOptions = {}) {
    super("HADR_INTERNAL", `internal: ${message}`, false, {
      ...opts,
      hint: opts.hint ?? "This is a bug in pulumi-hadr: please report it with this message.",
    });
  }
}

/** Turns anything thrown into a one-line description for logs and engine messages. */
export function describeError(err: unknown): string {
  if (err instanceof HadrError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}
