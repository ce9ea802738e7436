/**
 * The app-wide analyses `EcrBlueprintsChecks` runs after the per-resource checks: each takes every
 * stack of the app and returns findings, with rule ids of its own. Internal: not part of the jsii API.
 */
import { analyzeDeployedImages } from './deployed-images';
import type { Finding, SynthesizedStack } from './finding';

/** An analysis over the whole synthesized app. */
export type AppAnalysis = (stacks: readonly SynthesizedStack[]) => Finding[];

/** The analyses the plugin runs, in order. */
export const APP_ANALYSES: AppAnalysis[] = [
  // An image the app deploys that a lifecycle rule of a repository or template of the app can expire or archive.
  analyzeDeployedImages,
];
