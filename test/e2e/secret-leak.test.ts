/**
 * No secret in any message, on the CLI of the oldest SDK this package supports (the lockfile's version)
 * and on the current one: a program passes an SSH key as `pulumi.secret(fs.readFileSync(<file>))` — not from
 * stack config, so nothing but the program marks it secret — inside the DrRelationship inputs, with a check
 * that fails (a bad sibling value in the same cluster, an invalid key, a failure on the whole `clusters`
 * object). Preview and up must fail naming the property, and neither the key (whole, or any 16-character
 * slice of its base64 body) nor the DR password may appear in any stdout/stderr, in the exported stack or in
 * any file of the backend and PULUMI_HOME.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import type { LabInfo } from "pulumi-hadr-lab";
import { ensureLab } from "pulumi-hadr-lab";
import { keyPieces, testPrivateKey } from "../support/keys";
import { unusableKey } from "../support/pem";
import { TestProject } from "../support/project";
import { type CliChoice, cliVersion } from "../support/pulumi";
import { DR_PASSWORD, drSpec } from "./dr-support";

const PROGRAM = `
const fs = require("node:fs");
const pulumi = require("@pulumi/pulumi");
const { DrRelationship } = require("pulumi-hadr");
const cfg = new pulumi.Config();
const spec = cfg.requireObject("dr");
const key = pulumi.secret(fs.readFileSync(cfg.require("keyFile"), "utf8"));
// keyAt: "top" (sshKey, the current shape), "cluster" (clusterSshKeys.A) or "legacy" (inside clusters.*.ssh, 0.1)
const keyAt = cfg.get("keyAt") || "top";
const clusters = {};
for (const [n, c] of Object.entries(spec.clusters))
  clusters[n] = keyAt === "legacy" ? { ...c, ssh: { ...c.ssh, privateKey: key } } : c;
new DrRelationship("dr", {
  ...spec,
  clusters,
  ...(keyAt === "top" ? { sshKey: { privateKey: key } } : {}),
  ...(keyAt === "cluster" ? { sshKey: { privateKey: key }, clusterSshKeys: { A: { privateKey: key } } } : {}),
  drUser: { name: spec.drUser, password: cfg.requireSecret("drPassword") },
});
`;

/** A PEM with a valid header and footer and a random (unusable) base64 body. */
function garbageKey(): string {
  const body = randomBytes(288)
    .toString("base64")
    .match(/.{1,70}/g)!
    .join("\n");
  return unusableKey(body);
}

/** Every file under `dir` as text (gzip-compressed ones unpacked). */
function filesUnder(dir: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    const raw = fs.readFileSync(file);
    out.push({ file, text: (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8") });
  }
  return out;
}

/**
 * Where any of `pieces` occurs: per file, how many pieces and the text just before the first one (what
 * printed it), the secret itself never repeated.
 */
function findLeaks(files: Array<{ file: string; text: string }>, pieces: string[]): string[] {
  return files.flatMap(({ file, text }) => {
    const found = pieces.filter((s) => text.includes(s));
    if (found.length === 0) return [];
    const at = Math.min(...found.map((s) => text.indexOf(s)));
    const before = text.slice(Math.max(0, at - 160), at).replace(/\s+/g, " ");
    return [`${file}: ${found.length} piece(s), the first after …${before}`];
  });
}

/** One failing-check case: how the spec is spoiled, which key the file holds, what the failure names. */
interface LeakCase {
  name: string;
  key: () => string;
  spoil: (spec: { clusters: Record<string, { ssh: Record<string, unknown> }> }) => void;
  names: RegExp;
  /** Where the program puts the key (default: the top-level sshKey). */
  keyAt?: "top" | "cluster" | "legacy";
}

const CASES: LeakCase[] = [
  {
    name: "a bad value next to the key (root as clusters.A.ssh.user)",
    key: testPrivateKey,
    spoil: (s) => {
      s.clusters["A"]!.ssh["user"] = "root";
    },
    names: /clusters\.A\.ssh\.user/,
  },
  {
    name: "an invalid key",
    key: garbageKey,
    spoil: () => undefined,
    names: /sshKey\.privateKey/,
  },
  {
    name: "an invalid per-cluster key",
    key: garbageKey,
    spoil: () => undefined,
    names: /clusterSshKeys\.A\.privateKey/,
    keyAt: "cluster",
  },
  {
    name: "a key still inside clusters.*.ssh (the 0.1 shape)",
    key: testPrivateKey,
    spoil: () => undefined,
    names: /clusters\.A\.ssh\.privateKey.*has moved out of clusters\.A\.ssh/,
    keyAt: "legacy",
  },
  {
    name: "a failure on the whole clusters object (three clusters)",
    key: testPrivateKey,
    spoil: (s) => {
      s.clusters["C"] = structuredClone(s.clusters["A"]!);
    },
    names: /clusters: must name exactly two clusters/,
  },
];

let lab: LabInfo;
let keyDir: string;

before(
  async () => {
    lab = await ensureLab({ engines: ["opengauss"] });
    keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "hadr-leak-keys-"));
  },
  { timeout: 1_200_000 },
);
after(() => {
  if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
});

for (const cli of ["lockfile", "current"] as CliChoice[]) {
  describe(`no secret in any output on CLI ${cliVersion(cli)}`, { timeout: 1_200_000 }, () => {
    for (const c of CASES) {
      test(`${c.name}: preview and up fail naming it and print no piece of the key`, {
        timeout: 600_000,
      }, async () => {
        const key = c.key();
        const keyFile = path.join(keyDir, `key-${cli}`);
        fs.writeFileSync(keyFile, key, { mode: 0o600 });
        const p = await TestProject.create("leak", PROGRAM, "test", { world: { cli } });
        try {
          const spec = drSpec(lab) as Parameters<LeakCase["spoil"]>[0];
          c.spoil(spec);
          await p.config("dr", JSON.stringify(spec));
          await p.config("keyFile", keyFile);
          await p.config("keyAt", c.keyAt ?? "top");
          await p.config("drPassword", DR_PASSWORD, true);
          const version = (await p.world.ok(["version"])).stdout.trim();
          assert.equal(version, `v${cliVersion(cli)}`);
          const outputs: Array<{ file: string; text: string }> = [];
          for (const args of [
            ["preview", "--diff"],
            ["up", "--yes"],
          ]) {
            const r = await p.world.run(args, { timeoutMs: 300_000 });
            const out = r.stdout + r.stderr;
            assert.notEqual(r.code, 0, `pulumi ${args[0]} must fail:\n${out}`);
            assert.match(out, c.names, `pulumi ${args[0]} names the failing property:\n${out}`);
            outputs.push({ file: `pulumi ${args[0]} stdout`, text: r.stdout });
            outputs.push({ file: `pulumi ${args[0]} stderr`, text: r.stderr });
          }
          outputs.push({ file: "pulumi stack export", text: JSON.stringify(await p.world.exportStack()) });
          outputs.push(...filesUnder(p.world.dir));
          outputs.push(...filesUnder(p.dir).filter((f) => !f.file.includes(`${path.sep}node_modules`)));
          const leaks = findLeaks(outputs, [...keyPieces(key), DR_PASSWORD]);
          assert.deepEqual(leaks, [], `secret material found (CLI ${version}):\n${leaks.join("\n")}`);
        } finally {
          p.dispose();
        }
      });
    }
  });
}
