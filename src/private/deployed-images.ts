import { Aspects, CfnResource, IAspect, Stack, Stage, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { IConstruct } from 'constructs';
import { flattenTokenString, hasPlaceholder, parseImageUri, ParsedImageUri } from './image-uri';

/*
 * The construct-tree half of deployed-image protection. Before synthesis, one aspect per stage finds
 * every image the app deploys (ECS containers of any task definition, Lambda container images,
 * CodeBuild images) and hands the list to the constructs that can protect them: repositories first,
 * then the creation templates of replication and pull-through cache (which also need what the
 * repositories protected). Constructs take part through a Symbol.for() hook, so that constructs
 * of several copies of this library in one app all take part, whichever copy registered the aspect.
 */

/** An image URI found in the app, with the construct that deploys it. */
export interface DeployedImage extends ParsedImageUri {
  /** The construct path of the consumer (task definition, function, project). */
  readonly consumer: string;
  /** The container name, for task definitions. */
  readonly container?: string;
}

/** Repositories protect what they can see first; templates then copy what repositories protect. */
export enum DeployedImagePhase {
  REPOSITORY = 1,
  TEMPLATE = 2,
}

type Hook = { readonly phase: DeployedImagePhase; readonly apply: (images: DeployedImage[]) => void };

const HOOK = Symbol.for('cdk-ecr-blueprints.deployedImageHook');
const REGISTERED = Symbol.for('cdk-ecr-blueprints.deployedImageAspect');

/**
 * Makes `construct` receive the app's deployed images before synthesis, and registers the aspect
 * that delivers them on the construct's stage the first time. Hooks must be idempotent: an app with
 * several stages runs the pass once per stage.
 */
export function onDeployedImages(construct: IConstruct, phase: DeployedImagePhase, apply: (images: DeployedImage[]) => void): void {
  Object.defineProperty(construct, HOOK, { value: { phase, apply } satisfies Hook });
  // Once per stage: a stage synthesized on its own (as Template.fromStack does) runs only its own
  // aspects. The aspect is added to the first construct that takes part, not to the stage: an aspect
  // is invoked on every construct below the one it is added to, and this one only needs one call.
  // The pass itself always covers the whole app.
  const stage = Stage.of(construct) ?? construct.node.root;
  if (!(REGISTERED in stage)) {
    Object.defineProperty(stage, REGISTERED, { value: true });
    Aspects.of(construct).add(new DeployedImageAspect(construct));
  }
}

const ALLOWED_DIGESTS = Symbol.for('cdk-ecr-blueprints.allowedUnprotectedDigests');

/** Records, for the whole app, that the user accepted that the image `digest` can be expired. */
export function allowDigest(scope: IConstruct, digest: string): void {
  const root = scope.node.root as any;
  if (!(ALLOWED_DIGESTS in root)) Object.defineProperty(root, ALLOWED_DIGESTS, { value: new Set<string>() });
  root[ALLOWED_DIGESTS].add(digest);
}

/** Whether the user accepted that the image `digest` can be expired. */
export function isDigestAllowed(scope: IConstruct, digest: string): boolean {
  const set = (scope.node.root as any)[ALLOWED_DIGESTS] as Set<string> | undefined;
  return set?.has(digest) ?? false;
}

/** The same account and region, as strings compare (tokens of pseudo parameters are equal strings). */
export function sameEnvironment(scope: IConstruct, image: { readonly account: string; readonly region: string }): boolean {
  const stack = Stack.of(scope);
  return flattenTokenString(stack.account) === image.account && flattenTokenString(stack.region) === image.region;
}

/** Every image URI of the app (or of the given constructs) that names a private ECR repository. */
export function findDeployedImages(root: IConstruct, constructs: IConstruct[] = root.node.findAll()): DeployedImage[] {
  const images: DeployedImage[] = [];
  const add = (uri: unknown, consumer: string, container?: string) => {
    if (typeof uri !== 'string') return;
    const parsed = parseImageUri(flattenTokenString(uri));
    if (parsed) images.push({ ...parsed, consumer, container });
  };
  for (const c of constructs) {
    if (c instanceof ecs.ContainerDefinition) {
      add(c.imageName, c.taskDefinition.node.path, c.containerName);
    } else if (CfnResource.isCfnResource(c)) {
      const props = c as any;
      switch (c.cfnResourceType) {
        case 'AWS::ECS::TaskDefinition':
          // An L2 task definition renders its containers through a token; its ContainerDefinitions are read above.
          if (Array.isArray(props.containerDefinitions)) {
            for (const d of props.containerDefinitions) {
              if (d && !Token.isUnresolved(d)) add(d.image, c.node.path, typeof d.name === 'string' ? d.name : undefined);
            }
          }
          break;
        case 'AWS::Lambda::Function':
          add(props.code?.imageUri, c.node.path);
          break;
        case 'AWS::CodeBuild::Project':
          add(props.environment?.image, c.node.path);
          break;
      }
    }
  }
  return images;
}

/** Whether the repository name of an image is known at synth time. */
export function hasConcreteName(image: DeployedImage): boolean {
  return !hasPlaceholder(image.repositoryName);
}

class DeployedImageAspect implements IAspect {
  constructor(private readonly anchor: IConstruct) {}

  public visit(node: IConstruct): void {
    if (node !== this.anchor) return;
    const root = node.node.root;
    const all = root.node.findAll();
    const hooks = all.map(c => (c as any)[HOOK] as Hook | undefined).filter((h): h is Hook => h !== undefined);
    if (hooks.length === 0) return;
    const images = findDeployedImages(root, all);
    for (const phase of [DeployedImagePhase.REPOSITORY, DeployedImagePhase.TEMPLATE]) {
      for (const hook of hooks) if (hook.phase === phase) hook.apply(images);
    }
  }
}
