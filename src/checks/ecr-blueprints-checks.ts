import {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
  PolicyViolation,
  Validations,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { APP_ANALYSES } from './analyses';
import { ACK_REASON, CHECK_RULES } from './catalog';
import type { Finding } from './finding';
import { checkResources } from './resource-checks';
import { constructPathsOf, stacksOf } from './stack-model';
import { fail } from '../private/validate';

const PLUGIN_NAME = 'EcrBlueprintsChecks';
const ACK_PREFIX = `${PLUGIN_NAME}::`;

function packageVersion(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../../package.json').version;
  } catch {
    return undefined;
  }
}

/**
 * The library's ECR and ECS rules as an aws-cdk-lib policy-validation plugin, for any CDK app,
 * whatever construct made its resources (aws-cdk-lib L2s, `ecs_patterns`, L1s, other libraries):
 *
 *   Validations.of(app).addPlugins(new EcrBlueprintsChecks());
 *
 * At synth it reads every stack's template and checks `AWS::ECR::Repository` (name, tag
 * mutability, lifecycle policy text exactly as `LifecyclePolicy.fromJson` reads it, repository
 * policy), `AWS::ECR::RegistryScanningConfiguration`, `AWS::ECR::ReplicationConfiguration`,
 * `AWS::ECR::PullThroughCacheRule`, `AWS::ECR::RepositoryCreationTemplate` and
 * `AWS::ECS::TaskDefinition` (images with `latest`, no tag, or a tag the repository lets move;
 * Fargate cpu/memory; container memory; root user; read-only root filesystem). An error stops synth;
 * a warning is reported. A value that is a CloudFormation intrinsic is never an error: the rule that
 * needs it reports `ECRB-UNRESOLVED` (a warning) instead.
 *
 * Acknowledge a finding on the construct that holds the resource (or any parent) with
 * `Validations.of(scope).acknowledge({ id: 'EcrBlueprintsChecks::<rule id>', reason })`, or with
 * `EcrBlueprintsChecks.acknowledge(scope, ruleId, reason)`. An acknowledgement without a reason is
 * itself an error (`ECRB-ACK-REASON`).
 */
export class EcrBlueprintsChecks implements IPolicyValidationPlugin {
  /**
   * The plugin name. Acknowledgement ids are this name, `::`, and the rule id.
   */
  public static readonly PLUGIN_NAME: string = PLUGIN_NAME;

  /**
   * Acknowledges a rule of this plugin for the resources under `scope`, with the reason recorded.
   *
   * @param scope the construct that holds the resource (or a parent of it)
   * @param ruleId the rule id, for example `ECRB-ECS-READONLY-ROOT`
   * @param reason why the finding is accepted; required
   */
  public static acknowledge(scope: IConstruct, ruleId: string, reason: string): void {
    if (!/^ECRB-[A-Z0-9-]+$/.test(ruleId)) {
      fail(scope, 'ruleId', ruleId, 'EcrBlueprintsChecks rule ids look like ECRB-ECS-LATEST (see the README table)');
    }
    if (!reason || reason.trim() === '') {
      fail(scope, 'reason', reason, `an acknowledgement of ${ruleId} needs a reason`);
    }
    Validations.of(scope).acknowledge({ id: `${ACK_PREFIX}${ruleId}`, reason });
  }

  /** The name shown in the validation report. */
  public readonly name: string = PLUGIN_NAME;
  /** The version of the library. */
  public readonly version?: string = packageVersion();
  /** The ids of the rules the plugin reports. */
  public readonly ruleIds?: string[] = CHECK_RULES.map(r => r.id);

  /**
   * Checks every stack of the app. Called by aws-cdk-lib at synth.
   */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const stacks = stacksOf(context);
    let paths: Map<string, string> | undefined;
    const findings: Finding[] = [...checkResources(stacks, () => paths ??= constructPathsOf(context.appConstruct))];
    for (const analysis of APP_ANALYSES) findings.push(...analysis(stacks));
    const violations = findings.map(toViolation);
    violations.push(...acknowledgementsWithoutReason(context.appConstruct));
    return {
      success: !violations.some(v => v.severity === 'error' || v.severity === 'fatal'),
      violations,
    };
  }
}

function toViolation(f: Finding): PolicyViolation {
  const metadata: Record<string, string> = { stack: f.stack, property: f.property };
  if (f.constructPath) metadata.constructPath = f.constructPath;
  if (f.value !== undefined) metadata.value = typeof f.value === 'string' ? f.value : JSON.stringify(f.value);
  if (f.source) metadata.source = f.source;
  return {
    ruleName: f.ruleId,
    description: f.source ? `${f.message} (${f.source})` : f.message,
    fix: f.fix,
    severity: f.severity,
    ruleMetadata: metadata,
    violatingResources: [{
      resourceLogicalId: f.logicalId,
      templatePath: f.templatePath,
      locations: [`Properties.${f.property}`],
    }],
  };
}

/**
 * Acknowledgements of this plugin's rules that give no reason. Reported as `fatal`, which
 * aws-cdk-lib never lets an acknowledgement suppress.
 */
function acknowledgementsWithoutReason(root: IConstruct): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries<unknown>(entry.data)) {
        if (!id.startsWith(ACK_PREFIX) || (typeof reason === 'string' && reason.trim() !== '')) continue;
        out.push({
          ruleName: ACK_REASON.id,
          description: `${construct.node.path}: invalid acknowledgement of ${id.slice(ACK_PREFIX.length)} ${JSON.stringify(reason ?? '')}: ` +
            `an acknowledgement needs a reason (${ACK_REASON.source})`,
          fix: ACK_REASON.fix,
          severity: 'fatal',
          violatingResources: [{ constructPath: construct.node.path, locations: ['Metadata'] }],
        });
      }
    }
  }
  return out;
}
