export * from './lifecycle-rule';
export * from './lifecycle-policy';
