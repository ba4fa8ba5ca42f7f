/**
 * The import graph of src/: every static import/export-from, `import('...')` with a string literal, and
 * `import('...')` type, parsed with the TypeScript compiler, with whether it is type-only (erased at run time).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface ImportEdge {
  /** Importing file, relative to the repository root with `/` separators (e.g. `src/api/index.ts`). */
  from: string;
  /** Imported file, same form. */
  to: string;
  kind: 'static' | 'dynamic';
  typeOnly: boolean;
  line: number;
}

/** The repository root: from this file's source map (out-of-tree builds), else FLINK_HOME, else the build's parent. */
export function repositoryRoot(): string {
  const here = fileURLToPath(import.meta.url);
  const map = `${here}.map`;
  if (existsSync(map)) {
    const sources = (JSON.parse(readFileSync(map, 'utf8')) as { sources?: string[] }).sources ?? [];
    const src = sources[0];
    if (src) {
      const original = resolve(dirname(here), src);
      const root = resolve(dirname(original), '..', '..', '..');
      if (existsSync(join(root, 'src'))) return root;
    }
  }
  const home = process.env['FLINK_HOME'];
  if (home && existsSync(join(home, 'src'))) return home;
  return resolve(dirname(here), '..', '..', '..', '..');
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

const posix = (p: string): string => p.split(sep).join('/');

function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  const clause = node.importClause;
  if (!clause) return false; // side-effect import
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const named = clause.namedBindings;
  return named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

function isTypeOnlyExport(node: ts.ExportDeclaration): boolean {
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
}

/** Parses every src/**\/*.ts file of the repository and returns the edges between files of src/. */
export function importGraph(root: string): { files: string[]; edges: ImportEdge[] } {
  const srcDir = join(root, 'src');
  const files = listTs(srcDir);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const add = (spec: string, kind: ImportEdge['kind'], typeOnly: boolean, node: ts.Node): void => {
      if (!spec.startsWith('.')) return; // node: built-ins and packages
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      edges.push({
        from: posix(relative(root, file)),
        to: posix(relative(root, target)),
        kind,
        typeOnly,
        line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1,
      });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        add(node.moduleSpecifier.text, 'static', isTypeOnlyImport(node), node);
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        add(node.moduleSpecifier.text, 'static', isTypeOnlyExport(node), node);
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const arg = node.arguments[0];
        if (arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))) add(arg.text, 'dynamic', false, node);
      } else if (ts.isImportTypeNode(node)) {
        const lit = ts.isLiteralTypeNode(node.argument) ? node.argument.literal : undefined;
        if (lit && ts.isStringLiteral(lit)) add(lit.text, 'static', true, node);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { files: files.map((f) => posix(relative(root, f))), edges };
}

/** The top-level folder of a file under src/ (`src/runtime/task/x.ts` → `runtime`; `src/index.ts` → `(root)`). */
export function folderOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? (parts[1] as string) : '(root)';
}

/**
 * Cycles of the folder graph: one representative cycle per strongly connected component with more than one
 * folder, as a path `a -> b -> ... -> a`, each step with the import that makes it.
 */
export function folderCycles(edges: readonly ImportEdge[]): string[] {
  const adj = new Map<string, Map<string, ImportEdge>>();
  for (const e of edges) {
    const a = folderOf(e.from);
    const b = folderOf(e.to);
    if (a === b) continue;
    const m = adj.get(a) ?? adj.set(a, new Map()).get(a);
    if (m && !m.has(b)) m.set(b, e);
  }
  const nodes = [...new Set([...adj.keys(), ...[...adj.values()].flatMap((m) => [...m.keys()])])].sort();
  // Tarjan's strongly connected components.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const comps: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of [...(adj.get(v)?.keys() ?? [])].sort()) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      for (;;) {
        const w = stack.pop() as string;
        on.delete(w);
        comp.push(w);
        if (w === v) break;
      }
      if (comp.length > 1) comps.push(comp.sort());
    }
  };
  for (const v of nodes) if (!idx.has(v)) strong(v);

  return comps.map((comp) => {
    // Shortest cycle through the component's first folder (BFS back to it).
    const start = comp[0] as string;
    const inComp = new Set(comp);
    const prev = new Map<string, string>();
    const queue = [start];
    let closing: string | undefined;
    while (queue.length > 0 && closing === undefined) {
      const v = queue.shift() as string;
      for (const w of [...(adj.get(v)?.keys() ?? [])].sort()) {
        if (!inComp.has(w)) continue;
        if (w === start) {
          closing = v;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    const path = [start];
    for (let v = closing as string; v !== start; v = prev.get(v) as string) path.splice(1, 0, v);
    path.push(start);
    const steps = path.slice(0, -1).map((a, i) => {
      const e = adj.get(a)?.get(path[i + 1] as string) as ImportEdge;
      return `${a} -> ${path[i + 1]} (${e.from}:${e.line} imports ${e.to}${e.typeOnly ? ', type-only' : ''}${e.kind === 'dynamic' ? ', dynamic' : ''})`;
    });
    return `cycle among [${comp.join(', ')}]: ${steps.join('; ')}`;
  });
}
