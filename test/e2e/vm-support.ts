/**
 * A stand-in for a VM (or any) resource in the e2e programs: a do-nothing dynamic resource whose output `out`
 * is the `spec` it was given, computed by create (unknown at preview, as a real VM's address is), so a program
 * can feed `clusters` / `nodes` from Outputs the way it would from a VM resource.
 */

/** JS for a program: `new Vm(name, spec).out` is an Output of `spec`, known only after create. */
export const VM_JS = `
const vmProvider = {
  async create(inputs) { return { id: "vm-" + inputs.vmName, outs: { ...inputs, out: inputs.spec } }; },
};
class Vm extends pulumi.dynamic.Resource {
  constructor(name, spec) { super(vmProvider, name, { spec, vmName: name, out: undefined }, {}); }
}
`;
