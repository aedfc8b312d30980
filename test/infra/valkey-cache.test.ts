import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ValkeyIdempotencyStack } from '../../infra/valkey-cache.js';
import { appWithoutBundling } from './synth.js';

describe('the sample Valkey stack', () => {
  it('synthesizes an ElastiCache Serverless Valkey cache with the function in its VPC, allowed in on 6379 only', () => {
    const stack = new ValkeyIdempotencyStack(appWithoutBundling(), 'ValkeySample');
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::ElastiCache::ServerlessCache', { Engine: 'valkey', MajorEngineVersion: '8' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: Match.anyValue(), SecurityGroupIds: Match.anyValue() },
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
    });
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress');
    expect(Object.values(ingress).map((rule) => [rule.Properties.FromPort, rule.Properties.ToPort])).toEqual([[6379, 6379]]);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  it('gives the function the cache as one URL: rediss:// (TLS, always on for Serverless), the endpoint, its port', () => {
    const stack = new ValkeyIdempotencyStack(appWithoutBundling(), 'ValkeySample');
    const cache = stack.getLogicalId(stack.cache);
    const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    expect(fn?.Properties.Environment.Variables).toEqual({
      CACHE_URL: {
        'Fn::Join': [
          '',
          ['rediss://', { 'Fn::GetAtt': [cache, 'Endpoint.Address'] }, ':', { 'Fn::GetAtt': [cache, 'Endpoint.Port'] }],
        ],
      },
    });
  });
});
