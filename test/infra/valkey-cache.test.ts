import { Match, Template } from 'aws-cdk-lib/assertions';
import { expect, it } from 'vitest';
import { ValkeyIdempotencyStack } from '../../infra/valkey-cache.js';
import { appWithoutBundling } from './synth.js';

it('synthesizes an ElastiCache Serverless Valkey cache with the function in its VPC, allowed in on 6379 only', () => {
  const stack = new ValkeyIdempotencyStack(appWithoutBundling(), 'ValkeySample');
  const template = Template.fromStack(stack);

  template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', { Engine: 'valkey', MajorEngineVersion: '8' });
  template.hasResourceProperties('AWS::Lambda::Function', {
    VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() },
    Environment: {
      Variables: {
        CACHE_ENDPOINT: { 'Fn::GetAtt': [stack.getLogicalId(stack.cache), 'Endpoint.Address'] },
        CACHE_PORT: { 'Fn::GetAtt': [stack.getLogicalId(stack.cache), 'Endpoint.Port'] },
      },
    },
  });
  const ingress = template.findResources('AWS::EC2::SecurityGroupIngress');
  expect(Object.values(ingress).map((rule) => [rule.Properties.FromPort, rule.Properties.ToPort])).toEqual([[6379, 6379]]);
  template.resourceCountIs('AWS::EC2::NatGateway', 0);
});
