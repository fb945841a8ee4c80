/** Test helpers: recorded outputs under test/fixtures/opengauss and small builders of inputs. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { testPrivateKey } from "../../support/keys";

/** Directory of the recorded outputs (the tests run from dist/test/unit/opengauss). */
export const FIXTURES = resolve(__dirname, "../../../../test/fixtures/opengauss");

/** Reads one fixture file. */
export function fixture(name: string): string {
  return readFileSync(resolve(FIXTURES, name), "utf8");
}

/** An install XML of `n` nodes `<prefix>1..n` at `<net>.1..n`, in the layout of the fixtures. */
export function makeXml(clusterName: string, prefix: string, net: string, n: number, port = 26000): string {
  const names = Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
  const ips = names.map((_, i) => `${net}.${i + 1}`);
  const dataNode1 = ["/data/dn", ...names.slice(1).flatMap((nm) => [nm, "/data/dn"])].join(",");
  const devices = names
    .map(
      (nm, i) => `    <DEVICE sn="${nm}">
      <PARAM name="name" value="${nm}"/>
      <PARAM name="backIp1" value="${ips[i]}"/>
      <PARAM name="sshIp1" value="${ips[i]}"/>${
        i === 0
          ? `
      <PARAM name="dataNum" value="1"/>
      <PARAM name="dataPortBase" value="${port}"/>
      <PARAM name="dataNode1" value="${dataNode1}"/>`
          : ""
      }
    </DEVICE>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<ROOT>
  <CLUSTER>
    <PARAM name="clusterName" value="${clusterName}"/>
    <PARAM name="nodeNames" value="${names.join(",")}"/>
    <PARAM name="gaussdbAppPath" value="/opt/og/app"/>
    <PARAM name="backIp1s" value="${ips.join(",")}"/>
  </CLUSTER>
  <DEVICELIST>
${devices}
  </DEVICELIST>
</ROOT>
`;
}

/** A fake but well-formed `SHA256:` host key fingerprint. */
export function fingerprint(seed: string): string {
  return `SHA256:${seed.repeat(43).slice(0, 43)}`;
}

/** A real private key made at run time (the schema parses keys). */
export const PRIVATE_KEY = testPrivateKey();
