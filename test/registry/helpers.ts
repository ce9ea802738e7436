import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

export const ACCOUNT = '111111111111';
export const OTHER_ACCOUNT = '222222222222';

/** A stack with a concrete environment in a fresh app. */
export function envStack(app: App = new App(), id = 'Test', account = ACCOUNT, region = 'us-east-1'): Stack {
  return new Stack(app, id, { env: { account, region } });
}

/** The properties of the only resource of a type. */
export function onlyResource(stack: Stack, type: string): any {
  const found = Object.values(Template.fromStack(stack).findResources(type));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}
