#!/usr/bin/env node
// `npx pulumi` inside this repository: runs the pinned CLI from .tools/pulumi/<version>/bin (built by
// scripts/install-pulumi.sh), or from $PULUMI_HOME/versions/<version>/bin, with its plugins on PATH.
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const repo = path.resolve(fs.realpathSync(__dirname), "..", "..");
const version = require(path.join(repo, "package.json")).dependencies["@pulumi/pulumi"].replace(/^[~^]/, "");
const candidates = [
  path.join(repo, ".tools", "pulumi", version, "bin"),
  path.join(process.env.PULUMI_HOME || path.join(os.homedir(), ".pulumi"), "versions", version, "bin"),
];
const bin = candidates.find((d) => fs.existsSync(path.join(d, "pulumi")));
if (!bin) {
  console.error(
    `pulumi v${version} is not installed here: run \`npm run pulumi:install\` (builds it offline from the Go module proxy).`,
  );
  process.exit(127);
}
const env = {
  PULUMI_SKIP_UPDATE_CHECK: "true",
  ...process.env,
  PATH: `${bin}${path.delimiter}${process.env.PATH || ""}`,
};
const r = spawnSync(path.join(bin, "pulumi"), process.argv.slice(2), { stdio: "inherit", env });
process.exit(r.status === null ? 1 : r.status);
