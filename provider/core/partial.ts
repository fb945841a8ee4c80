/**
 * The one partial-failure mechanism: an engine that fails after it changed something throws
 * {@link Incomplete} with the outputs to record; the controller turns it into the record the dynamic-provider
 * server keeps in state, so the next `pulumi up` calls update, which resumes.
 */
import { describeError, HadrError } from "../errors";
import type { Props } from "./props";

/**
 * A failure part-way through create/update (`HADR_PARTIAL`), carrying the outputs that describe what was done;
 * the controller records them so the next `pulumi up` resumes.
 */
export class Incomplete extends HadrError {
  constructor(
    /** What went wrong (typed errors keep their code and hint). */
    readonly failure: unknown,
    /** Outputs to record with the resource (e.g. the operation that failed, what delete must restore). */
    readonly outputs: Props,
  ) {
    super("HADR_PARTIAL", describeError(failure), true, {
      cause: failure,
      hint: "What was done is recorded in the state: `pulumi up` resumes from there.",
    });
  }
}

/**
 * The error shape the dynamic-provider server turns into a partial-failure record: the resource is kept in
 * state with `properties` (which must carry `__provider` so destroy can load the provider).
 */
export function partialFailure(err: Incomplete, id: string, base: Props, inputs: Props): Error {
  const message = `${describeError(err.failure)} [HADR_PARTIAL: recorded in the state; \`pulumi up\` resumes]`;
  const out = new Error(message) as Error & { id: string; properties: Props; reasons: string[] };
  out.id = id;
  out.properties = {
    ...base,
    ...err.outputs,
    __provider: inputs["__provider"],
    __hadrName: inputs["__hadrName"],
  };
  out.reasons = [message];
  return out;
}
