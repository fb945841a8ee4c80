/**
 * The README as a new user reads it: its `## ` sections and their code blocks, so the user-leg test runs the
 * commands as written (never re-typed) and a unit test notices when an edit breaks what that test extracts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "./pulumi";

/** One fenced code block: its language and text. */
interface CodeBlock {
  lang: string;
  text: string;
}

/** The code blocks of the README section whose `## ` heading is `heading`, in order. */
function readmeBlocks(heading: string, readme = readReadme()): CodeBlock[] {
  const parts = readme.split(/^## /m);
  const section = parts.find((p) => p.startsWith(`${heading}\n`));
  if (section === undefined) throw new Error(`README has no section "## ${heading}"`);
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, text: m[2]! }));
}

/** The README text. */
function readReadme(): string {
  return fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
}

/** What a new user runs, taken from the README: each block found by what its first line says. */
export interface UserSteps {
  /** Install: the command that installs the release tarball (`npm i ./pulumi-hadr-<version>.tgz`). */
  installTarball: string;
  /** Before you start: the block whose first line is `# your values` (site values the user sets). */
  yourValues: string;
  /** Before you start: the block run on the primary's DN host as omm (creates the DR user). */
  drUserOnDnHost: string;
  /** Before you start: the workstation blocks after it (host keys, secrets), in order. */
  workstation: string[];
  /** Use: the TypeScript program (index.ts). */
  program: string;
  /** Use: the commands, one per line, comments removed. */
  commands: string[];
}

/** Extracts {@link UserSteps}; throws naming what is missing so a README edit fails fast. */
export function userSteps(readme = readReadme()): UserSteps {
  const install = readmeBlocks("Install", readme).find((b) =>
    /^npm i \.\/pulumi-hadr-.*\.tgz$/m.test(b.text),
  );
  if (!install) throw new Error("Install: no `npm i ./pulumi-hadr-<version>.tgz` block");
  const before = readmeBlocks("Before you start", readme).filter((b) => b.lang === "sh");
  const values = before.find((b) => b.text.startsWith("# your values\n"));
  const dn = before.find((b) => b.text.startsWith("# on siteA's primary DN host, as omm\n"));
  if (!values || !dn)
    throw new Error("Before you start: the `# your values` or the DN-host block is missing");
  const use = readmeBlocks("Use", readme);
  const program = use.find((b) => b.lang === "ts");
  const sh = use.find((b) => b.lang === "sh");
  if (!program || !sh) throw new Error("Use: the ts program or the sh commands are missing");
  return {
    installTarball: /^npm i \.\/pulumi-hadr-.*\.tgz$/m.exec(install.text)![0],
    yourValues: values.text,
    drUserOnDnHost: dn.text,
    workstation: before.filter((b) => b !== values && b !== dn).map((b) => b.text),
    program: program.text,
    commands: sh.text
      .split("\n")
      .map((l) => l.replace(/\s+#.*$/, "").trim())
      .filter((l) => l !== "" && !l.startsWith("#")),
  };
}
