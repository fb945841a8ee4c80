/**
 * The `$PGHOST/streaming_cabin/` working directory (§3.0): step files (node-local), the state and progress
 * files distributed to every node, `check_action_and_mode`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CABIN_DIR, STEP_FILES } from "./consts";
import { gauss51632, LogExit } from "./errors";

/** Absolute path of the cabin directory. */
export function cabinDir(pghost: string): string {
  return path.join(pghost, CABIN_DIR);
}

/** Absolute path of a file in the cabin. */
export function cabinFile(pghost: string, name: string): string {
  return path.join(cabinDir(pghost), name);
}

/** Reads a local cabin file (trimmed), undefined when missing. */
export function readCabin(pghost: string, name: string): string | undefined {
  try {
    return fs.readFileSync(cabinFile(pghost, name), "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Writes a local cabin file with mode 0600. */
export function writeCabin(pghost: string, name: string, content: string): void {
  fs.mkdirSync(cabinDir(pghost), { recursive: true, mode: 0o755 });
  const f = cabinFile(pghost, name);
  fs.writeFileSync(f, content, { mode: 0o600 });
  fs.chmodSync(f, 0o600);
}

/** `base.query_streaming_step`: -1 without file, else the leading integer of its content. */
export function readStep(pghost: string, stepKey: string): number {
  const content = readCabin(pghost, STEP_FILES[stepKey]!);
  if (content === undefined) return -1;
  const m = /^(-?\d+)/.exec(content);
  return m ? Number.parseInt(m[1]!, 10) : -1;
}

/** `base.write_streaming_step` (local only). */
export function writeStep(pghost: string, stepKey: string, step: string): void {
  writeCabin(pghost, STEP_FILES[stepKey]!, step);
}

/** Removes the local step file of `stepKey`. */
export function removeStep(pghost: string, stepKey: string): void {
  fs.rmSync(cabinFile(pghost, STEP_FILES[stepKey]!), { force: true });
}

/** `base.check_action_and_mode`: any other task's step file (but the query one) blocks the run. */
export function checkActionAndMode(pghost: string, ownKey: string): void {
  const others = Object.entries(STEP_FILES).filter(([k]) => k !== ownKey && k !== "query");
  const found = others.filter(([, f]) => fs.existsSync(cabinFile(pghost, f)));
  if (found.length > 0) {
    const names = found.map(([, f]) => f);
    const keys = found.map(([k]) => k);
    throw new LogExit(
      gauss51632(
        `check action and mode, the step files [${names.join(", ")}] already exist, please ensure the action [${keys.join(", ")}] is finished before doing current options`,
      ),
    );
  }
}
