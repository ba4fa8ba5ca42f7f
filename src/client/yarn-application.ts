/**
 * `bin/flink run-application -t yarn-application <program>`: Application Mode on YARN. The client does not run
 * the program: it bundles it (as `bin/flink run` does), stages the bundle and the configuration in HDFS and
 * starts an application whose ApplicationMaster runs the program's main and ends with its job. As in Flink 1.x,
 * the client is always detached: it returns once the application is RUNNING and its JobManager registered;
 * `yarn application -status <id>` (or the web interface) shows how it ends.
 */
import { UsageError } from '../util/errors.js';
import { ResourceManagerRestClient } from '../yarn/client/index.js';
import { bundleProgram } from './bundler.js';
import { clientPath } from './client-paths.js';
import type { ProgramOptions } from './program.js';
import { deployYarnCluster } from './yarn-deployment.js';

export const APPLICATION_TARGET = 'yarn-application';

/** `run-application` with a target other than yarn-application. */
export class UnsupportedApplicationTargetError extends UsageError {
  constructor(target: string) {
    super(
      `The run-application action needs the execution target 'yarn-application' (-t yarn-application), not '${target || 'remote'}'. ` +
        "To run the program in this client against a cluster, use 'bin/flink run'.",
    );
  }
}

/** Deploys the application and returns once it is RUNNING; throws with YARN's diagnostics when it is not. */
export async function runApplication(opts: ProgramOptions): Promise<void> {
  if (opts.target !== APPLICATION_TARGET) throw new UnsupportedApplicationTargetError(opts.target);
  const rm = ResourceManagerRestClient.fromEnvironment();
  const bundle = await bundleProgram(opts.programPath);
  try {
    const d = await deployYarnCluster(opts.config, rm, {
      print: opts.print,
      defaultName: `Flink Application Cluster: ${bundle.programName}`,
      program: {
        bundle: { fileName: bundle.fileName, data: bundle.data },
        staged: {
          programName: bundle.programName,
          args: opts.args,
          ...(opts.parallelism !== undefined ? { parallelism: opts.parallelism } : {}),
          ...(opts.jobConfiguration ? { jobConfiguration: opts.jobConfiguration } : {}),
          ...(opts.savepointPath !== undefined ? { savepoint: { path: clientPath(opts.savepointPath), allowNonRestoredState: opts.allowNonRestoredState } } : {}),
        },
      },
    });
    opts.print('YARN application has been deployed successfully.');
    opts.print(
      `The ApplicationMaster runs ${bundle.programName}; the application ends with its job. ` +
        `Follow it with: yarn application -status ${d.app.applicationId}`,
    );
  } finally {
    await bundle.dispose();
  }
}
