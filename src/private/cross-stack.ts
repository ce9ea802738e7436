import { Stack, Stage, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';

/** Where a named ECR repository is, as plain strings a template in another stack can hold. */
export interface RepositoryLocation {
  /** The repository name. */
  readonly name: string;
  /** The repository ARN, with the partition of the region. */
  readonly arn: string;
  /** The registry host, `<account>.dkr.ecr.<region>.<url suffix>`. */
  readonly registry: string;
}

/**
 * The location of a repository for a consumer in another stack, when everything that makes it
 * is known at synth: the repository's name, its stack's account and region, and the partition and
 * URL suffix of that region. Then the consumer needs no cross-stack reference: aws-cdk-lib would
 * otherwise export the repository's ARN and name from the producing stack (two of the 200 outputs
 * CloudFormation allows per stack, per repository), and an export locks the repository while any
 * stack imports it.
 *
 * Without the export the consumer stack still has to deploy after the producing one, so the
 * consumer stack is made to depend on it (within one stage; a stage boundary has no deployment
 * order to carry it).
 *
 * Returns undefined in the producing stack itself (a `Ref` orders the resources there), for nested
 * stacks (their parameters already carry values without exports), and when a value is not known.
 */
export function repositoryLocationFor(producerScope: IConstruct, repositoryName: string | undefined,
  consumerScope: IConstruct): RepositoryLocation | undefined {
  if (repositoryName === undefined || Token.isUnresolved(repositoryName)) return undefined;
  const producer = Stack.of(producerScope);
  const consumer = Stack.of(consumerScope);
  if (consumer === producer || producer.nested || consumer.nested) return undefined;
  const { account, region } = producer;
  if (Token.isUnresolved(account) || Token.isUnresolved(region)) return undefined;
  const { partition, urlSuffix } = regionFacts(region);
  if (partition === undefined || urlSuffix === undefined) return undefined;

  if (Stage.of(consumer) === Stage.of(producer)) {
    consumer.addStackDependency(producer, `uses ECR repository ${repositoryName} by name (no cross-stack export)`);
  }
  return {
    name: repositoryName,
    arn: `arn:${partition}:ecr:${region}:${account}:repository/${repositoryName}`,
    registry: `${account}.dkr.ecr.${region}.${urlSuffix}`,
  };
}

/** Partition and URL suffix per region; looking facts up in RegionInfo is slow enough to show at 200 repositories. */
const facts = new Map<string, { partition?: string; urlSuffix?: string }>();

function regionFacts(region: string): { partition?: string; urlSuffix?: string } {
  let known = facts.get(region);
  if (!known) {
    const info = RegionInfo.get(region);
    known = { partition: info.partition, urlSuffix: info.domainSuffix };
    facts.set(region, known);
  }
  return known;
}
