export * from './container-registry';
export * from './pull-through-cache-rule';
export * from './registry-scanning';
export * from './replication-destination';
export * from './repository-creation-template';
export * from './upstream-registry';
export * from './signing-configuration';
export * from './pull-time-update-exclusion';
