/**
 * A stand-in for a VM (or any) resource in the e2e programs: a do-nothing dynamic resource whose outputs are
 * its inputs, unknown until it is created, so a program can feed `clusters` / `nodes` from Outputs the way it
 * would from a real VM resource.
 */

/** JS for a program: `new Vm(name, props)` gives Outputs `vm.<prop>` known only after create. */
export const VM_JS = `
const vmProvider = { async create(inputs) { return { id: "vm-" + inputs.vmName, outs: inputs }; } };
class Vm extends pulumi.dynamic.Resource {
  constructor(name, props) { super(vmProvider, name, { ...props, vmName: name }, {}); }
}
`;
