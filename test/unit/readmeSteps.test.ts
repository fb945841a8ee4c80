/**
 * The user-leg e2e (test/e2e/user-toolchain.test.ts) runs the README's steps as written; this checks, in
 * seconds, that an edit of the README still gives it every step it runs, in the shape it runs them.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../support/pulumi";
import { userSteps } from "../support/readme";

test("the README gives the new user's steps: install, site values, DR user, host keys, secrets, program, commands", () => {
  const s = userSteps();
  const version = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version;
  assert.equal(s.installTarball, `npm i ./pulumi-hadr-${version}.tgz`, "the tarball of this version");
  for (const v of ["SITE_A_HOSTS", "SITE_B_HOSTS", "SSH_KEY_FILE"])
    assert.match(s.yourValues, new RegExp(`^${v}=`, "m"));
  assert.match(s.drUserOnDnHost, /CREATE USER druser WITH REPLICATION PASSWORD/);
  assert.doesNotMatch(
    s.drUserOnDnHost,
    /gsql[^\n]*(-c|PASSWORD)/,
    "the password never goes on gsql's command line",
  );
  const ws = s.workstation.join("\n");
  assert.match(ws, /ssh-keyscan[^\n]*\| ssh-keygen -lf -/);
  assert.match(ws, /pulumi config set --secret sshPrivateKey < "\$SSH_KEY_FILE"/);
  assert.match(ws, /pulumi config set --secret drPassword$/m);
  assert.match(s.program, /new DrRelationship\(/);
  assert.match(s.program, /export const healthState = dr\.healthState/);
  assert.deepEqual(
    s.commands.map((c) => c.split(" ").slice(0, 2).join(" ")),
    ["pulumi preview", "pulumi up", "pulumi stack"],
  );
});
