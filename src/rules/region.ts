import { RegionInfo } from 'aws-cdk-lib/region-info';
import { RuleDefinition, Violation, violation } from './rule';
import { isUnresolved } from '../private/validate';

export const REGION_NAME: RuleDefinition = {
  id: 'ECRB-REGION-NAME',
  level: 'error',
  description: 'a region name is a region of an AWS partition, not a near miss of one (eu-wset-1)',
  source: 'AWS General Reference, Regions and endpoints; the region list of aws-cdk-lib region-info (RegionInfo.regions)',
};

export const REGION_UNLISTED: RuleDefinition = {
  id: 'ECRB-REGION-UNLISTED',
  level: 'warning',
  description: 'a region name shaped like a region but unknown to aws-cdk-lib (perhaps newer than it) is not checked',
  source: 'aws-cdk-lib region-info (RegionInfo.regions)',
};

export const PARTITION_RESOURCE: RuleDefinition = {
  id: 'ECRB-PARTITION-RESOURCE',
  level: 'error',
  description: 'an ECR resource type is only declared in regions where CloudFormation offers it',
  source: 'CloudFormation resource type availability per region (cfn-lint E3006, from the CloudFormation registry schemas)',
};

/** Region name syntax: `<area>-<direction>-<n>`, with the partition prefixes AWS uses. */
const REGION_SHAPE = /^[a-z]{2,4}(-[a-z]+)?-[a-z]+-\d{1,2}$/;

/** The regions aws-cdk-lib knows, by name, with their partition. */
function knownRegions(): Map<string, string> {
  return new Map(RegionInfo.regions.map(r => [r.name, r.partition ?? 'aws']));
}

/** The partition of a known region, or undefined. */
export function partitionOf(region: string): string | undefined {
  return knownRegions().get(region);
}

/**
 * ECR resource types CloudFormation does not offer in some regions of aws-cdk-lib's list (the
 * region schemas cfn-lint 1.51 ships; ISO regions copy us-east-1 there, so they are not listed).
 * `AWS::ECR::PublicRepository` exists in us-east-1 only.
 */
const UNAVAILABLE: Record<string, readonly string[]> = {
  'AWS::ECR::PullThroughCacheRule': ['cn-north-1', 'cn-northwest-1', 'us-gov-east-1', 'us-gov-west-1'],
  'AWS::ECR::SigningConfiguration': [
    'ap-east-2', 'ap-northeast-3', 'ap-south-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-6',
    'ap-southeast-7', 'ca-west-1', 'cn-north-1', 'cn-northwest-1', 'eu-central-2', 'eu-south-2', 'il-central-1',
    'me-central-1', 'mx-central-1',
  ],
};
const ONLY_IN: Record<string, readonly string[]> = {
  'AWS::ECR::PublicRepository': ['us-east-1'],
};

/** Edit distance, to tell a typo of a known region from a region newer than aws-cdk-lib. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/**
 * A region name: errors when it is not shaped like one or is a near miss of a known region (within
 * two edits, swapped letters included); a well-shaped name far from every known region is returned
 * as an ECRB-REGION-UNLISTED warning (AWS may have opened it after this aws-cdk-lib). Tokens pass.
 */
export function checkRegionName(property: string, region: string | undefined): Violation[] {
  if (region === undefined || isUnresolved(region)) return [];
  const known = knownRegions();
  if (known.has(region)) return [];
  if (!REGION_SHAPE.test(region)) {
    return [violation(REGION_NAME, property, region, 'region names look like "eu-west-1" (lowercase area, direction and number)')];
  }
  const near = [...known.keys()].filter(k => distance(k, region) <= 2 && k.split('-').length === region.split('-').length)
    .sort((a, b) => distance(a, region) - distance(b, region));
  if (near.length) {
    return [violation(REGION_NAME, property, region, `not a region of any AWS partition; did you mean "${near[0]}"?`)];
  }
  return [violation(REGION_UNLISTED, property, region,
    'not a region aws-cdk-lib knows, so it is not checked; if AWS opened it recently, upgrade aws-cdk-lib')];
}

/**
 * Whether CloudFormation offers `resourceType` in `region` (cfn-lint E3006). Tokens and unknown
 * regions pass.
 */
export function checkResourceInRegion(property: string, resourceType: string, region: string | undefined): Violation[] {
  if (region === undefined || isUnresolved(region) || !knownRegions().has(region)) return [];
  const only = ONLY_IN[resourceType];
  if (only && !only.includes(region)) {
    return [violation(PARTITION_RESOURCE, property, region, `${resourceType} exists only in ${only.join(', ')}`)];
  }
  if ((UNAVAILABLE[resourceType] ?? []).includes(region)) {
    const partition = knownRegions().get(region);
    return [violation(PARTITION_RESOURCE, property, region,
      `CloudFormation has no ${resourceType} in ${region} (partition ${partition}); the stack would fail to deploy`)];
  }
  return [];
}
