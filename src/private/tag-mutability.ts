import * as ecr from 'aws-cdk-lib/aws-ecr';
import { isUnresolved } from './validate';
import { wildcardMatch } from './wildcard';

/** What is known about whether a tag can be moved to another image. */
export enum TagMutabilityKnowledge {
  MUTABLE = 'mutable',
  IMMUTABLE = 'immutable',
  UNKNOWN = 'unknown',
}

/**
 * Reads the tag mutability of a repository defined in the app by its `AWS::ECR::Repository`
 * (an `ecr.Repository` or any construct whose default child is one). Imported repositories and
 * settings held in tokens are UNKNOWN.
 */
export function tagMutabilityOf(repository: ecr.IRepository, tag: string): TagMutabilityKnowledge {
  if (isUnresolved(tag)) return TagMutabilityKnowledge.UNKNOWN;
  const resource = repository.node.defaultChild;
  if (!(resource instanceof ecr.CfnRepository)) return TagMutabilityKnowledge.UNKNOWN;
  const mode = resource.imageTagMutability ?? 'MUTABLE';
  const rawFilters = resource.imageTagMutabilityExclusionFilters ?? [];
  if (isUnresolved(mode) || isUnresolved(rawFilters) || !Array.isArray(rawFilters)) return TagMutabilityKnowledge.UNKNOWN;
  const filters: string[] = [];
  for (const f of rawFilters) {
    const value = (f as ecr.CfnRepository.ImageTagMutabilityExclusionFilterProperty)?.imageTagMutabilityExclusionFilterValue;
    if (typeof value !== 'string' || isUnresolved(value)) return TagMutabilityKnowledge.UNKNOWN;
    filters.push(value);
  }
  return tagMutabilityFromSettings(mode, filters, tag);
}

/**
 * Whether a repository with these tag mutability settings (the mode and the exclusion filter values,
 * as `AWS::ECR::Repository` has them) lets `tag` move to another image. An unknown mode is UNKNOWN.
 */
export function tagMutabilityFromSettings(mode: string, filters: readonly string[], tag: string): TagMutabilityKnowledge {
  if (isUnresolved(tag)) return TagMutabilityKnowledge.UNKNOWN;
  const excluded = filters.some(f => wildcardMatch(f, tag));
  switch (mode) {
    case 'IMMUTABLE': return TagMutabilityKnowledge.IMMUTABLE;
    case 'IMMUTABLE_WITH_EXCLUSION': return excluded ? TagMutabilityKnowledge.MUTABLE : TagMutabilityKnowledge.IMMUTABLE;
    case 'MUTABLE_WITH_EXCLUSION': return excluded ? TagMutabilityKnowledge.IMMUTABLE : TagMutabilityKnowledge.MUTABLE;
    case 'MUTABLE': return TagMutabilityKnowledge.MUTABLE;
    default: return TagMutabilityKnowledge.UNKNOWN;
  }
}
