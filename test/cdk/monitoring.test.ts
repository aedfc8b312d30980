import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { IdempotencyMonitoring } from '../../src/cdk/monitoring.js';

function synth(props: ConstructorParameters<typeof IdempotencyMonitoring>[2]): Template {
  const stack = new Stack(new App(), 'Monitored');
  new IdempotencyMonitoring(stack, 'Monitoring', props);
  return Template.fromStack(stack);
}

describe('IdempotencyMonitoring', () => {
  it('synthesizes a dashboard reading the EMF metrics of each function, and no alarm unless asked', () => {
    const template = synth({
      functions: [{ function: { functionName: 'orders' } }, { function: { functionName: 'payments' }, namespace: 'Shop' }],
    });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const name of [
      'Executed',
      'Replayed',
      'ReplayedFromCache',
      'InProgressRefused',
      'InProgressWaited',
      'PayloadMismatch',
      'StoreError',
      'StoreUnavailable',
      'LeaseLost',
      'ResultNotPersisted',
      'IdempotencyOverhead',
    ]) {
      expect(body).toContain(`\\"${name}\\"`);
    }
    expect(body).toContain('\\"LambdaIdempotency\\"');
    expect(body).toContain('\\"Shop\\"');
    expect(body).toContain('\\"FunctionName\\",\\"payments\\"');
  });

  it('creates the opt-in alarms on the metrics the library writes', () => {
    const template = synth({
      functions: [{ function: { functionName: 'orders' }, dimensions: { Service: 'shop' } }],
      alarms: { storeErrors: 1, leaseLost: 1, resultsNotPersisted: 1, abandonedClaims: 1, inProgressRefusalsPerMinute: 10 },
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'StoreError',
      Namespace: 'LambdaIdempotency',
      Statistic: 'Sum',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      Dimensions: Match.arrayWith([
        { Name: 'FunctionName', Value: 'orders' },
        { Name: 'Service', Value: 'shop' },
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'LeaseLost' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ResultNotPersisted' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ClaimAbandoned' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 10,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      Metrics: Match.arrayWith([
        Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'InProgressRefused' }) }) }),
      ]),
    });
  });

  it('alarms on handlers run without idempotency while the store was unavailable (fail open), when asked', () => {
    const template = synth({
      functions: [{ function: { functionName: 'notifications' } }],
      alarms: { storeUnavailable: 1 },
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'StoreUnavailable',
      Namespace: 'LambdaIdempotency',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp('WITHOUT idempotency'),
      Dimensions: [{ Name: 'FunctionName', Value: 'notifications' }],
    });
  });
});
