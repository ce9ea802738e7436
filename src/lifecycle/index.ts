export * from './lifecycle-rule';
export * from './lifecycle-image';
export * from './lifecycle-policy';
