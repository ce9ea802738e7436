import { Stack, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { MAX_PULL_TIME_EXCLUSIONS, PULL_TIME_EXCLUSION_ARN_PATTERN, PULL_TIME_EXCLUSION_ARN_RULE } from '../private/signing-rules';
import { checkLength, checkPattern, message } from '../private/validate';

const EXCLUSION_SYMBOL = Symbol.for('cdk-ecr-blueprints.PullTimeUpdateExclusion');

/**
 * Properties of a `PullTimeUpdateExclusion`.
 */
export interface PullTimeUpdateExclusionProps {
  /**
   * The IAM role whose pulls do not update an image's last recorded pull time (a vulnerability
   * scanner, a build system that pulls every image). For a role of another stack or account, use
   * `iam.Role.fromRoleArn`. The user guide documents role ARNs only (the API pattern also admits IAM
   * users): users and assumed-role session ARNs are refused.
   */
  readonly role: iam.IRole;
}

/**
 * A pull-time update exclusion of the registry (`AWS::ECR::PullTimeUpdateExclusion`): pulls by the
 * role do not update `lastRecordedPullTime`, so they do not keep images alive against
 * `LifecycleRule.archiveAfterDaysSinceLastPull` (sinceImagePulled) rules. Pulls by Amazon Inspector
 * never update it; every other principal's pulls do.
 *
 * Registry-wide: ECR accepts up to 100 exclusions per account (user guide), and one per role; a
 * 101st, or a second exclusion of one role, in stacks of the app with the same concrete account and
 * region fails at synth.
 */
export class PullTimeUpdateExclusion extends Construct {
  /** Whether the value is a `PullTimeUpdateExclusion` (works across copies of this library). */
  public static isPullTimeUpdateExclusion(x: any): x is PullTimeUpdateExclusion {
    return x !== null && typeof x === 'object' && EXCLUSION_SYMBOL in x;
  }

  /** The ARN of the excluded role. */
  public readonly principalArn: string;

  constructor(scope: Construct, id: string, props: PullTimeUpdateExclusionProps) {
    super(scope, id);
    Object.defineProperty(this, EXCLUSION_SYMBOL, { value: true });
    this.principalArn = props.role.roleArn;
    checkLength(this, 'role', this.principalArn, 1, 200);
    checkPattern(this, 'role', this.principalArn, PULL_TIME_EXCLUSION_ARN_PATTERN, PULL_TIME_EXCLUSION_ARN_RULE);
    new ecr.CfnPullTimeUpdateExclusion(this, 'Resource', { principalArn: this.principalArn });
    this.node.addValidation({ validate: () => this.validateRegistryWide() });
  }

  /** The registry's exclusions seen from this one: the same concrete account and region, or the same stack. */
  private validateRegistryWide(): string[] {
    const mine = Stack.of(this);
    const concrete = !Token.isUnresolved(mine.account) && !Token.isUnresolved(mine.region);
    const same = this.node.root.node.findAll().filter((c): c is PullTimeUpdateExclusion => {
      if (!PullTimeUpdateExclusion.isPullTimeUpdateExclusion(c)) return false;
      const theirs = Stack.of(c);
      return theirs === mine || (concrete && theirs.account === mine.account && theirs.region === mine.region);
    });
    const errors: string[] = [];
    // Report once, on the first exclusion of the registry.
    if (same[0] === this && same.length > MAX_PULL_TIME_EXCLUSIONS) {
      errors.push(message(this, 'pull-time update exclusions', same.length,
        `ECR accepts at most ${MAX_PULL_TIME_EXCLUSIONS} pull-time update exclusions per account`));
    }
    const resolvedArn = mine.resolve(this.principalArn);
    const first = same.find(c => JSON.stringify(Stack.of(c).resolve(c.principalArn)) === JSON.stringify(resolvedArn));
    if (first && first !== this) {
      errors.push(message(this, 'role', this.principalArn, `the role already has a pull-time update exclusion (${first.node.path})`));
    }
    return errors;
  }
}
