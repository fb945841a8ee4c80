/**
 * The README works from the npm page: every relative link names a file the package ships (npm pack's own
 * list), every link into this repository names a file that exists, and every `#anchor` names a heading.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../support/pulumi";

const README = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
const PKG = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
/** `https://github.com/<owner>/<repo>` from package.json `repository`. */
const REPO_URL = String(PKG.repository.url)
  .replace(/^git\+/, "")
  .replace(/\.git$/, "");

/** Every markdown link target outside code blocks. */
function links(md: string): string[] {
  const prose = md.replace(/^```[\s\S]*?^```/gm, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

/** GitHub's anchor of a heading. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

/** The files `npm pack` puts in the tarball (no scripts run). */
function packed(): string[] {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  return (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
}

test("the README has links, and its table of contents covers every section", () => {
  const all = links(README);
  assert.ok(all.length > 20, `${all.length} links`);
  const sections = [...README.matchAll(/^## (.+)$/gm)]
    .map((m) => slug(m[1]!))
    .filter((s) => s !== "contents");
  const toc = all.filter((l) => l.startsWith("#")).map((l) => l.slice(1));
  assert.deepEqual(
    sections.filter((s) => !toc.includes(s)),
    [],
  );
});

test("every relative README link is a file the package ships", () => {
  const files = new Set(packed());
  const relative = links(README).filter((l) => !/^[a-z]+:/.test(l) && !l.startsWith("#"));
  assert.ok(relative.length > 0);
  for (const l of relative)
    assert.ok(files.has(l.split("#")[0]!), `${l} is not in the package: make it absolute`);
});

test("every link into the repository names a file or folder that exists; every anchor a heading", () => {
  const anchors = new Set([...README.matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1]!)));
  for (const l of links(README)) {
    if (l.startsWith("#")) assert.ok(anchors.has(l.slice(1)), `no heading for ${l}`);
    else if (l.startsWith(`${REPO_URL}/`)) {
      const m = /^\/(?:blob|tree)\/main\/([^#]+)/.exec(l.slice(REPO_URL.length));
      assert.ok(m, `${l}: expected ${REPO_URL}/blob/main/<path>`);
      assert.ok(fs.existsSync(path.join(REPO_ROOT, m[1]!)), `${l}: ${m[1]} does not exist`);
    } else if (/^[a-z]+:/.test(l)) assert.match(l, /^https:\/\//, `${l}: not https`);
  }
});
