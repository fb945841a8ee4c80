/**
 * The DR plan: exactly which GUCs and pg_hba lines gs_sdr will change on every node, computed before anything runs
 * (what `pulumi preview` shows). Pure: it takes the two topologies, which cluster is primary, and a per-node
 * {@link DrNodeSnapshot} of current values and follows docs/vendor/opengauss-gs_sdr.md §3.3 (create = `start` on both
 * sides), §3.6–3.8 (delete = `failover` on the DR cluster + `stop` on the primary) and §3.4–3.5 (switchover).
 *
 * Deterministic: clusters sorted by name, nodes in dataNode1 order (then the other devices), GUCs in a fixed order,
 * pg_hba edits in the order gs_sdr applies them. Contains no secrets (no password, no key, no DR user name).
 */
export { planCreate } from "./create";
export { planDelete } from "./delete";
export * from "./model";
export { renderDrPlan } from "./render";
export { planSwitchover } from "./switchover";
