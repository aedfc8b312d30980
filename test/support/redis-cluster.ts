import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import {
  freePort,
  launchRedisServer,
  onFreshPorts,
  REDIS_SERVER_BIN,
  type RedisAvailability,
  stopProcess,
} from './redis-server.js';

const CLI_BIN = process.env.REDIS_CLI_BIN ?? 'redis-cli';

/**
 * Whether a Redis Cluster can be started here: it needs `redis-server` and `redis-cli` (which joins
 * the nodes). The cluster tests always start their own nodes, so `REDIS_URL` does not apply. Outside
 * CI a missing binary skips them with the reason; under `CI=true` it fails the run.
 */
export function clusterAvailability(): RedisAvailability {
  const missing = [REDIS_SERVER_BIN, CLI_BIN].filter((binary) => spawnSync(binary, ['--version']).status !== 0);
  if (missing.length === 0) return { available: true, external: undefined };
  const reason = `${missing.join(' and ')} not installed (apt-get install -y redis-server)`;
  if (process.env.CI === 'true') throw new Error(`CI=true: the Redis Cluster tests must run, but ${reason}.`);
  return { available: false, reason };
}

/** A host and port a cluster client is given, or a node announces. */
export interface ClusterAddress {
  readonly host: string;
  readonly port: number;
}

/** One `redis-server --cluster-enabled yes` the test owns. */
export interface ClusterNode {
  /** The port it listens on. */
  readonly port: number;
  /** The port it announces to clients: its own, or the port of a proxy in front of it. */
  readonly clientPort: number;
  /** Its cluster node id (known once the cluster is created). */
  readonly id: string;
  /** A direct connection for administration (CLUSTER, INFO, SCRIPT), never through a proxy. */
  readonly admin: Redis;
  running(): boolean;
  /** SIGKILL, as a crash: whatever it had not replicated is lost with it unless its append-only file has it. */
  kill(): Promise<void>;
  /** Starts it again on the same port with the same directory (its nodes.conf and append-only file). */
  start(): Promise<void>;
  /** `kill()` then `start()`. */
  restart(): Promise<void>;
}

export interface RedisClusterOptions {
  /** Primaries, each with `replicasPerPrimary` replicas. Default 3. */
  readonly primaries?: number;
  /** Default 1. */
  readonly replicasPerPrimary?: number;
  /**
   * How long a node must be unreachable before the others mark it failed and a replica of a failed
   * primary starts an election. Default 15 s: a node restarted within it keeps its role, so only
   * the failover tests, which set it small, see automatic failovers.
   */
  readonly nodeTimeoutMs?: number;
  /** An append-only file fsynced on every write, as the single-server durable tests use. Default true. */
  readonly durable?: boolean;
  /**
   * Puts something in front of a node before it starts (a fault proxy) and returns the port the
   * node announces to clients, so cluster clients reach the node only through it. Replication
   * follows the announced address too; the cluster bus does not.
   */
  readonly front?: (node: ClusterNode) => Promise<number>;
}

/** A Redis Cluster on loopback: started, joined, healthy; `stop()` kills every node and removes their directories. */
export interface RedisCluster {
  readonly nodes: readonly ClusterNode[];
  /** Every node's announced address: the seed list a cluster client is given. */
  readonly seeds: readonly ClusterAddress[];
  /** The hash slot of a key, as the server computes it. */
  slotOf(key: string): Promise<number>;
  /** The node serving a slot as primary now, as a running node sees it. */
  primaryOf(slot: number): Promise<ClusterNode>;
  /** The replicas of a primary, as a running node sees them. */
  replicasOf(primary: ClusterNode): Promise<ClusterNode[]>;
  /** The primaries serving at least one slot, as a running node sees them. */
  primaries(): Promise<ClusterNode[]>;
  /**
   * A manual failover (`CLUSTER FAILOVER` on the replica): the primary stops accepting writes, the
   * replica catches up with its replication offset, then takes over. Nothing acknowledged is lost.
   * The other primaries refuse to vote for a second failover of the same shard within twice the
   * node timeout; then, once the replica has everything, it takes over without a vote
   * (`TAKEOVER`). Resolves once every running node serves the primary's slots from the replica.
   */
  failover(replica: ClusterNode): Promise<void>;
  /** Resolves once every replica of `primary` has acknowledged everything it had written so far. */
  replicated(primary: ClusterNode): Promise<void>;
  /** Moves a slot and its keys to another primary (the resharding `redis-cli --cluster` does), then waits until every running node agrees. */
  migrateSlot(slot: number, to: ClusterNode): Promise<void>;
  /** Resolves once every running node reports `cluster_state:ok`, agrees on who serves each slot, and every running replica is in sync. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

interface NodeView {
  readonly id: string;
  readonly port: number;
  readonly flags: readonly string[];
  readonly primaryId: string | undefined;
  readonly slots: readonly [number, number][];
}

/** Starts `primaries × (1 + replicasPerPrimary)` nodes on free loopback ports and joins them with `redis-cli --cluster create`. */
export function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  return onFreshPorts(() => startOnFreePorts(options));
}

async function startOnFreePorts(options: RedisClusterOptions): Promise<RedisCluster> {
  const primaries = options.primaries ?? 3;
  const replicasPerPrimary = options.replicasPerPrimary ?? 1;
  const count = primaries * (1 + replicasPerPrimary);
  const ports = await distinctFreePorts(count * 2);
  const nodes: ManagedNode[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const node = new ManagedNode(ports[index]!, ports[count + index]!, options);
      nodes.push(node);
      node.clientPort = options.front ? await options.front(node) : node.port;
    }
    await Promise.all(nodes.map((node) => node.start()));
    await createCluster(nodes, replicasPerPrimary);
    for (const node of nodes) node.id = String(await node.admin.call('CLUSTER', 'MYID'));
    const cluster = new ManagedCluster(nodes);
    await cluster.waitHealthy(30_000);
    return cluster;
  } catch (error) {
    await Promise.all(nodes.map((node) => node.destroy()));
    throw error;
  }
}

class ManagedNode implements ClusterNode {
  clientPort = 0;
  id = '';
  readonly admin: Redis;
  readonly #dir = mkdtempSync(join(tmpdir(), 'idempotency-cluster-'));
  readonly #args: string[];
  #child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    busPort: number,
    options: RedisClusterOptions,
  ) {
    const durable = options.durable ?? true;
    this.#args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.#dir,
      '--save',
      '',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(options.nodeTimeoutMs ?? 15_000),
      '--cluster-port',
      String(busPort),
      ...(durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ];
    // Rides out a restart (queued until it is back), fails soon on a node that stays down.
    this.admin = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 2,
      retryStrategy: () => 50,
      commandTimeout: 5_000,
    });
    this.admin.on('error', () => undefined);
  }

  running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async start(): Promise<void> {
    // Announced only once known (a front is started after the node object exists).
    const announce = this.clientPort !== this.port ? ['--cluster-announce-port', String(this.clientPort)] : [];
    const busPort = this.#args[this.#args.indexOf('--cluster-port') + 1]!;
    this.#child = await launchRedisServer([...this.#args, ...announce, '--cluster-announce-bus-port', busPort]);
    await this.#adminReady();
  }

  async kill(): Promise<void> {
    if (this.#child) await stopProcess(this.#child, 'SIGKILL');
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  async destroy(): Promise<void> {
    this.admin.disconnect();
    if (this.#child) await stopProcess(this.#child, 'SIGKILL');
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #adminReady(): Promise<void> {
    if (this.admin.status === 'wait' || this.admin.status === 'end') await this.admin.connect().catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while (this.admin.status !== 'ready') {
      if (Date.now() > deadline) throw new Error(`cluster node ${this.port}: admin connection not ready after 10 s`);
      await sleep(20);
    }
  }
}

class ManagedCluster implements RedisCluster {
  readonly seeds: readonly ClusterAddress[];

  constructor(readonly nodes: readonly ManagedNode[]) {
    this.seeds = nodes.map((node) => ({ host: '127.0.0.1', port: node.clientPort }));
  }

  async slotOf(key: string): Promise<number> {
    return Number(await this.#anyRunning().admin.call('CLUSTER', 'KEYSLOT', key));
  }

  async primaryOf(slot: number): Promise<ClusterNode> {
    const owner = (await this.#view(this.#anyRunning())).find(
      (node) => node.flags.includes('master') && node.slots.some(([from, to]) => slot >= from && slot <= to),
    );
    if (!owner) throw new Error(`no primary serves slot ${slot}`);
    return this.#byId(owner.id);
  }

  async replicasOf(primary: ClusterNode): Promise<ClusterNode[]> {
    const view = await this.#view(this.#anyRunning());
    return view.filter((node) => node.primaryId === primary.id).map((node) => this.#byId(node.id));
  }

  async primaries(): Promise<ClusterNode[]> {
    const view = await this.#view(this.#anyRunning());
    return view.filter((node) => node.flags.includes('master') && node.slots.length > 0).map((node) => this.#byId(node.id));
  }

  async replicated(primary: ClusterNode): Promise<void> {
    const offset = (info: string, field: string) => Number(new RegExp(`^${field}:(\\d+)`, 'm').exec(info)?.[1] ?? -1);
    const written = offset(String(await primary.admin.call('INFO', 'replication')), 'master_repl_offset');
    const replicas = await this.replicasOf(primary);
    await this.#until(10_000, `the replicas of ${primary.port} to reach offset ${written}`, async () => {
      for (const replica of replicas) {
        if (offset(String(await replica.admin.call('INFO', 'replication')), 'slave_repl_offset') < written) return false;
      }
      return true;
    });
  }

  async failover(replica: ClusterNode): Promise<void> {
    const tookOver = async () => {
      for (const node of this.nodes.filter((candidate) => candidate.running())) {
        const self = (await this.#view(node)).find((entry) => entry.id === replica.id);
        if (!self?.flags.includes('master') || self.slots.length === 0) return false;
      }
      return true;
    };
    const primary = this.#byId(
      (await this.#view(replica as ManagedNode)).find((entry) => entry.id === replica.id)?.primaryId ?? '',
    );
    await replica.admin.call('CLUSTER', 'FAILOVER');
    try {
      await this.#until(2_000, `node ${replica.port} to take over as primary`, tookOver);
    } catch {
      await this.replicated(primary);
      await replica.admin.call('CLUSTER', 'FAILOVER', 'TAKEOVER');
      await this.#until(15_000, `node ${replica.port} to take over as primary (TAKEOVER)`, tookOver);
    }
  }

  async migrateSlot(slot: number, to: ClusterNode): Promise<void> {
    const from = await this.primaryOf(slot);
    if (from.id === to.id) return;
    await to.admin.call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', from.id);
    await from.admin.call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', to.id);
    for (;;) {
      const keys = (await from.admin.call('CLUSTER', 'GETKEYSINSLOT', String(slot), '100')) as string[];
      if (keys.length === 0) break;
      // Straight to the node's own port: MIGRATE opens its own connection, past any proxy.
      await from.admin.call('MIGRATE', '127.0.0.1', String(to.port), '', '0', '5000', 'KEYS', ...keys);
    }
    // The new owner first, then the old one, then the other primaries (what redis-cli --cluster
    // reshard does); replicas learn it from them.
    const others = (await this.primaries()).filter((node) => node !== to && node !== from);
    for (const node of [to, from, ...others]) {
      await node.admin.call('CLUSTER', 'SETSLOT', String(slot), 'NODE', to.id);
    }
    await this.#until(15_000, `every node to see slot ${slot} on ${to.port}`, async () => {
      for (const node of this.nodes.filter((candidate) => candidate.running())) {
        const owner = (await this.#view(node)).find(
          (entry) => entry.flags.includes('master') && entry.slots.some(([low, high]) => slot >= low && slot <= high),
        );
        if (owner?.id !== to.id) return false;
      }
      return true;
    });
  }

  async waitHealthy(timeoutMs = 20_000): Promise<void> {
    await this.#until(timeoutMs, 'the cluster to be healthy', async () => {
      const running = this.nodes.filter((node) => node.running());
      let owners: string | undefined;
      for (const node of running) {
        const info = String(await node.admin.call('CLUSTER', 'INFO'));
        if (!info.includes('cluster_state:ok')) return false;
        const view = await this.#view(node);
        // Every running node known and not suspected; slot owners the same from every node.
        for (const other of running) {
          const entry = view.find((candidate) => candidate.id === other.id);
          if (!entry || entry.flags.some((flag) => flag.startsWith('fail') || flag === 'handshake' || flag === 'noaddr'))
            return false;
          // A primary that lost its slots to a failover turns into its successor's replica: not yet.
          if (entry.flags.includes('master') && entry.slots.length === 0) return false;
        }
        const mine = JSON.stringify(
          view
            .filter((entry) => entry.flags.includes('master') && entry.slots.length > 0)
            .map((entry) => [entry.id, entry.slots])
            .sort(),
        );
        if (owners !== undefined && owners !== mine) return false;
        owners = mine;
        if (view.find((entry) => entry.id === node.id)?.flags.includes('slave')) {
          const replication = String(await node.admin.call('INFO', 'replication'));
          if (!replication.includes('master_link_status:up') || replication.includes('master_sync_in_progress:1')) return false;
        }
      }
      return true;
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.destroy()));
  }

  #anyRunning(): ManagedNode {
    const node = this.nodes.find((candidate) => candidate.running() && candidate.admin.status === 'ready');
    if (!node) throw new Error('no cluster node is running');
    return node;
  }

  #byId(id: string): ManagedNode {
    const node = this.nodes.find((candidate) => candidate.id === id);
    if (!node) throw new Error(`cluster node ${id} is not one of this cluster's`);
    return node;
  }

  async #view(node: ManagedNode): Promise<NodeView[]> {
    return parseClusterNodes(String(await node.admin.call('CLUSTER', 'NODES')));
  }

  async #until(timeoutMs: number, what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        if (await check()) return;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline)
        throw new Error(`waited ${timeoutMs} ms for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
      await sleep(50);
    }
  }
}

/** `CLUSTER NODES`: `<id> <ip:port@cport> <flags> <primary id or -> <ping> <pong> <epoch> <link> <slot ranges...>`. */
function parseClusterNodes(text: string): NodeView[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, address, flags, primaryId, , , , , ...slots] = line.trim().split(' ');
      return {
        id: id!,
        port: Number(address!.split('@')[0]!.split(':').pop()),
        flags: flags!.split(','),
        primaryId: primaryId === '-' ? undefined : primaryId,
        slots: slots
          .filter((range) => !range.startsWith('['))
          .map((range) => {
            const [from, to] = range.split('-');
            return [Number(from), Number(to ?? from)] as [number, number];
          }),
      };
    });
}

/** `redis-cli --cluster create`: the first `primaries` nodes get the slots, the rest replicate them. */
function createCluster(nodes: readonly ManagedNode[], replicasPerPrimary: number): Promise<void> {
  const args = ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`)];
  args.push('--cluster-replicas', String(replicasPerPrimary), '--cluster-yes');
  return new Promise((resolve, reject) => {
    const child = spawn(CLI_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0 && output.includes('[OK] All 16384 slots covered')) resolve();
      else reject(new Error(`redis-cli --cluster create exited with ${code}:\n${output}`));
    });
  });
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
