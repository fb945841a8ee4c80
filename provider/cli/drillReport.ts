/**
 * `pulumi-hadr drill-report [<file>|-] [--output <name>]`: prints the evidence of a DrRelationship's last
 * drill as Markdown, from `pulumi stack output --json` (piped in, or saved to a file) — the program exports
 * `lastDrill` (or the whole resource) — or from a `lastDrill` object itself.
 */
import * as fs from "node:fs";
import { drillReport, isLastDrill, type LastDrill } from "../engines/opengauss/drill/evidence";

/** Usage of the subcommand. */
export const DRILL_REPORT_USAGE = `usage: pulumi-hadr drill-report [<file>|-] [--output <name>] [--title <text>]
  Prints the evidence of the last drill as Markdown. Input: \`pulumi stack output --json\` (stdin or a file)
  whose output <name> (default: the first that is or holds a lastDrill) is a DrRelationship's lastDrill.`;

/** The drills found in stack outputs (or the JSON itself when it is one), by output name. */
export function findDrills(json: unknown): Array<{ name: string; drill: LastDrill }> {
  if (isLastDrill(json)) return [{ name: "lastDrill", drill: json }];
  if (typeof json !== "object" || json === null) return [];
  const out: Array<{ name: string; drill: LastDrill }> = [];
  for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
    if (isLastDrill(v)) out.push({ name, drill: v });
    else if (typeof v === "object" && v !== null && isLastDrill((v as { lastDrill?: unknown }).lastDrill))
      out.push({ name, drill: (v as { lastDrill: LastDrill }).lastDrill });
  }
  return out;
}

/** Runs `drill-report` with its arguments (after the subcommand); resolves to the exit code. */
export async function drillReportMain(
  argv: string[],
  stdin: () => Promise<string> = readStdin,
): Promise<number> {
  let file: string | undefined;
  let output: string | undefined;
  let title: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--output" || a === "--title") {
      const v = argv[++i];
      if (v === undefined) return usage(`${a} needs a value`);
      if (a === "--output") output = v;
      else title = v;
    } else if (file === undefined && (a === "-" || !a.startsWith("-"))) file = a;
    else return usage(`unknown argument "${a}"`);
  }
  let json: unknown;
  try {
    json = JSON.parse(file === undefined || file === "-" ? await stdin() : fs.readFileSync(file, "utf8"));
  } catch (e) {
    console.error(`drill-report: cannot read the stack outputs: ${(e as Error).message}`);
    return 1;
  }
  const drills = findDrills(json).filter((d) => output === undefined || d.name === output);
  const first = drills[0];
  if (!first) {
    console.error(
      `drill-report: no lastDrill ${output ? `in output "${output}"` : "among the outputs"}: export the DrRelationship's lastDrill (exports.lastDrill = dr.lastDrill) and run a drill first`,
    );
    return 1;
  }
  process.stdout.write(drillReport(first.drill, title));
  return 0;
}

function usage(message: string): number {
  console.error(`drill-report: ${message}\n${DRILL_REPORT_USAGE}`);
  return 2;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
