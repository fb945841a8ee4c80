// The pulumi-hadr guard rails as a ready policy pack: `pulumi preview --policy-pack node_modules/pulumi-hadr/policy-pack`
// (settings and enforcement levels through `--policy-pack-config <file>`; see docs/guard-rails.md).
require("../dist/provider/policy").hadrPolicyPack("pulumi-hadr-guard-rails");
