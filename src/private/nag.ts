import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Flattens a resolved CloudFormation value the way cdk-nag names findings
 * (`{ Ref: 'AWS::Partition' }` becomes `<AWS::Partition>`), so that an acknowledgement can name
 * exactly one finding instead of a whole rule.
 */
function flatten(node: any): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  if (node['Fn::Join']) {
    const [delimiter, items] = node['Fn::Join'];
    return (items as any[]).map(flatten).join(delimiter);
  }
  if (node['Fn::Sub'] !== undefined) return flatten(node['Fn::Sub']);
  if (node['Fn::GetAtt']) return `<${flatten(node['Fn::GetAtt'][0])}.${flatten(node['Fn::GetAtt'][1])}>`;
  if (node['Fn::ImportValue'] !== undefined) return flatten(node['Fn::ImportValue']);
  if (node.Ref !== undefined) return `<${flatten(node.Ref)}>`;
  return JSON.stringify(node);
}

/**
 * Acknowledges the cdk-nag wildcard-resource finding (AwsSolutions-IAM5) for one resource ARN of
 * one policy, and nothing else. Used only where the wildcard is the narrowest scope that exists
 * (a repository namespace whose repository names ECR chooses at run time).
 */
export function acknowledgeWildcardResource(policy: IConstruct, resourceArn: string, reason: string): void {
  const id = `AwsSolutions-IAM5[Resource::${flatten(Stack.of(policy).resolve(resourceArn))}]`;
  Validations.of(policy).acknowledge({ id, reason });
}
