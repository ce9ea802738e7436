export * from './ecr-blueprints-checks';
