export * from './image-reference';
export * from './tagged-image-task-definition';
export * from './registry-endpoints';
