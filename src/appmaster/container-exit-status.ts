/** YARN's container exit statuses (ContainerExitStatus) in words, for messages about a container that ended. */
const YARN_EXIT_STATUSES: Readonly<Record<number, string>> = {
  [-100]: 'released or aborted',
  [-101]: 'its disks failed',
  [-102]: 'preempted by the scheduler',
  [-103]: 'killed for exceeding its virtual memory limit (yarn.nodemanager.vmem-check-enabled)',
  [-104]: 'killed for exceeding its physical memory limit: raise taskmanager.memory.process.size',
  [-105]: 'killed by the ApplicationMaster',
  [-106]: 'killed by the ResourceManager',
  [-107]: 'killed after the application completed',
  [-108]: 'killed by the scheduler for the container to be updated',
  [-1000]: 'exit status unknown',
};

/** `exit code 137`, `preempted by the scheduler (-102)`. */
export function describeExitStatus(status: number): string {
  const known = YARN_EXIT_STATUSES[status];
  if (known !== undefined) return `${known} (${status})`;
  if (status === 0) return 'exit code 0';
  // 128 + n: the process ended by signal n (137: SIGKILL, 143: SIGTERM).
  if (status > 128 && status < 160) return `exit code ${status}, signal ${status - 128}`;
  return `exit code ${status}`;
}
