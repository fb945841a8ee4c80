/**
 * The contract between the lab core (hosts, sshd, users, keys, CLI) and the engine provisioners
 * (openGauss, KingbaseES) that put a vendor's files, tools and databases on those hosts.
 * See lab/README.md for the full picture.
 */

/** Engines the lab can host. */
export type LabEngine = "opengauss" | "kingbase-v8r3" | "kingbase-v8r6";

/** An OS user of the lab hosts. */
export interface LabUser {
  /** Login name (`omm`, `kingbase`, or the current user when the lab runs unprivileged). */
  name: string;
  uid: number;
  gid: number;
  /** Home directory as seen from inside a host (e.g. `/home/omm`). */
  home: string;
}

/** One lab host: a loopback address with its own sshd and its own private view of /home, /etc/cron.d, /dev/shm. */
export interface LabHost {
  /** Loopback address, 127.0.x.y. */
  ip: string;
  /** openGauss hosts: the second (replication-network) loopback address, 127.n.(x+10).y. */
  streamIp?: string;
  /** Host name used in vendor configs, e.g. `oga1`, `ogb2`, `ogc1`, `kb3n1`, `kb6n2`. */
  name: string;
  /** Name of the cluster this host belongs to (`A`, `B`, `C`, `D`, `kbv8r3`, `kbv8r6`). */
  cluster: string;
  /** 1-based position of the host in its cluster. */
  index: number;
  /** sshd port (22 as root, 2222 unprivileged). */
  sshPort: number;
  /** Path, in the machine's root filesystem, of the directory that appears as `/` for the bind-mounted paths:
   * `<fsRoot>/home` is `/home` inside the host, `<fsRoot>/etc/cron.d` is `/etc/cron.d`, `<fsRoot>/dev/shm` is `/dev/shm`. */
  fsRoot: string;
  /** `SHA256:...` fingerprint of the host's ed25519 host key (OpenSSH format). */
  hostKeyFingerprint: string;
}

/** A cluster the lab creates. */
export interface LabClusterSpec {
  name: string;
  engine: LabEngine;
  hosts: LabHost[];
}

/** Result of running a command inside a host. */
export interface LabRunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** What the lab core gives a provisioner. */
export interface LabContext {
  /** Lab root directory (default /var/tmp/pulumi-hadr-lab). */
  root: string;
  /** openGauss dataPortBase; the HA port is portBase+1. */
  portBase: number;
  /** True when the lab runs as root (namespaces, real users, port 22). */
  asRoot: boolean;
  users: { omm: LabUser; kingbase: LabUser };
  /** Private key a Pulumi stack uses to log in (as omm or kingbase, and root on KingbaseES hosts). */
  clientKeyPath: string;
  /** Private key the emulated tools use to reach peer hosts (OM-style SSH trust); readable by omm and kingbase. */
  clusterKeyPath: string;
  /** known_hosts file with every lab host's key, readable by the lab users. */
  knownHostsPath: string;
  /** Directory holding the compiled lab code (a copy of lab/dist/src), readable by the lab users. */
  toolsDir: string;
  /** Runs `bash -c script` inside the host's mount namespace as `user`, with HADR_LAB_HOST/HADR_LAB_ROOT set. */
  run(
    host: LabHost,
    user: string,
    script: string,
    opts?: { timeoutMs?: number; input?: string },
  ): Promise<LabRunResult>;
  /** Progress line for the CLI. */
  log(message: string): void;
  /** `lab up` only: the OM release per openGauss cluster name (absent → the provisioner's default, master). */
  omReleases?: Record<string, string>;
}

/** What a provisioner returns for lab.json; merged into the cluster's entry. */
export interface LabClusterOutput {
  /** OS user the vendor tools run as. */
  user: string;
  /** Env file to source before every remote command. */
  envFile: string;
  /** openGauss only: the cluster's install XML (content). */
  xml?: string;
  /** openGauss only: the emulated OM release (`master`, `5.0.3`, `7.0.0-RC2`, …; see opengauss/README.md). */
  omVersion?: string;
  /** Per-node details (data dir, ports, paths) for tests. */
  nodes: Array<Record<string, unknown> & { host: string }>;
  /** Engine-specific extras (install paths, DR user, ...). */
  extra?: Record<string, unknown>;
}

/** A fault a provisioner can inject; `args` are the CLI words after the fault name. */
export type LabFaultHandler = (
  ctx: LabContext,
  clusters: LabClusterSpec[],
  args: string[],
) => Promise<string>;

/** Puts one engine's world on the lab hosts. Every method is idempotent. */
export interface EngineProvisioner {
  engine: LabEngine;
  /** Creates or repairs the cluster; returns what lab.json says about it. */
  up(ctx: LabContext, cluster: LabClusterSpec): Promise<LabClusterOutput>;
  /** Stops every process this engine started on the cluster's hosts (files go with the host dirs). */
  down(ctx: LabContext, cluster: LabClusterSpec): Promise<void>;
  /** One line per node for `lab status`. */
  status(ctx: LabContext, cluster: LabClusterSpec): Promise<string[]>;
  /** Undoes every fault of this engine and brings the cluster back to its `up` state. */
  reset(ctx: LabContext, cluster: LabClusterSpec): Promise<void>;
  /**
   * Boots the engine's processes on the cluster's hosts after they were powered off (`site-up`): what the
   * machines' init and the vendor's cluster manager would start, with the configuration they have now.
   */
  siteUp?(ctx: LabContext, cluster: LabClusterSpec): Promise<void>;
  /**
   * Boots the engine's processes on one host of the cluster after it alone was powered off (`host-up`), the
   * other hosts running on: what that machine's init and the vendor's cluster manager would start there now.
   */
  hostUp?(ctx: LabContext, cluster: LabClusterSpec, host: LabHost): Promise<void>;
  /** Engine-specific faults by name (e.g. `pg-stop`, `dr-link-cut`, `hang`, `stale-lock`). */
  faults: Record<string, LabFaultHandler>;
}

/** The lab.json file: everything a stack or a test needs. */
export interface LabInfo {
  root: string;
  /** Second address octet (`HADR_LAB_NET`): hosts are 127.<net>.x.y. */
  net: number;
  /** Nodes per openGauss cluster. */
  nodes: number;
  /** openGauss DR pairs: 1 (clusters A, B) or 2 (also C, D; `lab up --pairs 2`). */
  pairs: number;
  portBase: number;
  asRoot: boolean;
  users: { omm: LabUser; kingbase: LabUser };
  clientKeyPath: string;
  clusterKeyPath: string;
  knownHostsPath: string;
  toolsDir: string;
  clusters: Record<
    string,
    LabClusterOutput & {
      engine: LabEngine;
      /** False while the engine's provisioner has not (successfully) run: only the hosts exist. */
      provisioned: boolean;
      /** `hostKey` is the `SHA256:...` fingerprint of the host's ed25519 key. */
      hosts: Array<{
        ip: string;
        /** openGauss hosts: dedicated replication address (in `hostname -I`, DN listens on it). */
        streamIp?: string;
        name: string;
        sshPort: number;
        hostKey: string;
      }>;
    }
  >;
}
