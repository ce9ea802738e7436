export * from './lifecycle';
export * from './repository';
export * from './registry';
export * from './public';
export * from './ecs';
export * from './checks';
