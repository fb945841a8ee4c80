// Engine canary program: one dynamic resource whose hooks leave traces on disk, so the test can tell
// that the language host ran this program and that the dynamic-provider plugin ran each hook.
const pulumi = require("@pulumi/pulumi");

const probeProvider = {
  async create(inputs) {
    const fs = require("node:fs");
    console.log(`canary: create ${inputs.value}`);
    fs.writeFileSync(`${inputs.dir}/live`, inputs.value);
    return { id: "probe-1", outs: { ...inputs, echoed: inputs.value.toUpperCase() } };
  },
  async read(id, props) {
    const fs = require("node:fs");
    const live = fs.readFileSync(`${props.dir}/live`, "utf8");
    console.log(`canary: read ${live}`);
    return { id, props: { ...props, value: live, echoed: live.toUpperCase() } };
  },
  async diff(_id, olds, news) {
    return { changes: olds.value !== news.value };
  },
  async update(_id, _olds, news) {
    const fs = require("node:fs");
    fs.writeFileSync(`${news.dir}/live`, news.value);
    return { outs: { ...news, echoed: news.value.toUpperCase() } };
  },
  async delete(id, props) {
    const fs = require("node:fs");
    console.log(`canary: delete ${id}`);
    fs.writeFileSync(`${props.dir}/deleted`, id);
  },
};

class Probe extends pulumi.dynamic.Resource {
  constructor(name, args, opts) {
    super(probeProvider, name, { echoed: undefined, ...args }, opts, "canary", "Probe");
  }
}

const config = new pulumi.Config();
const probe = new Probe("probe", { value: config.require("value"), dir: config.require("dir") });
exports.echoed = probe.echoed;
