/**
 * The native adapter's translations, without an engine: secrets wrapped and unwrapped, the name and type of
 * a URN, the request timeout reaching the hook, the schema's secret marks, and a check failure that names the
 * property without the secret.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { test } from "node:test";
import { withRequestTimeouts } from "../../../provider/native/main";
import {
  nameOf,
  nativeProvider,
  outbound,
  requestTimeout,
  served,
  typeOf,
} from "../../../provider/native/provider";
import {
  conceal,
  holdsSecret,
  isSecret,
  reveal,
  secret,
  secretKeysOf,
} from "../../../provider/native/secrets";
import { SCHEMA_FILE } from "../../../provider/schema/generate";
import { testPrivateKey } from "../../support/keys";

const URN = "urn:pulumi:test::proj::hadr:index:DrRelationship::dr";

test("secrets: revealed however deep, concealed by top-level key, found where the program put them", () => {
  const given = { a: secret({ b: 1 }), c: [1, secret("x")], d: "plain" };
  assert.deepEqual(reveal(given), { a: { b: 1 }, c: [1, "x"], d: "plain" });
  assert.deepEqual(secretKeysOf(given).sort(), ["a", "c"]);
  const out = conceal({ a: 1, d: "plain", e: undefined }, ["a", "e"]);
  assert.ok(isSecret(out["a"]));
  assert.equal(out["d"], "plain");
  assert.equal(out["e"], undefined);
  assert.ok(!holdsSecret(reveal(given)));
  assert.deepEqual(secret(secret("x")), secret("x"));
});

test("a URN's name and type token (parent-qualified types too)", () => {
  assert.equal(nameOf(URN), "dr");
  assert.equal(typeOf(URN), "hadr:index:DrRelationship");
  assert.equal(
    typeOf("urn:pulumi:s::p::my:comp:C$hadr:index:RecoveryPolicy::kb"),
    "hadr:index:RecoveryPolicy",
  );
});

test("the plugin serves every kind of the schema and conceals exactly the schema's secret inputs", () => {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
  const kinds = served();
  assert.deepEqual([...kinds.keys()].sort(), Object.keys(schema.resources).sort());
  for (const [token, k] of kinds) {
    const props = schema.resources[token].inputProperties as Record<string, { secret?: boolean }>;
    const marked = Object.keys(props).filter((p) => props[p]!.secret);
    assert.deepEqual([...k.engine.kind.secretInputs].sort(), marked.sort(), token);
    const all = Object.fromEntries(Object.keys(props).map((p) => [p, "v"]));
    const out = outbound({ ...all, __provider: "code", operationKey: "noop" }, k.engine.kind.secretInputs);
    assert.deepEqual(
      Object.keys(out)
        .filter((p) => isSecret(out[p]))
        .sort(),
      marked.sort(),
    );
    assert.ok(!("__provider" in out), "no front-end key is returned");
  }
});

test("the request's timeout (customTimeouts) reaches the hook; other methods pass through", async () => {
  const seen: Array<number | undefined> = [];
  const impl = {
    create: () => seen.push(requestTimeout.getStore()),
    check: () => seen.push(requestTimeout.getStore()),
  };
  const w = withRequestTimeouts(impl) as Record<string, (call: unknown, cb: unknown) => unknown>;
  w["create"]!({ request: { getTimeout: () => 90 } }, () => undefined);
  w["check"]!({ request: {} }, () => undefined);
  assert.deepEqual(seen, [90, undefined]);
});

test("check: bad inputs fail on the narrowest property, nothing secret in a reason", async () => {
  const lines: string[] = [];
  const p = nativeProvider("0.0.0", fs.readFileSync(SCHEMA_FILE, "utf8"), {
    log: async (severity, urn, message) => {
      lines.push(`${severity} ${urn} ${message}`);
    },
  });
  const key = testPrivateKey();
  const r = await p.check!(
    URN,
    {},
    {
      primary: "A",
      clusters: {},
      drUser: secret({ name: "druser", password: "Secret_pw_1234" }),
      sshKey: secret({ privateKey: `${key}garbage` }),
    },
  );
  const text = JSON.stringify(r.failures);
  assert.match(text, /clusters: must name exactly two clusters/);
  assert.ok(
    !text.includes("Secret_pw_1234") && !text.includes(key.split("\n")[1]!),
    "no secret in a failure",
  );
  await assert.rejects(
    p.check!("urn:pulumi:s::p::hadr:index:Nope::x", {}, {}),
    /unknown resource type hadr:index:Nope/,
  );
  assert.deepEqual(lines, [], "validation logs nothing");
});
