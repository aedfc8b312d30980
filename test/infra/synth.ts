import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IdempotencySampleStack } from '../../infra/sample-stack.js';

/**
 * An app whose stacks are synthesized without running esbuild: the functions get placeholder
 * code, so a synth takes milliseconds. CI runs one real `cdk synth` with bundling.
 */
export function appWithoutBundling(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

export function synthSampleStack(): { stack: IdempotencySampleStack; template: Template } {
  const stack = new IdempotencySampleStack(appWithoutBundling(), 'Sample');
  return { stack, template: Template.fromStack(stack) };
}

/** The logical id CloudFormation knows a construct's resource by. */
export function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as Parameters<Stack['getLogicalId']>[0]);
}

export interface PolicyStatement {
  readonly Action: string | string[];
  readonly Effect: string;
  readonly Resource: unknown;
}

/** Every statement of every IAM policy attached to the role a function runs as. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId })),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as PolicyStatement[]);
}

export function actionsOf(statement: PolicyStatement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}
