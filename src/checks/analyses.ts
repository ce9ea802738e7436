/**
 * The app-wide analyses `EcrBlueprintsChecks` runs after the per-resource checks: each takes every
 * stack of the app and returns findings, with rule ids of its own. Internal: not part of the jsii API.
 *
 * Merge point: the deployed-image analysis (an image whose deployed tag a lifecycle rule of a
 * repository of the app can expire or archive) is `analyzeDeployedImages` in ./deployed-images;
 * it is enabled by adding it to `APP_ANALYSES`:
 *
 *   import { analyzeDeployedImages } from './deployed-images';
 *   export const APP_ANALYSES: AppAnalysis[] = [analyzeDeployedImages];
 */
import type { Finding, SynthesizedStack } from './finding';

/** An analysis over the whole synthesized app. */
export type AppAnalysis = (stacks: readonly SynthesizedStack[]) => Finding[];

/** The analyses the plugin runs, in order. */
export const APP_ANALYSES: AppAnalysis[] = [];
