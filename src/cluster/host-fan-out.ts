/**
 * Runs a phase of bin/ script calls on many hosts at once: the hosts in parallel, the calls of one host one after
 * the other over its one connection (a host listed twice in conf/workers gets two TaskManagers). A host that
 * fails is reported in one line and the others carry on; a host that could not be reached is reported once,
 * not again in a later phase.
 */
import { FlinkError } from '../util/errors.js';
import { HostCommandFailedError, HostError } from './errors.js';
import type { HostEntry } from './hosts-file.js';
import type { HostRunner, OutputSink } from './host-runner.js';

export interface HostStep {
  readonly entry: HostEntry;
  readonly script: 'jobmanager.sh' | 'taskmanager.sh';
  readonly args: readonly string[];
}

export interface PhaseResult {
  readonly succeeded: readonly HostStep[];
  readonly failed: readonly HostStep[];
}

interface HostSlot {
  readonly runner: HostRunner;
  opened: Promise<HostError | undefined> | undefined;
}

export class HostFanOut {
  private readonly slots = new Map<string, HostSlot>();
  /** Every failure so far, in the order they were printed. */
  readonly failures: HostError[] = [];

  constructor(
    /** The runner of a host (local or SSH); called once per distinct host. */
    private readonly runnerFor: (entry: HostEntry) => { key: string; create: () => HostRunner },
    private readonly out: OutputSink,
  ) {}

  async runPhase(steps: readonly HostStep[]): Promise<PhaseResult> {
    const groups = new Map<string, { slot: HostSlot; steps: HostStep[] }>();
    for (const step of steps) {
      const { key, create } = this.runnerFor(step.entry);
      let slot = this.slots.get(key);
      if (slot === undefined) {
        slot = { runner: create(), opened: undefined };
        this.slots.set(key, slot);
      }
      const group = groups.get(key) ?? { slot, steps: [] };
      group.steps.push(step);
      groups.set(key, group);
    }
    const succeeded: HostStep[] = [];
    const failed: HostStep[] = [];
    await Promise.all(
      [...groups.values()].map(async ({ slot, steps: hostSteps }) => {
        const firstOpen = slot.opened === undefined;
        slot.opened ??= slot.runner.open().then(
          () => undefined,
          (err: unknown) => this.asHostError(slot.runner.host, err),
        );
        const openError = await slot.opened;
        if (openError !== undefined) {
          if (firstOpen) this.report(openError);
          failed.push(...hostSteps);
          return;
        }
        for (const step of hostSteps) {
          try {
            await slot.runner.run(step.script, step.args, this.out);
            succeeded.push(step);
          } catch (err) {
            this.report(this.asHostError(slot.runner.host, err));
            failed.push(step);
          }
        }
      }),
    );
    return { succeeded, failed };
  }

  /** Closes every connection; each is closed even when another fails. Idempotent. */
  async close(): Promise<void> {
    const slots = [...this.slots.values()];
    this.slots.clear();
    await Promise.allSettled(slots.map((s) => s.runner.close()));
  }

  private report(err: HostError): void {
    this.failures.push(err);
    this.out.stderr(`Error: ${err.message}`);
  }

  private asHostError(host: string, err: unknown): HostError {
    if (err instanceof HostError) return err;
    const message = err instanceof FlinkError || err instanceof Error ? err.message : String(err);
    return new HostCommandFailedError(host, `on host ${host}: ${message}`, { cause: err });
  }
}
