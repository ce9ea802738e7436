import * as ecr from 'aws-cdk-lib/aws-ecr';
import { throwViolations, Where } from '../private/validate';
import { checkRegistryScanning } from '../rules/registry';

/** The kind of image scanning of a registry. */
export enum ScanType {
  /** Amazon ECR basic scanning (CVE database, on push or manual). */
  BASIC = 'BASIC',
  /** Amazon Inspector enhanced scanning (operating system and language packages, on push or continuous). */
  ENHANCED = 'ENHANCED',
}

/** When the repositories selected by a scanning rule are scanned. */
export enum ScanFrequency {
  /** Each image is scanned when it is pushed. */
  SCAN_ON_PUSH = 'SCAN_ON_PUSH',
  /** Images are scanned on push and again whenever new vulnerabilities are published (enhanced scanning only). */
  CONTINUOUS_SCAN = 'CONTINUOUS_SCAN',
}

/** One registry scanning rule: a frequency and the repositories it applies to. */
export interface ScanningRule {
  /** How often the selected repositories are scanned. */
  readonly frequency: ScanFrequency;

  /**
   * Repository name filters; `*` is a wildcard, `*` alone selects every repository (1-100 filters).
   */
  readonly repositoryFilters: string[];
}

/** Options of basic scanning. */
export interface BasicScanningOptions {
  /**
   * Repository filters whose images are scanned on push. An empty list leaves only manual scans.
   *
   * @default ['*'] - every repository is scanned on push
   */
  readonly scanOnPush?: string[];
}

/** Options of enhanced (Amazon Inspector) scanning. */
export interface EnhancedScanningOptions {
  /**
   * Repository filters whose images are scanned on push only.
   *
   * @default - no scan-on-push rule
   */
  readonly scanOnPush?: string[];

  /**
   * Repository filters whose images are scanned on push and rescanned when new vulnerabilities
   * are published.
   *
   * @default ['*'] when `scanOnPush` is not given either, otherwise no continuous rule
   */
  readonly continuous?: string[];
}

/**
 * The image scanning configuration of a registry (`AWS::ECR::RegistryScanningConfiguration`).
 * It applies to every repository of the registry, including the ones ECR creates by replication,
 * pull-through cache and create-on-push, and takes precedence over the scan-on-push setting of
 * individual repositories.
 *
 * The checks ECR applies (at most two rules, continuous scanning only with `ENHANCED`, filter
 * syntax and counts) run when the configuration is given to a `ContainerRegistry`.
 */
export class RegistryScanning {
  /**
   * Basic scanning: images of the selected repositories are scanned when pushed.
   */
  public static basic(options: BasicScanningOptions = {}): RegistryScanning {
    const filters = options.scanOnPush ?? ['*'];
    return new RegistryScanning(ScanType.BASIC,
      filters.length ? [{ frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: filters }] : [], 'RegistryScanning.basic');
  }

  /**
   * Enhanced scanning with Amazon Inspector (Inspector charges apply). With no options, every
   * repository is scanned continuously.
   */
  public static enhanced(options: EnhancedScanningOptions = {}): RegistryScanning {
    const rules: ScanningRule[] = [];
    const continuous = options.continuous ?? (options.scanOnPush === undefined ? ['*'] : undefined);
    if (options.scanOnPush !== undefined) rules.push({ frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: options.scanOnPush });
    if (continuous !== undefined) rules.push({ frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: continuous });
    return new RegistryScanning(ScanType.ENHANCED, rules, 'RegistryScanning.enhanced');
  }

  /**
   * Any scan type with explicit rules, as `PutRegistryScanningConfiguration` takes them.
   */
  public static custom(scanType: ScanType, rules: ScanningRule[]): RegistryScanning {
    return new RegistryScanning(scanType, rules, 'RegistryScanning.custom');
  }

  /** The scan type. */
  public readonly scanType: ScanType;
  /** The scanning rules. */
  public readonly rules: ScanningRule[];

  private constructor(scanType: ScanType, rules: ScanningRule[], private readonly factory: string) {
    this.scanType = scanType;
    this.rules = rules.map(r => ({ frequency: r.frequency, repositoryFilters: [...r.repositoryFilters ?? []] }));
  }

  /**
   * Whether every repository of the registry is scanned on push at least (a rule whose filters include `*`).
   */
  public get scansEveryRepository(): boolean {
    return this.rules.some(r => r.repositoryFilters.includes('*'));
  }

  /**
   * Checks the configuration against ECR's rules.
   * @internal
   */
  public _validate(where: Where): void {
    throwViolations(where, checkRegistryScanning(this.scanType, this.rules.map(r => ({ frequency: r.frequency, filters: r.repositoryFilters })),
      `scanning (${this.factory})`));
  }

  /**
   * The L1 properties.
   * @internal
   */
  public _render(): ecr.CfnRegistryScanningConfigurationProps {
    return {
      scanType: this.scanType,
      rules: this.rules.map(rule => ({
        scanFrequency: rule.frequency,
        repositoryFilters: rule.repositoryFilters.map(filter => ({ filter, filterType: 'WILDCARD' })),
      })),
    };
  }
}
