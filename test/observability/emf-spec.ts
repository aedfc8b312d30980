import { expect } from 'vitest';

/**
 * The rules of the CloudWatch Embedded Metric Format specification a document must satisfy:
 * `_aws` with a millisecond Timestamp and CloudWatchMetrics directives, each with a Namespace,
 * dimension sets of at most 30 keys, at most 100 metrics; every dimension and metric a root member.
 */
export function expectValidEmf(line: string): Record<string, unknown> {
  const document = JSON.parse(line) as Record<string, unknown>;
  expect(line.trim()).toBe(line.replace(/\n$/, '').trim());
  const aws = document._aws as { Timestamp: unknown; CloudWatchMetrics: unknown };
  expect(typeof aws).toBe('object');
  expect(Number.isInteger(aws.Timestamp)).toBe(true);
  // Milliseconds since the epoch, within a day of now (CloudWatch rejects far-off timestamps).
  expect(Math.abs((aws.Timestamp as number) - Date.now())).toBeLessThan(86_400_000);
  expect(Array.isArray(aws.CloudWatchMetrics)).toBe(true);
  for (const directive of aws.CloudWatchMetrics as Array<Record<string, unknown>>) {
    expect(Object.keys(directive).sort()).toEqual(['Dimensions', 'Metrics', 'Namespace']);
    expect(typeof directive.Namespace).toBe('string');
    expect((directive.Namespace as string).length).toBeGreaterThan(0);
    expect((directive.Namespace as string).length).toBeLessThanOrEqual(255);
    const sets = directive.Dimensions as string[][];
    expect(Array.isArray(sets)).toBe(true);
    for (const set of sets) {
      expect(set.length).toBeLessThanOrEqual(30);
      for (const key of set) expect(typeof document[key]).toBe('string');
    }
    const metrics = directive.Metrics as Array<{ Name: string; Unit?: string }>;
    expect(metrics.length).toBeGreaterThan(0);
    expect(metrics.length).toBeLessThanOrEqual(100);
    for (const metric of metrics) {
      expect(typeof metric.Name).toBe('string');
      expect(['Count', 'Milliseconds', undefined]).toContain(metric.Unit);
      const value = document[metric.Name];
      expect(typeof value === 'number' || (Array.isArray(value) && value.every((item) => typeof item === 'number'))).toBe(true);
    }
  }
  return document;
}
