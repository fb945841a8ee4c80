/**
 * The contract between the one controller core (`./controller`, shared by the dynamic and the native
 * front-ends) and an engine. The controller owns everything a provider must get right whatever the engine:
 * unknown inputs at preview, which inputs a diff compares, connection lifetime, partial-failure records, safe
 * check failures, and that apply carries out the operation preview showed (the stored operation key). The
 * engine owns its schema, its stored state, its reads, its pure decision and its effects, in one loop:
 *
 *   check:         validate → open → observe → decide → preview   (never writes)
 *   create/update: validate → open → observe → decide → apply     (same decision as preview)
 *   read:          validate → open → observe → refresh
 *   delete:        validate → open → dissolve
 *
 * Adding an engine: implement this interface in `provider/engines/<name>/`, add one line to
 * `provider/runtime.ts` (see docs/adding-an-engine.md).
 */
import type { z } from "zod";
import type { PropertyFailure } from "../errors";
import type { Fleet } from "../transport/fleet";
import type { Props } from "./props";

/** What an engine holds open for one call: at most one connection per host, closed by the controller. */
export interface Session {
  /** The connections of this call (opened lazily). */
  readonly fleet: Fleet;
}

/** The result of validating raw user inputs: every failure with its property path, or the parsed spec. */
interface Validated<Spec> {
  failures: PropertyFailure[];
  spec?: Spec;
}

/** One hook call as an engine sees it. */
export interface Call<Spec, S extends Session, State = Props> {
  /** The validated inputs of this call. */
  readonly spec: Spec;
  /** Its connections. */
  readonly session: S;
  /** The resource's name, for progress lines. */
  readonly name: string;
  /** The stored state before this call, parsed by {@link Engine.stateOf} (its empty state when creating). */
  readonly state: State;
  /** True in create, and in check of a resource not yet created. */
  readonly creating: boolean;
  /**
   * The hook this call serves: `check` (observe to preview: an engine may read there what its preview will
   * need), `apply` (create/update), `read` (refresh) or `delete`.
   */
  readonly phase: CallPhase;
  /** An absolute deadline (epoch ms) the front-end was given (the program's `customTimeouts`), if any. */
  readonly deadlineMs?: number;
}

/** The hook a {@link Call} serves. */
export type CallPhase = "check" | "apply" | "read" | "delete";

/** What check() shows: failures that stop the operation, or the computed outputs (the plan first of all). */
type Preview = { failures: PropertyFailure[] } | { outputs: Props };

/** The property lists the controller needs; declared once per engine, used by the resource class too. */
interface EngineKeys {
  /** Provider-computed properties; everything else is an input. Includes `plan`. */
  readonly outputs: readonly string[];
  /**
   * Outputs check() computes: unknown at preview while an input is unknown. The controller adds
   * {@link OPERATION_KEY} itself.
   */
  readonly previewOutputs: readonly string[];
  /** Inputs whose change is a real change (diff compares exactly these). */
  readonly inputs: readonly string[];
  /** Whole-object inputs holding XML or secrets: a failure on one is reported on the resource. */
  readonly objectInputs: readonly string[];
}

/** The stored output holding the operation check() showed; apply must decide the same (see the controller). */
export const OPERATION_KEY = "operationKey";

/** What a front-end needs to know of an engine's resource besides its hooks. */
export interface EngineKind {
  /** The resource type's name: the dynamic class name and the native token `hadr:index:<type>`. */
  readonly type: string;
  /** Its name on the `pulumi-hadr` command line (e.g. `dr-relationship`). */
  readonly command: string;
  /** Top-level inputs that hold secrets: stored encrypted (`additionalSecretOutputs`, secret in the schema). */
  readonly secretInputs: readonly string[];
  /**
   * The zod schema of its inputs as a program writes them: the package schema's inputs (`provider/schema/`)
   * and the shapes test compare it with the resource class's `<type>Args`.
   */
  readonly inputSchema: z.ZodType;
  /** How an existing resource of this kind is imported (`pulumi-hadr import-spec`, native `pulumi import`). */
  readonly imports: ImportRules;
}

/**
 * What an import needs to know of a kind besides its hooks. An import reads with the inputs a program
 * declares minus every secret, the keys given separately; whether it may import is the engine's own
 * `adopt: true` decision (check() of a resource being created), never a second rule.
 */
export interface ImportRules {
  /**
   * Secrets inside a secret input object, by dotted path (`drUser.password`) → a placeholder that passes
   * validation: the import's reads never use them, so the import file keeps the object without them and the
   * read is given the placeholder (never stored: the program's first `up` stores the real value).
   */
  readonly nestedSecrets: Readonly<Record<string, string>>;
  /**
   * The inputs holding login keys: the key of every login (`all`), the per-target overrides (`perTarget`:
   * target → key, a target being what that input is keyed by, e.g. a cluster or a host) and the key of the
   * root logins (`root`), when the kind has them.
   */
  readonly keyInputs: { readonly all: string; readonly perTarget: string; readonly root?: string };
  /**
   * Objects of the inputs, by dotted path (`*` matches every entry of a map), where an inputs file may name a
   * file (`<key>File`, relative to the inputs file) instead of giving the content of `<key>`: e.g.
   * `clusters.*` with `xml` lets a cluster say `xmlFile`.
   */
  readonly fileInputs: Readonly<Record<string, string>>;
  /** Pure: the outputs an imported resource records besides the live ones (e.g. an `adopt` last operation). */
  recorded(inputs: Props, at: string): Props;
}

/** An engine: one kind of resource on one kind of cluster. */
export interface Engine<Spec, S extends Session, Observed, Decision, State = Props> {
  /** Its resource's names and secret inputs. */
  readonly kind: EngineKind;
  /** Its property lists. */
  readonly keys: EngineKeys;
  /** Parses the stored state (outputs written by this or an older version) into the engine's own shape. */
  stateOf(stored: Props): State;
  /** Parses raw user inputs (state from older versions already lifted); reports every failure. */
  validate(raw: Props): Validated<Spec>;
  /** Lifts stored inputs written by an older version to today's shape (identity when nothing changed). */
  lift(raw: Props): Props;
  /** The id create gives the resource. */
  idOf(spec: Spec): string;
  /** The connections one call may use (lazy; the controller closes them), within the call's deadline. */
  open(spec: Spec, deadlineMs?: number): S;
  /** Reads the live state (an unreachable site is a state, not an error). */
  observe(call: Call<Spec, S, State>): Promise<Observed>;
  /** Pure: what to do about what was observed. check() and apply use the same decision. */
  decide(call: Call<Spec, S, State>, observed: Observed): Decision;
  /**
   * Pure: the key of a decision's operation (e.g. `switchover A->B`, `noop`). check() stores it; apply refuses
   * to act when its own decision's key differs and {@link previewHolds} does not accept the pair.
   */
  operationOf(decision: Decision): string;
  /** Optional, pure: whether an apply that decided `now` may go on after a preview that showed `previewed`. */
  previewHolds?(previewed: string, now: string): boolean;
  /** Optional: one line on what was observed, for the "state changed since preview" error. */
  describe?(observed: Observed): string;
  /** check(): the plan of the decision (may read more), or what stops it. Never writes. */
  preview(call: Call<Spec, S, State>, observed: Observed, decision: Decision): Promise<Preview>;
  /**
   * create/update: carries the decision out and returns the outputs. Fails with {@link Incomplete} (from
   * `./partial`) once something changed, so the record lets the next `pulumi up` resume.
   */
  apply(call: Call<Spec, S, State>, observed: Observed, decision: Decision): Promise<Props>;
  /** read(): live outputs, and the inputs to write back when the live state moved an input (or undefined). */
  refresh(call: Call<Spec, S, State>, observed: Observed): { outputs: Props; inputs?: Props };
  /** delete(): undoes what the resource stands for (observes on its own). */
  dissolve(call: Call<Spec, S, State>): Promise<void>;
  /** Which inputs force a replacement, given the inputs that changed. */
  replaces(olds: Props, news: Props, changed: string[]): string[];
  /** The property a check() error is reported on (e.g. the cluster or node it names). */
  failureProperty(err: unknown, spec: Spec): string;
  /** Optional: lets apply reuse check()'s observation when a cheap fingerprint says nothing changed. */
  readonly reuse?: Reuse<Spec, S, Observed, State>;
}

/** How an engine tells whether an observation still holds (see `./reuse`). */
interface Reuse<Spec, S extends Session, Observed, State = Props> {
  /** What the observation depends on besides the inputs (e.g. the traces of our last run). */
  key(call: Call<Spec, S, State>): string;
  /** The fingerprint an observation was made with; null when it must never be reused. */
  of(observed: Observed): string | null;
  /** Reads the current fingerprint cheaply; null when it cannot tell (apply then observes in full). */
  read(call: Call<Spec, S, State>): Promise<string | null>;
}
