import { RuleDefinition, Violation, violation } from './rule';
import { IMAGE_DIGEST_PATTERN, IMAGE_DIGEST_RULE, IMAGE_TAG_PATTERN, IMAGE_TAG_RULE } from '../private/ecr-rules';
import { FARGATE_TASK_SIZES } from '../private/fargate';
import { TagMutabilityKnowledge } from '../private/tag-mutability';
import { isUnresolved } from '../private/validate';

export const FARGATE_TASK_SIZE: RuleDefinition = {
  id: 'ECRB-FARGATE-TASK-SIZE',
  level: 'error',
  description: 'a Fargate task takes one of the documented cpu/memory pairs',
  source: 'Amazon ECS developer guide, task definition parameters for Fargate (task size table)',
};

export const CONTAINER_MEMORY: RuleDefinition = {
  id: 'ECRB-CONTAINER-MEMORY',
  level: 'error',
  description: 'no container\'s memory exceeds the task memory, and the containers\' reservations together fit in it',
  source: 'Amazon ECS developer guide, task definition parameters (container memory: "must not exceed the task memory"; total reserved memory "must be lower than the task memory value")',
};

export const IMAGE_TAG: RuleDefinition = {
  id: 'ECRB-IMAGE-TAG',
  level: 'error',
  description: 'an image tag is 1-128 characters of [A-Za-z0-9_.-], not starting with . or -; a digest is sha256: and 64 hex digits',
  source: 'OCI distribution spec / Docker reference grammar (tag, digest); ECR image tags and digests',
};

export const LATEST_FROM_IMMUTABLE: RuleDefinition = {
  id: 'ECRB-IMAGE-LATEST',
  level: 'warning',
  description: 'deploying or protecting the tag latest is almost never meant: in an immutable repository it never moves, so it is not the latest image',
  source: 'ECR user guide, image tag mutability; Amazon ECS best practices (use immutable, specific tags)',
};

export const ECS_LATEST: RuleDefinition = {
  id: 'ECRB-ECS-LATEST',
  level: 'error',
  description: 'an image tagged latest, from a repository whose tag mutability is unknown or mutable, runs whatever image was pushed last',
  source: 'Amazon ECS best practices, container images (use immutable, specific tags); ECR user guide, image tag mutability',
};

export const ECS_NO_TAG: RuleDefinition = {
  id: 'ECRB-ECS-NO-TAG',
  level: 'error',
  description: 'an image without a tag or digest is pulled as latest, whatever image was pushed last',
  source: 'Amazon ECS developer guide, task definition parameters (image: "repository-url/image:tag", latest by default)',
};

export const ECS_MUTABLE_TAG: RuleDefinition = {
  id: 'ECRB-ECS-MUTABLE-TAG',
  level: 'error',
  description: 'an image whose tag the repository of the app lets move to another image (MUTABLE, or matched by no immutable filter)',
  source: 'ECR user guide, image tag mutability',
};

export const ECS_ROOT_USER: RuleDefinition = {
  id: 'ECRB-ECS-ROOT-USER',
  level: 'error',
  description: 'a container whose User is root (root or 0, as user or group)',
  source: 'Amazon ECS developer guide, task definition parameters (user); Amazon ECS best practices, security (run as non-root)',
};

const anchored = (pattern: RegExp) => new RegExp(`^(?:${pattern.source})$`);

/** A Fargate cpu/memory pair (ECRB-FARGATE-TASK-SIZE). Tokens pass. */
export function checkFargateTaskSize(cpu: number | undefined, memoryMiB: number | undefined,
  cpuProperty = 'cpu', memoryProperty = 'memoryLimitMiB'): Violation[] {
  if (cpu === undefined || isUnresolved(cpu)) return [];
  const memories = FARGATE_TASK_SIZES.get(cpu);
  if (!memories) return [violation(FARGATE_TASK_SIZE, cpuProperty, cpu, `Fargate accepts cpu ${[...FARGATE_TASK_SIZES.keys()].join(', ')}`)];
  if (memoryMiB === undefined || isUnresolved(memoryMiB)) return [];
  if (!memories.includes(memoryMiB)) {
    return [violation(FARGATE_TASK_SIZE, memoryProperty, memoryMiB, `with cpu ${cpu} Fargate accepts memoryLimitMiB ${memories.join(', ')}`)];
  }
  return [];
}

/** A container's memory settings, as plain data. */
export interface ContainerMemoryInput {
  readonly name: string;
  /** The hard limit (`Memory`, `memoryLimitMiB`). */
  readonly memory?: number;
  /** The soft limit (`MemoryReservation`, `memoryReservationMiB`). */
  readonly memoryReservation?: number;
}

/** Containers against the task memory (ECRB-CONTAINER-MEMORY). Tokens pass. */
export function checkContainerMemory(taskMemoryMiB: number | undefined, containers: readonly ContainerMemoryInput[]): Violation[] {
  if (taskMemoryMiB === undefined || isUnresolved(taskMemoryMiB)) return [];
  let reserved = 0;
  for (const c of containers) {
    if (c.memory !== undefined && !isUnresolved(c.memory) && c.memory > taskMemoryMiB) {
      return [violation(CONTAINER_MEMORY, `container ${c.name} memoryLimitMiB`, c.memory,
        `a container cannot have more memory than its task (${taskMemoryMiB} MiB)`)];
    }
    const share = c.memoryReservation ?? c.memory;
    if (share === undefined || isUnresolved(share)) continue;
    reserved += share;
  }
  if (reserved > taskMemoryMiB) {
    return [violation(CONTAINER_MEMORY, 'containers memory', `${reserved} MiB reserved`,
      `the containers together reserve more memory than the task has (${taskMemoryMiB} MiB): ${containers.map(c => c.name).join(', ')}`)];
  }
  return [];
}

/** An image tag (ECRB-IMAGE-TAG). Tokens pass. */
export function checkImageTag(property: string, tag: string | undefined): Violation[] {
  if (tag === undefined || isUnresolved(tag)) return [];
  return anchored(IMAGE_TAG_PATTERN).test(tag) ? [] : [violation(IMAGE_TAG, property, tag, IMAGE_TAG_RULE)];
}

/** An image digest (ECRB-IMAGE-TAG). Tokens pass. */
export function checkImageDigest(property: string, digest: string | undefined): Violation[] {
  if (digest === undefined || isUnresolved(digest)) return [];
  return anchored(IMAGE_DIGEST_PATTERN).test(digest) ? [] : [violation(IMAGE_TAG, property, digest, IMAGE_DIGEST_RULE)];
}

/**
 * The tag `latest` deployed from, or protected in, an immutable repository (ECRB-IMAGE-LATEST, a
 * warning). `immutable` is whether the repository keeps this tag on one image.
 */
export function checkLatestTag(property: string, tag: string | undefined, immutable: boolean, protecting: boolean): Violation[] {
  if (tag !== 'latest' || !immutable) return [];
  return [violation(LATEST_FROM_IMMUTABLE, property, tag, protecting
    ? 'protecting latest keeps one old image named latest forever; protect the version tag you deploy instead'
    : 'in an immutable repository latest is whichever image was pushed with it first and never moves, so the task runs an old image under a name that says otherwise; deploy a version tag or a digest')];
}

/**
 * A deployed tag against what is known of its repository's tag mutability: a tag the repository
 * lets move (ECRB-ECS-MUTABLE-TAG), or latest from a repository whose mutability is unknown
 * (ECRB-ECS-LATEST). Tokens pass. (An image without a tag is pulled as latest: callers pass
 * latest, and name ECRB-ECS-NO-TAG.)
 */
export function checkDeployedTag(property: string, tag: string | undefined, mutability: TagMutabilityKnowledge): Violation[] {
  if (tag === undefined || isUnresolved(tag)) return [];
  if (mutability === TagMutabilityKnowledge.MUTABLE) {
    return [violation(ECS_MUTABLE_TAG, property, tag, 'the repository lets this tag move to another image, so the task would run ' +
      'whatever image was pushed last under it; use an immutable tag or a digest')];
  }
  if (mutability === TagMutabilityKnowledge.UNKNOWN && tag === 'latest') {
    return [violation(ECS_LATEST, property, tag, 'latest is the tag every push moves, so the task would run whatever image was ' +
      'pushed last; use an immutable tag or a digest')];
  }
  return [];
}

/** The user names and ids of root, as a container user or group. */
const ROOT_IDENTIFIERS = ['root', '0'];

/** A container user that is root, as user or group (ECRB-ECS-ROOT-USER). Tokens pass. */
export function checkRootUser(property: string, user: string | undefined): Violation[] {
  if (user === undefined || isUnresolved(user)) return [];
  return user.split(':').some(part => ROOT_IDENTIFIERS.includes(part.toLowerCase()))
    ? [violation(ECS_ROOT_USER, property, user, 'the container would run as root; use a non-root user')]
    : [];
}
