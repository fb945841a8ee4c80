#!/usr/bin/env node
// `npx pulumi` inside this repository: runs the current CLI (scripts/pulumi-versions.json) from
// .tools/pulumi/<version>/bin (placed by scripts/install-pulumi.sh) with its plugins on PATH.
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const repo = path.resolve(fs.realpathSync(__dirname), "..", "..");
const version = require(path.join(repo, "scripts", "pulumi-versions.json")).current;
// Only the directory install-pulumi.sh fills: there the SDK's plugin script sits next to the CLI binary,
// where the CLI expects its bundled plugins (elsewhere it warns about the copy found on PATH).
const dir = path.join(repo, ".tools", "pulumi", version, "bin");
const bin = fs.existsSync(path.join(dir, "pulumi")) ? dir : undefined;
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
