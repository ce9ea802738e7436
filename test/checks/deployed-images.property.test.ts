import { App, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as fc from 'fast-check';
import { findings, policyText } from './deployed-helpers';
import { ImageReference, LifecyclePolicy, SecureRepository, TaggedImageTaskDefinition } from '../../src';
import { ruleThatCanAct } from '../../src/lifecycle/protection';
import { acceptedPolicy, arbBusyImages, arbRules, arbTag, NOW } from '../lifecycle/arbitraries';

const ENV = { account: '111111111111', region: 'us-east-1' };

/** The ways an app deploys a tag of a repository it defines. */
const PATHS = ['ImageReference', 'ContainerImage.fromEcrRepository', 'fromRepositoryName in another stack', 'repositoryUriForTag'] as const;
const arbDeployments = fc.array(fc.tuple(arbTag, fc.constantFrom(...PATHS)), { minLength: 1, maxLength: 4 });

/** Gives each deployed tag to one image of the history, so that every deployed tag is in the repository. */
function withDeployedTags(images: ReturnType<typeof arbBusyImages.generate>['value'], tags: string[]) {
  const taken = new Set(tags);
  return images.map((image, i) => {
    const own = (image.tags ?? []).filter(t => !taken.has(t));
    return i < tags.length ? { ...image, tags: [tags[i], ...own] } : { ...image, tags: own };
  });
}

describe('deployed images, over random valid policies and deployment sets', () => {
  beforeAll(() => { process.env.CDK_VALIDATION = 'false'; });

  test('whatever path deploys it, the synthesized policy never expires or archives a deployed image', () => {
    let deployedSeen = 0;
    fc.assert(fc.property(arbRules, arbDeployments, arbBusyImages, (rules, deployments, images) => {
      const tags = [...new Set(deployments.map(([t]) => t))];
      fc.pre(acceptedPolicy(rules, tags) !== undefined);
      const app = new App();
      const platform = new Stack(app, 'Platform', { env: ENV });
      const repo = new SecureRepository(platform, 'Repo', { repositoryName: 'team-a/api', lifecycleRules: rules });
      const service = new Stack(app, 'Service', { env: ENV });
      const byName = ecr.Repository.fromRepositoryName(service, 'ByName', 'team-a/api');
      deployments.forEach(([tag, path], i) => {
        switch (path) {
          case 'ImageReference':
            new TaggedImageTaskDefinition(platform, `T${i}`, { image: ImageReference.fromRepository(repo, { tag }) });
            break;
          case 'ContainerImage.fromEcrRepository':
            new ecs.FargateTaskDefinition(platform, `T${i}`).addContainer('App', { image: ecs.ContainerImage.fromEcrRepository(repo, tag) });
            break;
          case 'fromRepositoryName in another stack':
            new ecs.FargateTaskDefinition(service, `T${i}`).addContainer('App', { image: ecs.ContainerImage.fromEcrRepository(byName, tag) });
            break;
          default:
            repo.repositoryUriForTag(tag);
        }
      });
      const history = withDeployedTags(images, tags);
      const results = LifecyclePolicy.fromJson(policyText(platform, 'Repo')).evaluate(history, NOW);
      expect(results.filter(r => r.tags.some(t => tags.includes(t)))).toEqual([]);
      expect(findings(app).filter(f => f.severity === 'error')).toEqual([]);
      deployedSeen += tags.length;
    }), { numRuns: 40 });
    expect(deployedSeen).toBeGreaterThan(40);
  });

  test('when the analysis finds no rule that can act on a tag, no history makes the policy act on it', () => {
    let safeSeen = 0;
    let unsafeSeen = 0;
    const arbOthers = fc.array(arbTag, { maxLength: 3 });
    fc.assert(fc.property(arbRules, arbOthers, arbTag, fc.boolean(), arbBusyImages, (rules, others, tag, protect, images) => {
      // Half of the time the tag itself is protected, as a SecureRepository does for deployed tags.
      const policy = acceptedPolicy(rules, protect ? [...others, tag] : others);
      fc.pre(policy !== undefined);
      const history = withDeployedTags(images, [tag]);
      if (ruleThatCanAct(policy!.resolvedRules(), tag) === undefined) {
        safeSeen++;
        expect(policy!.evaluate(history, NOW).filter(r => r.tags.includes(tag))).toEqual([]);
      } else {
        unsafeSeen++;
      }
    }), { numRuns: 400 });
    expect(safeSeen).toBeGreaterThan(40);
    expect(unsafeSeen).toBeGreaterThan(40);
  });
});
