export * from './repository-baseline';
export * from './secure-repository';
