/**
 * The `pulumi-resource-hadr` plugin's entry point: serves {@link nativeProvider} with `@pulumi/pulumi/provider`'s
 * `main()`. The SDK's server hands a provider neither the request's timeout nor anything but the URN and
 * properties, so the one thing added here is a wrapper around its gRPC service that runs each
 * Create/Update/Delete/Read inside {@link requestTimeout} (the resource's customTimeouts, in seconds).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { engineAddress, engineLog, pulumiGrpc } from "./engineLog";
import { nativeProvider, requestTimeout } from "./provider";

/** The package root holding schema.json and package.json (dist/provider/native → ../../..). */
const ROOT = path.resolve(__dirname, "..", "..", "..");

type Handler = (call: { request: { getTimeout?: () => number } }, callback: unknown) => unknown;

/** `impl` (a gRPC service implementation) with Create/Update/Delete/Read run inside {@link requestTimeout}. */
export function withRequestTimeouts(impl: object): object {
  const wrapped = Object.create(impl) as Record<string, Handler>;
  for (const m of ["create", "update", "delete", "read"]) {
    const orig = (impl as Record<string, Handler>)[m];
    if (typeof orig !== "function") continue;
    wrapped[m] = (call, callback) =>
      requestTimeout.run(call.request.getTimeout?.() ?? 0, () => orig.call(impl, call, callback));
  }
  return wrapped;
}

/** Makes the services added to gRPC servers from now on (the SDK's provider server) see request timeouts. */
export function timeoutsFromRequests(): void {
  const proto = pulumiGrpc().Server.prototype as unknown as {
    addService: (s: unknown, impl: object) => void;
  };
  const add = proto.addService;
  proto.addService = function (service: unknown, impl: object) {
    return add.call(this, service, withRequestTimeouts(impl));
  };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version as string;
  const schema = fs.readFileSync(path.join(ROOT, "schema.json"), "utf8");
  timeoutsFromRequests();
  const { main } = require("@pulumi/pulumi/provider") as typeof import("@pulumi/pulumi/provider");
  main(nativeProvider(version, schema, engineLog(engineAddress(args))), args).catch((e: unknown) => {
    process.stderr.write(`pulumi-resource-hadr: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
