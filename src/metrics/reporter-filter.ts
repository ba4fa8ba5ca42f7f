/**
 * Which metrics a reporter reports: Flink's `filter.includes` / `filter.excludes`, each a list of filters
 * `<scope>[:<name>[,<name>]][:<type>[,<type>]]` where `*` matches any run of characters. A metric is reported
 * when no exclusion and at least one inclusion match its logical scope (`taskmanager.job.task`), its name and
 * its type.
 *
 * ```ts
 * const filter = ReporterFilter.of(['*:*:*'], ['*.job.task.operator:numRecords*']);
 * filter.accepts('taskmanager.job.task', 'numRecordsIn', 'counter');           // true
 * filter.accepts('taskmanager.job.task.operator', 'numRecordsIn', 'counter');  // false
 * ```
 */
import type { MetricKind } from './metric-registry.js';

interface FilterSpec {
  scope: RegExp;
  name: RegExp;
  /** Lower-case type names; undefined: any type. */
  types: ReadonlySet<string> | undefined;
}

/** `a*,b` → /^(a.*|b)$/: `*` is any run of characters, everything else is itself. */
function pattern(component: string): RegExp {
  const alternatives = component.split(',').map((p) =>
    p
      .trim()
      .split('*')
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*'),
  );
  return new RegExp(`^(${alternatives.join('|')})$`);
}

function parse(filter: string): FilterSpec {
  const [scope = '*', name = '*', types] = filter.split(':');
  const typeSet = types === undefined || types.trim() === '*' ? undefined : new Set(types.split(',').map((t) => t.trim().toLowerCase()));
  return { scope: pattern(scope), name: pattern(name), types: typeSet };
}

function matches(spec: FilterSpec, scope: string, name: string, kind: MetricKind): boolean {
  return spec.scope.test(scope) && spec.name.test(name) && (spec.types === undefined || spec.types.has(kind));
}

export class ReporterFilter {
  private constructor(
    private readonly includes: readonly FilterSpec[],
    private readonly excludes: readonly FilterSpec[],
  ) {}

  /** Filters as the configuration holds them (checked there). */
  static of(includes: readonly string[], excludes: readonly string[]): ReporterFilter {
    return new ReporterFilter(includes.map(parse), excludes.map(parse));
  }

  accepts(scope: string, name: string, kind: MetricKind): boolean {
    if (this.excludes.some((f) => matches(f, scope, name, kind))) return false;
    return this.includes.some((f) => matches(f, scope, name, kind));
  }
}
