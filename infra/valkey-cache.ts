import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Peer, Port, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { CfnServerlessCache } from 'aws-cdk-lib/aws-elasticache';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { type ValkeyClientLibrary, valkeyBundling, valkeySampleEntry } from './valkey-bundling.js';

export interface ValkeyIdempotencyStackProps extends StackProps {
  /** The client library the function connects with (samples/valkey/<library>.ts). Default `valkey-glide`. */
  readonly client?: ValkeyClientLibrary;
  /** Default arm64. For valkey-glide it also picks the native package installed into the asset. */
  readonly architecture?: Architecture;
}

/**
 * An ElastiCache Serverless Valkey cache as the idempotency store, and a function in the same VPC
 * that reaches it over TLS on its port. Private isolated subnets: the function needs no internet
 * access to reach the cache (add NAT or VPC endpoints if its handler calls other AWS services).
 */
export class ValkeyIdempotencyStack extends Stack {
  readonly cache: CfnServerlessCache;
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: ValkeyIdempotencyStackProps = {}) {
    super(scope, id, props);
    const client = props.client ?? 'valkey-glide';
    const architecture = props.architecture ?? Architecture.ARM_64;
    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    });
    const functionSecurityGroup = new SecurityGroup(this, 'FunctionSecurityGroup', { vpc, allowAllOutbound: false });
    const cacheSecurityGroup = new SecurityGroup(this, 'CacheSecurityGroup', { vpc, allowAllOutbound: false });
    const subnets = vpc.selectSubnets({ subnetType: SubnetType.PRIVATE_ISOLATED });

    this.cache = new CfnServerlessCache(this, 'IdempotencyCache', {
      serverlessCacheName: `${id.toLowerCase()}-idempotency`,
      engine: 'valkey',
      majorEngineVersion: '8',
      subnetIds: subnets.subnetIds,
      securityGroupIds: [cacheSecurityGroup.securityGroupId],
    });
    // The endpoint's port, 6379; not the reader port 6380, which the store must not use.
    const port = Port.tcp(6379);
    cacheSecurityGroup.addIngressRule(functionSecurityGroup, port, 'idempotency function to the cache');
    functionSecurityGroup.addEgressRule(Peer.securityGroupId(cacheSecurityGroup.securityGroupId), port, 'to the cache');

    this.function = new NodejsFunction(this, 'CreateOrder', {
      entry: valkeySampleEntry(client),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture,
      timeout: Duration.seconds(10),
      vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [functionSecurityGroup],
      environment: {
        // TLS is always on for ElastiCache Serverless: rediss://.
        CACHE_URL: `rediss://${this.cache.attrEndpointAddress}:${this.cache.attrEndpointPort}`,
      },
      bundling: valkeyBundling(client, architecture),
    });
  }
}
