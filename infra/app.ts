import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { acknowledgeNagFindings } from './nag-acknowledgements.js';
import { readStackOptions, StackOptionsError } from './options.js';
import { StormgateStack } from './stormgate-stack.js';

/** `cdk synth` / `cdk deploy`: one stack; cdk-nag (AwsSolutions, Serverless) checks it at synth. */
export function buildApp(app: App = new App()): { app: App; stack: StormgateStack } {
  const options = readStackOptions((key) => app.node.tryGetContext(key));
  // One stack per namePrefix: another prefix is another stack, never a rename of the first one's resources.
  const stackId = options.namePrefix === 'stormgate' ? 'Stormgate' : `Stormgate-${options.namePrefix}`;
  const stack = new StormgateStack(app, stackId, { options });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  acknowledgeNagFindings(stack);
  return { app, stack };
}

if (process.argv[1]?.endsWith('infra/app.ts')) {
  try {
    buildApp();
  } catch (error) {
    // A mistake in the options is the operator's to fix: say it, without a stack trace.
    if (!(error instanceof StackOptionsError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}
