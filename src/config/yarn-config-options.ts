/** Options of running on YARN (per-job, session and application clusters). */
import { atLeast, intOption, listOption, stringOption } from './config-option.js';

export const YarnConfigOptions = Object.freeze({
  APPLICATION_ATTEMPTS: intOption('yarn.application-attempts', 1, {
    description: 'How many times YARN starts the application master. Use at least 2 with high availability.',
    validate: atLeast(1),
  }),
  VCORES: intOption('yarn.containers.vcores', -1, {
    description: 'The virtual cores of each TaskManager container. -1 uses taskmanager.numberOfTaskSlots.',
    validate: (v) => (v === -1 || v >= 1 ? undefined : `${v} is out of range. Use -1 or a value of at least 1`),
  }),
  APP_MASTER_VCORES: intOption('yarn.appmaster.vcores', 1, {
    description: 'The virtual cores of the application master container.',
    validate: atLeast(1),
  }),
  APPLICATION_QUEUE: stringOption('yarn.application.queue', undefined, {
    description: 'The YARN queue of the application. If unset, the default queue.',
  }),
  APPLICATION_NAME: stringOption('yarn.application.name', undefined, {
    description: 'The name of the YARN application.',
  }),
  APPLICATION_ID: stringOption('yarn.application.id', undefined, {
    description: 'The id of a running YARN session to submit jobs to.',
  }),
  SHIP_FILES: listOption('yarn.ship-files', undefined, {
    description: "Files and directories shipped to every container, separated by ';'.",
    separators: [';'],
    deprecatedKeys: ['yarn.ship-directories'],
  }),
  STAGING_DIRECTORY: stringOption('yarn.staging-directory', undefined, {
    description: "The directory for the application's files, under .flink/<application id>/. If unset, the file system home directory.",
  }),
});
