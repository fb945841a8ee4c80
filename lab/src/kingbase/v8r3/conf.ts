/**
 * Reads `HAmodule.conf` the way the V8R3 scripts' `LoadCfg` does: surrounding blanks dropped (bash `read`),
 * everything from the first `#` dropped, split at the first `=`, lines with an empty name or value skipped,
 * the last assignment wins. Values are returned with one level of surrounding quotes removed (what `eval`
 * leaves for simple values); arrays keep their parentheses.
 */

/** Effective HAmodule.conf values by name. */
export function parseHaModule(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const param = (raw.trim().split("#")[0] ?? "").trimEnd();
    const eq = param.indexOf("=");
    if (eq < 0) continue;
    const name = param.slice(0, eq);
    let value = param.slice(eq + 1);
    if (name === "" || value === "") continue;
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) value = value.slice(1, -1);
    out[name] = value;
  }
  return out;
}

/** The vendor truthy set for AUTO_PRIMARY_RECOVERY / MAX_AVAILABLE_LEVEL: `1`, `on`, `true`, `yes`. */
export function isVendorTrue(value: string | undefined): boolean {
  return value === "1" || value === "on" || value === "true" || value === "yes";
}
