/**
 * The contract between the one dynamic-provider controller ({@link controllerOf}) and an engine. The
 * controller owns everything a dynamic provider must get right whatever the engine: unknown inputs at
 * preview, which inputs a diff compares, connection lifetime, partial-failure records, safe check failures.
 * The engine owns its schema, its reads, its pure decision and its effects, in one loop for every hook:
 *
 *   check:         validate → open → observe → decide → preview   (never writes)
 *   create/update: validate → open → observe → decide → apply     (same decision as preview)
 *   read:          validate → open → observe → refresh
 *   delete:        validate → open → dissolve
 *
 * Adding an engine: implement this interface in `provider/engines/<name>/`, add one line to
 * `provider/runtime.ts`, and a resource class in `provider/resources/` (see docs/adding-an-engine.md).
 */
import type { PropertyFailure } from "../errors";
import type { Fleet } from "../transport/fleet";
import type { Props } from "./props";

/** What an engine holds open for one call: at most one connection per host, closed by the controller. */
export interface Session {
  /** The connections of this call (opened lazily). */
  readonly fleet: Fleet;
}

/** The result of validating raw user inputs: every failure with its property path, or the parsed spec. */
export interface Validated<Spec> {
  failures: PropertyFailure[];
  spec?: Spec;
}

/** One hook call as an engine sees it. */
export interface Call<Spec, S extends Session> {
  /** The validated inputs of this call. */
  readonly spec: Spec;
  /** Its connections. */
  readonly session: S;
  /** The resource's name, for progress lines. */
  readonly name: string;
  /** The stored properties before this call (inputs and outputs); `{}` when creating. */
  readonly olds: Props;
  /** True in create, and in check of a resource not yet created. */
  readonly creating: boolean;
  /**
   * The hook this call serves: `check` (observe to preview: an engine may read there what its preview will
   * need), `apply` (create/update), `read` (refresh) or `delete`.
   */
  readonly phase: CallPhase;
}

/** The hook a {@link Call} serves. */
export type CallPhase = "check" | "apply" | "read" | "delete";

/** What check() shows: failures that stop the operation, or the computed outputs (the plan first of all). */
export type Preview = { failures: PropertyFailure[] } | { outputs: Props };

/** The property lists the controller needs; declared once per engine, used by the resource class too. */
export interface EngineKeys {
  /** Provider-computed properties; everything else is an input. Includes `plan`. */
  readonly outputs: readonly string[];
  /** Outputs check() computes: unknown at preview while an input is unknown. */
  readonly previewOutputs: readonly string[];
  /** Inputs whose change is a real change (diff compares exactly these). */
  readonly inputs: readonly string[];
  /** Whole-object inputs holding XML or secrets: a failure on one is reported on the resource. */
  readonly objectInputs: readonly string[];
}

/** An engine: one kind of resource on one kind of cluster. */
export interface Engine<Spec, S extends Session, Observed, Decision> {
  /** Its property lists. */
  readonly keys: EngineKeys;
  /** Parses raw user inputs (state from older versions already lifted); reports every failure. */
  validate(raw: Props): Validated<Spec>;
  /** Lifts stored inputs written by an older version to today's shape (identity when nothing changed). */
  lift(raw: Props): Props;
  /** The id create gives the resource. */
  idOf(spec: Spec): string;
  /** The connections one call may use (lazy; the controller closes them). */
  open(spec: Spec): S;
  /** Reads the live state (an unreachable site is a state, not an error). */
  observe(call: Call<Spec, S>): Promise<Observed>;
  /** Pure: what to do about what was observed. check() and apply use the same decision. */
  decide(call: Call<Spec, S>, observed: Observed): Decision;
  /** check(): the plan of the decision (may read more), or what stops it. Never writes. */
  preview(call: Call<Spec, S>, observed: Observed, decision: Decision): Promise<Preview>;
  /**
   * create/update: carries the decision out and returns the outputs. Fails with {@link Incomplete} (from
   * `./partial`) once something changed, so the record lets the next `pulumi up` resume.
   */
  apply(call: Call<Spec, S>, observed: Observed, decision: Decision, news: Props): Promise<Props>;
  /** read(): live outputs, and the inputs to write back when the live state moved an input (or undefined). */
  refresh(call: Call<Spec, S>, observed: Observed): { outputs: Props; inputs?: Props };
  /** delete(): undoes what the resource stands for (observes on its own). */
  dissolve(call: Call<Spec, S>): Promise<void>;
  /** Which inputs force a replacement, given the inputs that changed. */
  replaces(olds: Props, news: Props, changed: string[]): string[];
  /** The property a check() error is reported on (e.g. the cluster or node it names). */
  failureProperty(err: unknown, spec: Spec): string;
  /** Optional: lets apply reuse check()'s observation when a cheap fingerprint says nothing changed. */
  readonly reuse?: Reuse<Spec, S, Observed>;
}

/** How an engine tells whether an observation still holds (see `./reuse`). */
export interface Reuse<Spec, S extends Session, Observed> {
  /** What the observation depends on besides the inputs (e.g. the traces of our last run). */
  key(call: Call<Spec, S>): string;
  /** The fingerprint an observation was made with. */
  of(observed: Observed): string;
  /** Reads the current fingerprint cheaply; null when it cannot tell (apply then observes in full). */
  read(call: Call<Spec, S>): Promise<string | null>;
}
