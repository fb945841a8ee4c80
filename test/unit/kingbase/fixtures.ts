/** Test helpers: read the KingbaseES fixtures (test/fixtures/kingbase) from the compiled test directory. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { testPrivateKey } from "../../support/keys";

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("package.json not found above the test directory");
    dir = up;
  }
  return dir;
}

/** The text of `test/fixtures/kingbase/<rel>`. */
export function fixture(rel: string): string {
  return readFileSync(join(repoRoot(), "test", "fixtures", "kingbase", rel), "utf8");
}

/** A pinned-looking host key fingerprint for tests (43 base64 characters). */
export const FP = "SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";

/** A real private key made at run time (the schema parses keys). */
export const KEY = testPrivateKey();
