import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLAIM, COMPLETE, RELEASE } from '../../src/stores/valkey/scripts.js';
import { parseCommand, type RespCommand, valueLength } from './resp.js';
import { seededRandom } from './seeded-random.js';

/**
 * What the proxy does to one command of the store:
 * - `reset`: the connection is reset (TCP RST) before the command reaches the server: not applied.
 * - `timeout`: the command applies, its reply is held past the client's timeout, then delivered late.
 * - `lost-reply`: the command applies, then the connection is reset instead of answering.
 * - `restart`: the server is killed (SIGKILL) and started again before the command reaches it.
 * - `script-flush`: `SCRIPT FLUSH` runs on the server just before the command reaches it.
 * Cluster mode only (a proxy in front of each node):
 * - `failover`: the node's replica takes over (`CLUSTER FAILOVER`) before the command reaches the
 *   node, which answers it with `MOVED`: the client must follow.
 * - `migrate-slot`: the command's slot moves to another primary first: `MOVED` again.
 */
export type ValkeyFault = 'reset' | 'timeout' | 'lost-reply' | 'restart' | 'script-flush' | 'failover' | 'migrate-slot';

/** The faults of a single server. */
export const VALKEY_FAULTS: readonly ValkeyFault[] = ['reset', 'timeout', 'lost-reply', 'restart', 'script-flush'];

/** The faults of a cluster node: a single server's, and the two that move a slot. */
export const CLUSTER_FAULTS: readonly ValkeyFault[] = [...VALKEY_FAULTS, 'failover', 'migrate-slot'];

/** The store's requests, told apart on the wire: `SET … NX` or the claim script, the other scripts, `GET` for a read. */
export type ValkeyOperation = 'claim' | 'complete' | 'release' | 'evict' | 'get';

export interface ValkeyFaultRule {
  readonly fault: ValkeyFault;
  /** Only this request of the store; any of them when absent. */
  readonly operation?: ValkeyOperation;
  /** Only commands naming this key (the store key of one record). */
  readonly keyIncludes?: string;
  /** Only the nth matching command (1-based); otherwise every match, or with `probability`. */
  readonly nth?: number;
  readonly probability?: number;
}

export interface InjectedValkeyRule {
  /** How many commands this rule faulted. */
  hits(): number;
  remove(): void;
}

export interface ValkeyFaultProxyOptions {
  readonly upstreamPort: number;
  /** How long a `timeout` holds a reply back (longer than the client's command timeout). */
  readonly holdMs: number;
  /** Seeds the `probability` draws (when the proxy has rules of its own). */
  readonly seed?: number;
  /** Rules shared with other proxies (one per cluster node), so `nth` counts across the cluster. */
  readonly rules?: ValkeyFaultRules;
  /** Kills the server and starts it again on the same port. */
  restartServer(): Promise<void>;
  /** Runs `SCRIPT FLUSH` on the server (through a connection of its own, not the proxy). */
  flushScripts(): Promise<void>;
  /** Cluster mode: hands the node's slots to its replica (for `failover`). */
  failover?(): Promise<void>;
  /** Cluster mode: moves the slot of `key` to another primary (for `migrate-slot`). */
  migrateSlot?(key: string): Promise<void>;
}

/** What becomes of the reply to a forwarded command. */
type ReplyFate = 'deliver' | 'hold' | 'lose';

interface ActiveRule {
  readonly rule: ValkeyFaultRule;
  seen: number;
  hits: number;
}

const SCRIPTS = new Map<string, ValkeyOperation>(
  [CLAIM, COMPLETE, RELEASE].flatMap((script) => [
    [script.sha, script.name],
    [script.source, script.name],
  ]),
);

/** One client connection and its own connection to the server. */
class Link {
  readonly fates: ReplyFate[] = [];
  readonly held: Buffer[] = [];
  /** A replica's replication link: passed through as bytes, never faulted, held while replication is. */
  replication = false;
  readonly heldReplication: Buffer[] = [];
  releaseAt = 0;
  inbound: Buffer = Buffer.alloc(0);
  outbound: Buffer = Buffer.alloc(0);
  /** Commands are handled one after another: a fault that awaits (restart, flush) keeps their order. */
  chain: Promise<void> = Promise.resolve();
  busy = 0;
  closed = false;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
  ) {}

  /** Settled: nothing of it is queued, held, or waiting for the server. */
  idle(): boolean {
    return this.closed || (this.busy === 0 && this.fates.length === 0 && this.held.length === 0);
  }

  reset(): void {
    if (this.closed) return;
    this.closed = true;
    if (typeof this.client.resetAndDestroy === 'function') this.client.resetAndDestroy();
    else this.client.destroy();
    this.upstream.destroy();
  }
}

/**
 * A loopback proxy in front of a redis-server that reads the store's commands and faults the ones
 * a rule names, per command and per record key, leaving the rest of the traffic alone.
 */
export class ValkeyFaultProxy {
  readonly #options: ValkeyFaultProxyOptions;
  readonly #rules: ValkeyFaultRules;
  readonly #links = new Set<Link>();
  #server: Server | undefined;
  #restarting: Promise<void> | undefined;
  #replicationHeld = false;
  url = '';
  port = 0;

  constructor(options: ValkeyFaultProxyOptions) {
    this.#options = options;
    this.#rules = options.rules ?? new ValkeyFaultRules(options.seed);
  }

  async start(): Promise<this> {
    const server = createServer((client) => this.#accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
    this.url = `redis://127.0.0.1:${this.port}`;
    this.#server = server;
    return this;
  }

  inject(rule: ValkeyFaultRule): InjectedValkeyRule {
    return this.#rules.inject(rule);
  }

  faultsInjected(): number {
    return this.#rules.faultsInjected();
  }

  /**
   * Holds back what the server sends its replicas through this proxy (the replication stream),
   * so a write it acknowledges reaches no replica: a crash then loses it, as a real primary that
   * failed ahead of its replicas does. `false` delivers what was held.
   */
  holdReplication(held: boolean): void {
    this.#replicationHeld = held;
    if (held) return;
    for (const link of this.#links) {
      const pending = link.heldReplication.splice(0);
      if (!link.closed) for (const chunk of pending) link.client.write(chunk);
    }
  }

  /** Waits until every command has been answered, delivered late, or lost with its connection. */
  async drain(): Promise<void> {
    const deadline = Date.now() + 15_000;
    while ([...this.#links].some((link) => !link.idle())) {
      if (Date.now() > deadline) throw new Error('ValkeyFaultProxy.drain: commands still pending after 15 s');
      await sleep(5);
    }
  }

  async stop(): Promise<void> {
    for (const link of this.#links) link.reset();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  #accept(client: Socket): void {
    const upstream = tcpConnect(this.#options.upstreamPort, '127.0.0.1');
    const link = new Link(client, upstream);
    this.#links.add(link);
    const close = () => {
      link.reset();
      this.#links.delete(link);
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
    client.on('data', (chunk: Buffer) => {
      link.inbound = Buffer.concat([link.inbound, chunk]);
      for (;;) {
        if (link.replication) {
          // From the handshake on, bytes: after its own commands come its offsets and acks.
          const bytes = link.inbound;
          link.inbound = Buffer.alloc(0);
          link.chain = link.chain.then(() => void (link.closed || link.upstream.write(bytes)));
          break;
        }
        const length = valueLength(link.inbound);
        if (length < 0) break;
        const bytes = link.inbound.subarray(0, length);
        link.inbound = link.inbound.subarray(length);
        if (isReplicationHandshake(bytes)) {
          link.replication = true;
          link.inbound = Buffer.concat([bytes, link.inbound]);
          continue;
        }
        link.busy++;
        link.chain = link.chain.then(() => this.#handle(link, bytes)).finally(() => void link.busy--);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (link.replication) {
        // The snapshot and the command stream are not replies: no parsing, only holding.
        const bytes = Buffer.concat([link.outbound, chunk]);
        link.outbound = Buffer.alloc(0);
        if (this.#replicationHeld) link.heldReplication.push(bytes);
        else link.client.write(bytes);
        return;
      }
      link.outbound = Buffer.concat([link.outbound, chunk]);
      for (;;) {
        const length = valueLength(link.outbound);
        if (length < 0) break;
        const reply = link.outbound.subarray(0, length);
        link.outbound = link.outbound.subarray(length);
        // A RESP3 push is not the reply to any command.
        const fate = reply[0] === 0x3e ? 'deliver' : (link.fates.shift() ?? 'deliver');
        this.#reply(link, reply, fate);
      }
    });
  }

  async #handle(link: Link, bytes: Buffer): Promise<void> {
    if (link.closed) return;
    const rule = this.#rules.match(describe(parseCommand(bytes)));
    switch (rule?.fault) {
      case undefined:
        return this.#forward(link, bytes, 'deliver');
      case 'reset':
        return link.reset();
      case 'timeout':
        return this.#forward(link, bytes, 'hold');
      case 'lost-reply':
        return this.#forward(link, bytes, 'lose');
      case 'restart':
        // The server dies with this connection: the command never reaches it. Commands faulted
        // together share one restart.
        this.#restarting ??= this.#options.restartServer().finally(() => {
          this.#restarting = undefined;
        });
        await this.#restarting;
        return link.reset();
      case 'script-flush':
        await this.#options.flushScripts();
        return this.#forward(link, bytes, 'deliver');
      case 'failover':
        await required(this.#options.failover, 'failover')();
        return this.#forward(link, bytes, 'deliver');
      case 'migrate-slot':
        await required(this.#options.migrateSlot, 'migrate-slot')(describe(parseCommand(bytes))!.key);
        return this.#forward(link, bytes, 'deliver');
    }
  }

  #forward(link: Link, bytes: Buffer, fate: ReplyFate): void {
    if (link.closed) return;
    link.fates.push(fate);
    link.upstream.write(bytes);
  }

  #reply(link: Link, reply: Buffer, fate: ReplyFate): void {
    if (link.closed) return;
    if (fate === 'lose') {
      link.reset();
      return;
    }
    if (fate === 'hold') {
      link.releaseAt = Date.now() + this.#options.holdMs;
      setTimeout(() => this.#release(link), this.#options.holdMs).unref();
    }
    // Replies keep their order: one behind a held reply waits with it.
    if (fate === 'hold' || link.held.length > 0) link.held.push(Buffer.from(reply));
    else link.client.write(reply);
  }

  #release(link: Link): void {
    // Not due yet (a later hold moved it, or the timer fired early): wait for the rest.
    const wait = link.releaseAt - Date.now();
    if (wait > 1) {
      setTimeout(() => this.#release(link), wait).unref();
      return;
    }
    const held = link.held.splice(0);
    if (!link.closed) for (const reply of held) link.client.write(reply);
  }
}

/** The rules in force, and the draws and counts they share, for one proxy or every proxy of a cluster. */
export class ValkeyFaultRules {
  readonly #rules = new Set<ActiveRule>();
  readonly #random: () => number;
  #faults = 0;

  constructor(seed = 1) {
    this.#random = seededRandom(seed);
  }

  inject(rule: ValkeyFaultRule): InjectedValkeyRule {
    const active: ActiveRule = { rule, seen: 0, hits: 0 };
    this.#rules.add(active);
    return { hits: () => active.hits, remove: () => void this.#rules.delete(active) };
  }

  faultsInjected(): number {
    return this.#faults;
  }

  /** The rule that faults this command, counting it against every rule it matches. */
  match(target: { operation: ValkeyOperation; key: string } | undefined): ValkeyFaultRule | undefined {
    if (target === undefined) return undefined;
    for (const active of this.#rules) {
      const { rule } = active;
      if (rule.operation !== undefined && rule.operation !== target.operation) continue;
      if (rule.keyIncludes !== undefined && !target.key.includes(rule.keyIncludes)) continue;
      active.seen++;
      const applies =
        rule.nth !== undefined ? active.seen === rule.nth : rule.probability === undefined || this.#random() < rule.probability;
      if (!applies) continue;
      active.hits++;
      this.#faults++;
      return rule;
    }
    return undefined;
  }
}

/** A replica's first commands to its primary: from there on the connection carries replication. */
function isReplicationHandshake(bytes: Buffer): boolean {
  const name = parseCommand(bytes)[0]?.toString('latin1').toUpperCase();
  return name === 'REPLCONF' || name === 'PSYNC' || name === 'SYNC';
}

function required<T>(action: T | undefined, fault: ValkeyFault): T {
  if (action === undefined)
    throw new Error(`ValkeyFaultProxy: the ${fault} fault needs the proxy's ${fault} option (cluster mode)`);
  return action;
}

/** Which request of the store a command is, and the key it touches; undefined for anything else. */
function describe(command: RespCommand): { operation: ValkeyOperation; key: string } | undefined {
  const name = command[0]?.toString('latin1').toUpperCase();
  if (name === 'GET' && command[1]) return { operation: 'get', key: command[1].toString('utf8') };
  // A claim of a free key is a plain `SET key value NX GET PXAT ms`; a lapsed record goes on to the claim script.
  if (name === 'SET' && command[1] && command.some((part) => part.toString('latin1').toUpperCase() === 'NX')) {
    return { operation: 'claim', key: command[1].toString('utf8') };
  }
  if ((name === 'EVALSHA' || name === 'EVAL') && command[1] && command[3]) {
    const operation = SCRIPTS.get(command[1].toString('utf8'));
    if (operation) return { operation, key: command[3].toString('utf8') };
  }
  return undefined;
}
