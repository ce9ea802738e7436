import { CfnParameter } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { envStack } from './helpers';
import { ContainerRegistry, RegistryScanning, ScanFrequency, ScanType } from '../../src';

function scanningOf(scanning: RegistryScanning): any {
  const stack = envStack();
  new ContainerRegistry(stack, 'Registry', { scanning });
  return Object.values(Template.fromStack(stack).findResources('AWS::ECR::RegistryScanningConfiguration'))[0].Properties;
}

function registryWith(scanning: RegistryScanning): () => void {
  return () => new ContainerRegistry(envStack(), 'Registry', { scanning });
}

describe('RegistryScanning', () => {
  test('basic scans every repository on push by default', () => {
    expect(scanningOf(RegistryScanning.basic())).toEqual({
      ScanType: 'BASIC',
      Rules: [{ ScanFrequency: 'SCAN_ON_PUSH', RepositoryFilters: [{ Filter: '*', FilterType: 'WILDCARD' }] }],
    });
  });

  test('basic with an empty list leaves manual scanning only', () => {
    expect(scanningOf(RegistryScanning.basic({ scanOnPush: [] }))).toEqual({ ScanType: 'BASIC', Rules: [] });
  });

  test('enhanced scans every repository continuously by default', () => {
    expect(scanningOf(RegistryScanning.enhanced())).toEqual({
      ScanType: 'ENHANCED',
      Rules: [{ ScanFrequency: 'CONTINUOUS_SCAN', RepositoryFilters: [{ Filter: '*', FilterType: 'WILDCARD' }] }],
    });
  });

  test('enhanced with both frequencies renders two rules', () => {
    expect(scanningOf(RegistryScanning.enhanced({ scanOnPush: ['*'], continuous: ['prod/*', 'shared/base-*'] }))).toEqual({
      ScanType: 'ENHANCED',
      Rules: [
        { ScanFrequency: 'SCAN_ON_PUSH', RepositoryFilters: [{ Filter: '*', FilterType: 'WILDCARD' }] },
        {
          ScanFrequency: 'CONTINUOUS_SCAN',
          RepositoryFilters: [{ Filter: 'prod/*', FilterType: 'WILDCARD' }, { Filter: 'shared/base-*', FilterType: 'WILDCARD' }],
        },
      ],
    });
  });

  test('enhanced with scan on push only has no continuous rule', () => {
    expect(scanningOf(RegistryScanning.enhanced({ scanOnPush: ['prod/*'] })).Rules).toEqual([
      { ScanFrequency: 'SCAN_ON_PUSH', RepositoryFilters: [{ Filter: 'prod/*', FilterType: 'WILDCARD' }] },
    ]);
  });

  test('scansEveryRepository', () => {
    expect(RegistryScanning.basic().scansEveryRepository).toBe(true);
    expect(RegistryScanning.enhanced({ scanOnPush: ['prod/*'] }).scansEveryRepository).toBe(false);
  });

  test('tokens are not rejected', () => {
    const stack = envStack();
    const filter = new CfnParameter(stack, 'Filter').valueAsString;
    new ContainerRegistry(stack, 'Registry', { scanning: RegistryScanning.basic({ scanOnPush: [filter] }) });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', {
      Rules: [{ RepositoryFilters: [{ Filter: { Ref: 'Filter' }, FilterType: 'WILDCARD' }] }],
    });
  });
});

describe('RegistryScanning validation (the combinations ECR rejects)', () => {
  test('BASIC with continuous scanning', () => {
    expect(registryWith(RegistryScanning.custom(ScanType.BASIC, [{ frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: ['*'] }])))
      .toThrow(/^Test\/Registry: invalid scanning \(RegistryScanning.custom\) frequency "CONTINUOUS_SCAN": continuous scanning needs ENHANCED scanning/);
  });

  test('more than two rules', () => {
    const rule = { frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: ['*'] };
    expect(registryWith(RegistryScanning.custom(ScanType.ENHANCED, [rule, rule, rule])))
      .toThrow(/^Test\/Registry: invalid scanning \(RegistryScanning.custom\) rules .*: must have 0-2 entries \(got 3\)/);
  });

  test('a rule without filters', () => {
    expect(registryWith(RegistryScanning.custom(ScanType.ENHANCED, [{ frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: [] }])))
      .toThrow(/^Test\/Registry: invalid scanning \(RegistryScanning.custom\) repositoryFilters \[\]: a scanning rule without filters selects no repository/);
  });

  test('more than 100 filters in a rule', () => {
    const filters = Array.from({ length: 101 }, (_, i) => `team-${i}/*`);
    expect(registryWith(RegistryScanning.enhanced({ continuous: filters })))
      .toThrow(/^Test\/Registry: invalid scanning \(RegistryScanning.enhanced\) repositoryFilters .*: must have 1-100 entries \(got 101\)/);
  });

  test('filter syntax', () => {
    expect(registryWith(RegistryScanning.basic({ scanOnPush: ['Prod/*'] })))
      .toThrow(/^Test\/Registry: invalid scanning \(RegistryScanning.basic\) repository filter "Prod\/\*": scanning filters are 1-255 characters of lowercase letters/);
    expect(registryWith(RegistryScanning.basic({ scanOnPush: ['prod/'] })))
      .toThrow(/invalid scanning \(RegistryScanning.basic\) repository filter "prod\/": scanning filters are/);
  });

  test('filter length', () => {
    expect(registryWith(RegistryScanning.basic({ scanOnPush: ['a'.repeat(256)] })))
      .toThrow(/^Test\/Registry: invalid scanning \(RegistryScanning.basic\) repository filter "a{256}": must be 1-255 characters long \(got 256\)/);
  });
});
