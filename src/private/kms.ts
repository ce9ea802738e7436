import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';

/**
 * Adds the key policy statement of the AWS Control Tower control CT.KMS.PR.3: nobody may create a
 * grant on the key unless an AWS service creates it for an AWS resource (`kms:GrantIsForAWSResource`)
 * or is itself the caller (`aws:PrincipalIsAWSService`).
 *
 * What still works (AWS KMS developer guide, grants and the condition keys): ECR creates the grant
 * of a KMS-encrypted repository itself when the repository is created, directly or through the
 * creation-template role (`kms:GrantIsForAWSResource` is true); CloudWatch Logs uses the key
 * through its key policy statement, without grants; pulling an image needs no grant from the puller.
 * What no longer works: a person or a role creating grants on the key by hand.
 */
export function limitGrantsToAwsServices(key: kms.IKey): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'GrantsOnlyForAwsServices',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: {
        'kms:GrantIsForAWSResource': 'false',
        'aws:PrincipalIsAWSService': 'false',
      },
    },
  }), true);
}
