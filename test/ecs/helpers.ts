import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { IPullThroughCacheSource } from '../../src';

export const ENV = { account: '111111111111', region: 'us-east-1' };
export const DIGEST = `sha256:${'a1'.repeat(32)}`;

export function stack(app: App = new App(), id = 'Test'): Stack {
  return new Stack(app, id, { env: ENV });
}

/** A stand-in for the registry's PullThroughCacheRule: a construct with a prefix and a resource. */
export class FakeCacheRule extends Construct implements IPullThroughCacheSource {
  public readonly ecrRepositoryPrefix: string;

  constructor(scope: Construct, id: string, prefix: string) {
    super(scope, id);
    this.ecrRepositoryPrefix = prefix;
    new ecr.CfnPullThroughCacheRule(this, 'Resource', {
      ecrRepositoryPrefix: prefix,
      upstreamRegistryUrl: 'public.ecr.aws',
    });
  }

  public repositoryNameFor(upstreamRepository: string): string {
    return this.ecrRepositoryPrefix === 'ROOT' ? upstreamRepository : `${this.ecrRepositoryPrefix}/${upstreamRepository}`;
  }

  public cachePullActions(): string[] {
    return ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'];
  }
}

/** The statements of the one managed policy whose logical id starts with `prefix`. */
export function managedPolicyStatements(template: Template, prefix: string): any[] {
  const policies = Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))
    .filter(([id]) => id.startsWith(prefix));
  if (policies.length !== 1) throw new Error(`expected one managed policy ${prefix}*, found ${policies.map(([id]) => id).join(', ')}`);
  return policies[0][1].Properties.PolicyDocument.Statement;
}

/** The rules of the lifecycle policy of the one repository in the template. */
export function lifecycleRules(template: Template): any[] {
  const [repo] = Object.values(template.findResources('AWS::ECR::Repository'));
  return JSON.parse(repo.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
}
