export * from './lifecycle';
export * from './repository';
