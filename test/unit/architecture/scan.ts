/** Reading the repository's TypeScript sources as text, for the architecture tests. */
import * as fs from "node:fs";
import * as path from "node:path";

/** The repository root: up from this file to the package named pulumi-hadr (else the working directory). */
export function repoRoot(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, "utf8")).name === "pulumi-hadr") return dir;
  }
  return process.cwd();
}

/** The absolute paths of the `.ts` files under `dir`, recursively (none when it does not exist). */
export function sources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "dist" ? [] : sources(p);
    return e.name.endsWith(".ts") ? [p] : [];
  });
}

/** Module specifiers of a source: `from "x"`, `import("x")`, `import "x"`, `require("x")`, `require.resolve("x")`. */
export function specifiers(source: string): string[] {
  const forms = [
    /^(?:import|export)\s[^;]*?\bfrom\s+"([^"]+)"/gm,
    /^import\s+"([^"]+)"/gm,
    /\b(?:import|require(?:\.resolve)?)\s*\(\s*"([^"]+)"/g,
  ];
  return forms.flatMap((re) => [...source.matchAll(re)].map((m) => m[1]!));
}
