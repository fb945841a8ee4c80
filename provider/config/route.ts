/**
 * The way a login goes and what it authenticates with beyond its key: the ssh-agent socket (`ssh.agent`) and
 * the jump host (`ssh.proxy`) with its own key (`proxySshKey`, else the login's). Pure but for reading the
 * environment (`$SSH_AUTH_SOCK`) and checking that an agent socket exists; failures name the property and never
 * quote key material.
 */
import * as fs from "node:fs";
import type { PropertyFailure } from "../errors";
import { propertyPath } from "./issues";
import type { LoginRoute, SshKey, SshLogin } from "./ssh";

/** Where the agent socket comes from when `agent` is `true`. */
const AGENT_ENV = "SSH_AUTH_SOCK";

/** True when the login may authenticate without a key input (its agent). */
export function usesAgent(login: Pick<SshLogin, "agent">): boolean {
  return login.agent !== undefined && login.agent !== false;
}

function agentSocket(
  agent: SshLogin["agent"],
  at: PropertyKey[],
  env: NodeJS.ProcessEnv,
): { socket?: string; failure?: PropertyFailure } {
  if (agent === undefined || agent === false) return {};
  const property = propertyPath([...at, "agent"]);
  const socket = agent === true ? env[AGENT_ENV] : agent;
  if (socket === undefined || socket === "") {
    return {
      failure: {
        property,
        reason: `is true but ${AGENT_ENV} is not set where Pulumi runs; start an ssh-agent (eval $(ssh-agent); ssh-add) or give the socket path`,
      },
    };
  }
  let isSocket = false;
  try {
    isSocket = fs.statSync(socket).isSocket();
  } catch {
    isSocket = false;
  }
  if (!isSocket) {
    return {
      failure: {
        property,
        reason: `no ssh-agent socket at ${socket}${agent === true ? ` (from ${AGENT_ENV})` : ""}; is the agent running?`,
      },
    };
  }
  return { socket };
}

/**
 * The route of one login (`at` is its path, e.g. `["clusters", "B", "ssh"]`): the agent socket when `agent` is
 * set, and the jump host with its key — `proxyKey` (the top-level `proxySshKey`) else the login's own `key` —
 * and the login's agent. `env` is the provider process's environment.
 */
export function resolveRoute(
  login: Pick<SshLogin, "agent" | "proxy">,
  at: PropertyKey[],
  key: SshKey | undefined,
  proxyKey: SshKey | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { route: LoginRoute; failures: PropertyFailure[] } {
  const failures: PropertyFailure[] = [];
  const route: LoginRoute = {};
  const agent = agentSocket(login.agent, at, env);
  if (agent.failure) failures.push(agent.failure);
  if (agent.socket !== undefined) route.agentSocket = agent.socket;
  if (login.proxy) {
    route.via = {
      ...login.proxy,
      ...(proxyKey ?? key ?? {}),
      ...(agent.socket !== undefined ? { agentSocket: agent.socket } : {}),
    };
  }
  return { route, failures };
}

/** A failure when `proxySshKey` is given but no login of the resource goes through a jump host. */
export function unusedProxyKeyFailure(
  proxyKey: SshKey | undefined,
  logins: ReadonlyArray<Pick<SshLogin, "proxy">>,
): PropertyFailure[] {
  if (proxyKey === undefined || logins.some((l) => l.proxy !== undefined)) return [];
  return [
    { property: "proxySshKey", reason: "is only used with a jump host (ssh.proxy), and no login has one" },
  ];
}

/** What the SSH transport needs to authenticate one hop (fields of its target). */
interface HopAuth {
  privateKey?: string;
  passphrase?: string;
  /** ssh-agent socket. */
  agent?: string;
}

/** What the SSH transport needs to authenticate and route one login: its own auth and its jump host's. */
export interface TransportAuth extends HopAuth {
  /** The jump host; its connect deadline is the login's. */
  proxy?: HopAuth & {
    host: string;
    port: number;
    username: string;
    hostKey: string;
    connectTimeoutMs: number;
  };
}

/** The transport's authentication and route fields of a resolved login (every engine builds its targets with it). */
export function transportAuth(
  s: Partial<SshKey> & LoginRoute & Pick<SshLogin, "connectTimeoutSeconds">,
): TransportAuth {
  const out: TransportAuth = {};
  if (s.privateKey !== undefined) out.privateKey = s.privateKey;
  if (s.passphrase !== undefined) out.passphrase = s.passphrase;
  if (s.agentSocket !== undefined) out.agent = s.agentSocket;
  if (s.via) {
    const v = s.via;
    out.proxy = {
      host: v.host,
      port: v.port,
      username: v.user,
      hostKey: v.hostKey,
      connectTimeoutMs: s.connectTimeoutSeconds * 1000,
      ...(v.privateKey !== undefined ? { privateKey: v.privateKey } : {}),
      ...(v.passphrase !== undefined ? { passphrase: v.passphrase } : {}),
      ...(v.agentSocket !== undefined ? { agent: v.agentSocket } : {}),
    };
  }
  return out;
}
