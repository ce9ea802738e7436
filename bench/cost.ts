/**
 * The fixed monthly cost of a set of synthesized templates: what the resources bill per month
 * before anyone pulls an image or writes a log line (requests, storage and data are left out).
 *
 * Prices are us-east-1 list prices, read on 2026-12-01 from the pages named below.
 */

/** A customer-managed KMS key, per month (aws.amazon.com/kms/pricing: "$1 per key per month"; requests extra). */
export const KMS_KEY_MONTH_USD = 1.0;
/**
 * An interface VPC endpoint, per availability zone and hour (aws.amazon.com/privatelink/pricing:
 * billed per AZ the endpoint is provisioned in, by the hour; $0.01 in us-east-1; data processed extra).
 */
export const INTERFACE_ENDPOINT_AZ_HOUR_USD = 0.01;
/** A Secrets Manager secret, per month (aws.amazon.com/secrets-manager/pricing: "$0.40 per secret per month"). */
export const SECRET_MONTH_USD = 0.4;
/** Hours in a month as AWS bills them (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

export interface MonthlyCost {
  /** Customer-managed KMS keys (AWS::KMS::Key). */
  readonly kmsKeys: number;
  /** Interface VPC endpoints times the subnets (one per AZ) they are placed in. */
  readonly interfaceEndpointAzs: number;
  /** Secrets Manager secrets (AWS::SecretsManager::Secret). */
  readonly secrets: number;
  /** The sum in US dollars per month. */
  readonly usd: number;
}

/** The fixed monthly cost of the resources of the templates. */
export function monthlyCost(templates: any[]): MonthlyCost {
  let kmsKeys = 0;
  let interfaceEndpointAzs = 0;
  let secrets = 0;
  for (const template of templates) {
    for (const resource of Object.values<any>(template.Resources ?? {})) {
      if (resource.Type === 'AWS::KMS::Key') kmsKeys++;
      if (resource.Type === 'AWS::SecretsManager::Secret') secrets++;
      if (resource.Type === 'AWS::EC2::VPCEndpoint' && resource.Properties?.VpcEndpointType === 'Interface') {
        const subnets = resource.Properties.SubnetIds;
        // Without subnets listed, CloudFormation places the endpoint in one subnet per AZ of the VPC: count one.
        interfaceEndpointAzs += Array.isArray(subnets) ? subnets.length : 1;
      }
    }
  }
  const usd = kmsKeys * KMS_KEY_MONTH_USD
    + interfaceEndpointAzs * INTERFACE_ENDPOINT_AZ_HOUR_USD * HOURS_PER_MONTH
    + secrets * SECRET_MONTH_USD;
  return { kmsKeys, interfaceEndpointAzs, secrets, usd: Math.round(usd * 100) / 100 };
}
