/**
 * Log lines attached to a resource: the engine's `Log` RPC with the resource's URN, so `pulumi up` shows them
 * on the resource's row and `--json` carries them as that resource's diagnostic events (warnings as
 * warnings). The engine's address is the plugin's first argument. Without an engine (a unit test), lines go
 * to stderr.
 */
import type * as grpcTypes from "@grpc/grpc-js";

/** How severe a line is. */
type Severity = "info" | "warning";

/** Sends log lines to the engine. */
export interface EngineLog {
  /** Logs `message` on the resource `urn`; resolves once the engine has it (never rejects). */
  log(severity: Severity, urn: string, message: string): Promise<void>;
}

/** The engine address among the plugin's arguments (flags such as `--logtostderr`, `-v=9`, `--tracing x` skipped). */
export function engineAddress(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--tracing") i++;
    else if (!a.startsWith("-")) return a;
  }
  return undefined;
}

/** The grpc module instance @pulumi/pulumi itself uses. */
export function pulumiGrpc(): typeof grpcTypes {
  return require(require.resolve("@grpc/grpc-js", { paths: [require.resolve("@pulumi/pulumi")] }));
}

/** A log connected to the engine at `address` (stderr when there is none). */
export function engineLog(address: string | undefined): EngineLog {
  if (!address) {
    return {
      async log(severity, urn, message) {
        process.stderr.write(`${severity}: ${urn}: ${message}\n`);
      },
    };
  }
  const grpc = pulumiGrpc();
  const engrpc = require("@pulumi/pulumi/proto/engine_grpc_pb");
  const engproto = require("@pulumi/pulumi/proto/engine_pb");
  const client = new engrpc.EngineClient(address, grpc.credentials.createInsecure());
  let last: Promise<void> = Promise.resolve();
  return {
    log(severity, urn, message) {
      const req = new engproto.LogRequest();
      req.setSeverity(severity === "warning" ? engproto.LogSeverity.WARNING : engproto.LogSeverity.INFO);
      req.setMessage(message);
      req.setUrn(urn);
      // in order, one after another, as the SDK's own log does
      last = last.then(
        () =>
          new Promise<void>((resolve) =>
            client.log(req, (err: Error | null) => {
              if (err) process.stderr.write(`${severity}: ${message}\n`);
              resolve();
            }),
          ),
      );
      return last;
    },
  };
}
