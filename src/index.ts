export * from './lifecycle';
export * from './repository';
export * from './registry';
