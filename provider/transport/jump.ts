/**
 * Jump-host connections of one operation: one SSH connection per jump host (`user@host:port`), opened on first
 * use, shared by every target behind it (each target gets its own `direct-tcpip` channel, as `ssh -J` does), and
 * closed with the fleet. Every wait is bounded: the jump host's connect deadline, then the target's for the
 * channel.
 */
import type { Client, ClientChannel } from "ssh2";
import { SshConnectError } from "../errors";
import type { Redactor } from "./redact";
import { connectHop, type JumpChannels, type SshJump, type SshTarget } from "./ssh";

/** Key of a jump host: `user@host:port`. */
function jumpKey(j: SshJump): string {
  return `${j.username}@${j.host}:${j.port}`;
}

/** The jump hosts of one operation (see the module comment). */
export class JumpPool implements JumpChannels {
  private readonly clients = new Map<string, Promise<Client>>();

  constructor(private readonly redactor: Redactor) {}

  /** A channel from the target's jump host to the target's sshd; throws a typed error naming both. */
  async channel(target: SshTarget): Promise<ClientChannel> {
    const jump = target.proxy!;
    const client = await this.client(jump, target.cluster);
    const where = { cluster: target.cluster, node: target.host, step: `ssh connect via ${jump.host}` };
    return new Promise<ClientChannel>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(
          new SshConnectError(
            `jump host ${jump.host} opened no connection to ${target.host}:${target.port} within ${target.connectTimeoutMs} ms`,
            {
              where,
              hint: "Check that the jump host reaches the node (routes, firewall) and that sshd answers there.",
            },
          ),
        );
      }, target.connectTimeoutMs);
      try {
        client.forwardOut("127.0.0.1", 0, target.host, target.port, (err, stream) => {
          clearTimeout(timer);
          if (settled) {
            stream?.close();
            return;
          }
          settled = true;
          if (err) {
            reject(
              new SshConnectError(
                `jump host ${jump.host} cannot connect to ${target.host}:${target.port}: ${this.redactor.redact(err.message)}`,
                {
                  where,
                  hint: "Check the node's address and ssh.port, and that the jump host may reach it (AllowTcpForwarding, firewall).",
                },
              ),
            );
          } else resolve(stream);
        });
      } catch (err) {
        // ssh2 throws synchronously when the jump connection closed in between.
        clearTimeout(timer);
        settled = true;
        reject(
          new SshConnectError(`the connection to jump host ${jump.host} is gone: ${(err as Error).message}`, {
            where,
          }),
        );
      }
    });
  }

  /** Closes every jump connection. */
  close(): void {
    const open = [...this.clients.values()];
    this.clients.clear();
    for (const p of open) p.then((c) => c.end()).catch(() => undefined);
  }

  private client(jump: SshJump, cluster: string | undefined): Promise<Client> {
    const key = jumpKey(jump);
    let c = this.clients.get(key);
    if (!c) {
      c = connectHop(
        {
          ...jump,
          where: { cluster, node: jump.host, step: "ssh connect (jump host)" },
          settings: {
            hostKey: "ssh.proxy.hostKey",
            user: "ssh.proxy.user",
            key: "proxySshKey (default: the login's own key) or ssh.agent",
          },
        },
        this.redactor,
      );
      this.clients.set(key, c);
      // A failed or lost jump connection is not kept: the next target opens a new one.
      c.then(
        (client) => client.once("close", () => this.clients.get(key) === c && this.clients.delete(key)),
        () => this.clients.get(key) === c && this.clients.delete(key),
      );
    }
    return c;
  }
}
