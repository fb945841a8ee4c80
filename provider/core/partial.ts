/**
 * The one partial-failure mechanism: an engine that fails after it changed something throws
 * {@link Incomplete} with the outputs to record; the controller turns it into the record the dynamic-provider
 * server keeps in state, so the next `pulumi up` calls update, which resumes.
 */
import { describeError } from "../errors";
import type { Props } from "./props";

/** A failure part-way through create/update, carrying the outputs that describe what was done. */
export class Incomplete extends Error {
  constructor(
    /** What went wrong (typed errors keep their code and hint). */
    readonly failure: unknown,
    /** Outputs to record with the resource (e.g. the operation that failed, what delete must restore). */
    readonly outputs: Props,
  ) {
    super(describeError(failure));
  }
}

/**
 * The error shape the dynamic-provider server turns into a partial-failure record: the resource is kept in
 * state with `properties` (which must carry `__provider` so destroy can load the provider).
 */
export function partialFailure(err: Incomplete, id: string, base: Props, inputs: Props): Error {
  const message = describeError(err.failure);
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
