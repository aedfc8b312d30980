import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Peer, Port, SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { CfnServerlessCache } from 'aws-cdk-lib/aws-elasticache';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';

/**
 * An ElastiCache Serverless Valkey cache as the idempotency store, and a function in the same VPC
 * that reaches it over TLS on its port. Private isolated subnets: the function needs no internet
 * access to reach the cache (add NAT or VPC endpoints if its handler calls other AWS services).
 */
export class ValkeyIdempotencyStack extends Stack {
  readonly cache: CfnServerlessCache;
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
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
    const port = Port.tcp(6379);
    cacheSecurityGroup.addIngressRule(functionSecurityGroup, port, 'idempotency function to the cache');
    functionSecurityGroup.addEgressRule(Peer.securityGroupId(cacheSecurityGroup.securityGroupId), port, 'to the cache');

    this.function = new NodejsFunction(this, 'CreateOrder', {
      entry: new URL('../samples/valkey/handler.ts', import.meta.url).pathname,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: Duration.seconds(10),
      vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [functionSecurityGroup],
      environment: {
        CACHE_ENDPOINT: this.cache.attrEndpointAddress,
        CACHE_PORT: this.cache.attrEndpointPort,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        externalModules: ['@valkey/valkey-glide'],
      },
    });
  }
}
