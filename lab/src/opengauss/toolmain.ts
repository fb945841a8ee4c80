/**
 * Entry-point helper of the emulated tools: honours the `hang` fault, runs the tool, maps its result to the
 * exit code (0 success, 1 failure) and prints unexpected errors the way a crashed tool would.
 */
import { hangIfFaulted } from "./faultmarks";

/** Runs `main(argv)` as the process body of tool `name`. */
export function runTool(name: string, main: (argv: string[]) => Promise<number>): void {
  hangIfFaulted(name)
    .then(() => main(process.argv.slice(2)))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (e: unknown) => {
        process.stderr.write(`${name}: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 1;
      },
    );
}

/** Writes lines to stdout (each followed by a newline). */
export function out(...lines: string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
}

/** Writes lines to stderr (each followed by a newline). */
export function err(...lines: string[]): void {
  if (lines.length > 0) process.stderr.write(`${lines.join("\n")}\n`);
}
